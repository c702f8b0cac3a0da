// The wire format of the generated kernels (kernels/hls/beat.h, packet_io.h) with exact values:
// TKEEP and flit counts, the header flit, a row as beats (local and skewed), reading a packet
// back, PacketDecoder's unskew, and a sender's message. (tests/platform/hls_kernels_test.cpp
// checks the same against platform::pack and gmi_skew.)
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/hls/packet_io.h"

namespace {

namespace hk = atl::kernels::hls;

TEST(HlsPacketIo, KeepAndFlitCounts) {
  EXPECT_EQ(hk::flits_for(0), 1);
  EXPECT_EQ(hk::flits_for(64), 1);
  EXPECT_EQ(hk::flits_for(65), 2);
  EXPECT_EQ(hk::keep_for(0), 0u);
  EXPECT_EQ(hk::keep_for(6), 0x3fu);
  EXPECT_EQ(hk::keep_for(64), ~std::uint64_t{0});
  EXPECT_EQ(hk::keep_for(70), 0x3fu);
  EXPECT_EQ(hk::kept_bytes(0x3f), 6);
  EXPECT_EQ(hk::kept_bytes(~std::uint64_t{0}), 64);
  EXPECT_EQ(hk::route_to(1, 5, 1).tdest, 5u);  // same cluster: the ID, unskewed
  EXPECT_EQ(hk::route_to(1, 5, 1).skew_id, -1);
  EXPECT_EQ(hk::route_to(1, 5, 3).tdest, 3u);  // another: its index, byte 0 = the ID
  EXPECT_EQ(hk::route_to(1, 5, 3).skew_id, 5);
  EXPECT_EQ(hk::route_to(1, 33, -1).tdest, 255u);  // the host
  EXPECT_EQ(hk::route_to(1, 33, -1).skew_id, 33);
}

TEST(HlsPacketIo, HeaderFlitIsLittleEndian) {
  std::uint8_t flit[64];
  hk::encode_header({0x01020304, 768, 5}, flit);
  EXPECT_EQ(flit[0], 0x04);
  EXPECT_EQ(flit[3], 0x01);
  EXPECT_EQ(flit[4], 0x00);  // 768 = 0x300
  EXPECT_EQ(flit[5], 0x03);
  EXPECT_EQ(flit[8], 5);
  for (int i = 12; i < 64; ++i) EXPECT_EQ(flit[i], 0) << i;
  const hk::Header h = hk::decode_header(flit);
  EXPECT_EQ(h.rows, 0x01020304u);
  EXPECT_EQ(h.cols, 768u);
  EXPECT_EQ(h.valid_rows, 5u);
}

std::vector<hk::Beat> drain(hk::BeatStream& s) {
  std::vector<hk::Beat> out;
  hk::Beat b;
  while (s.read_nb(b)) out.push_back(b);
  return out;
}

TEST(HlsPacketIo, ARowWithTheHeaderIsThreeBeatsOrFourSkewed) {
  std::uint8_t row[70], raw[4 * 64];
  for (int i = 0; i < 70; ++i) row[i] = static_cast<std::uint8_t>(100 + i);
  const hk::Header h = {2, 70, 1};
  hk::BeatStream s("test");
  hk::write_row(s, row, 70, &h, 7, {5, -1}, raw);
  std::vector<hk::Beat> b = drain(s);
  ASSERT_EQ(b.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(b[i].user.to_uint64(), 3u);
    EXPECT_EQ(b[i].id.to_uint64(), 7u);
    EXPECT_EQ(b[i].dest.to_uint64(), 5u);
    EXPECT_EQ(b[i].last.to_uint64(), i == 2 ? 1u : 0u);
    EXPECT_EQ(b[i].keep.to_uint64(), i == 2 ? 0x3fu : ~std::uint64_t{0});
    EXPECT_EQ(b[i].strb.to_uint64(), b[i].keep.to_uint64());
  }
  EXPECT_EQ(hk::beat_byte(b[0], 0), 2);    // rows
  EXPECT_EQ(hk::beat_byte(b[0], 4), 70);   // cols
  EXPECT_EQ(hk::beat_byte(b[1], 0), 100);  // the row
  EXPECT_EQ(hk::beat_byte(b[2], 5), 169);
  EXPECT_EQ(hk::beat_byte(b[2], 6), 0);  // padding

  // To kernel 9 of cluster 4: byte 0 = 9, everything one byte up, one more beat, TDEST 4.
  hk::write_row(s, row, 70, &h, 7, hk::route_to(0, 9, 4), raw);
  b = drain(s);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[3].user.to_uint64(), 4u);
  EXPECT_EQ(b[3].dest.to_uint64(), 4u);
  EXPECT_EQ(b[3].keep.to_uint64(), 0x3fu);  // passed through, as platform::gmi_skew
  EXPECT_EQ(hk::beat_byte(b[0], 0), 9);
  EXPECT_EQ(hk::beat_byte(b[0], 1), 2);    // rows
  EXPECT_EQ(hk::beat_byte(b[1], 1), 100);  // the row starts at wire byte 65
  EXPECT_EQ(hk::beat_byte(b[2], 6), 169);  // row byte 69 = wire byte 64 + 69 + 1
  EXPECT_EQ(hk::beat_byte(b[2], 7), 0);
  EXPECT_EQ(hk::beat_byte(b[3], 0), 0);  // old byte 63 of the last beat (padding)

  // Read back and decoded by kernel 0: the unskewed packet, addressed to 9.
  for (const hk::Beat& x : b) s.write(x);
  std::uint8_t skewed[5 * 64], plain[4 * 64];
  const hk::Where where = {4, 0};
  const hk::PacketInfo p = hk::read_packet(s, skewed, 5, where);
  EXPECT_EQ(p.flits, 4);
  EXPECT_EQ(p.tid, 7u);
  const hk::PacketInfo q = hk::unskew(skewed, p, plain, where);
  EXPECT_EQ(q.flits, 3);
  EXPECT_EQ(q.tdest, 9u);
  EXPECT_EQ(hk::payload_bytes(q), 64 + 70);
  EXPECT_EQ(plain[64], 100);
  EXPECT_EQ(plain[64 + 69], 169);

  // The message: header + row 0 from this packet, then a header-free row 1.
  hk::MessageIn m = hk::message_start();
  EXPECT_EQ(hk::message_add(m, plain, q, 4, 70, where), 64);
  EXPECT_FALSE(hk::message_done(m));
  EXPECT_EQ(m.header.rows, 2u);
  hk::write_row(s, row, 70, nullptr, 7, {0, -1}, raw);
  const hk::PacketInfo r = hk::read_packet(s, plain, 4, where);
  EXPECT_EQ(r.flits, 2);
  EXPECT_EQ(hk::message_add(m, plain, r, 4, 70, where), 0);
  EXPECT_TRUE(hk::message_done(m));
}

TEST(HlsPacketIo, AZeroRowMessageIsTheHeaderAlone) {
  std::uint8_t raw[2 * 64];
  const hk::Header h = {0, 8, 0};
  hk::BeatStream s("test");
  hk::write_row(s, raw, 0, &h, 1, {2, -1}, raw);
  const std::vector<hk::Beat> b = drain(s);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].keep.to_uint64(), ~std::uint64_t{0});
  EXPECT_EQ(b[0].user.to_uint64(), 1u);
  EXPECT_EQ(b[0].last.to_uint64(), 1u);
}

}  // namespace
