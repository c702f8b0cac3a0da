// Flits, packets, the bridge header and the message convention, byte for byte.
#include <gtest/gtest.h>

#include "core/error.h"
#include "platform/bridge.h"
#include "platform/message.h"
#include "platform/packet.h"

namespace atl::platform {
namespace {

Packet packet_of(std::uint32_t src, std::uint32_t dest, std::size_t flits, std::uint64_t keep) {
  Packet p;
  p.id = src;
  p.dest = dest;
  p.user = static_cast<std::uint16_t>(flits);
  p.keep = keep;
  p.data.resize(flits * kFlitBytes);
  for (std::size_t i = 0; i < p.data.size(); ++i) p.data[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return p;
}

TEST(Flit, SizesAndKeep) {
  EXPECT_EQ(flits_for(0), 1u);
  EXPECT_EQ(flits_for(64), 1u);
  EXPECT_EQ(flits_for(65), 2u);
  EXPECT_EQ(flits_for(3072), 48u);  // an int8 FFN row: 48 flits, as in the Cluster Builder
  EXPECT_EQ(last_keep(64), kAllKeep);
  EXPECT_EQ(last_keep(16), 0xffffu);
  EXPECT_EQ(last_keep(65), 1u);
  EXPECT_EQ(kMaxKernelId, 255u);
}

TEST(Packet, FlitViewRoundTrips) {
  const Packet p = packet_of(3, 9, 3, 0xff);
  std::vector<Flit> flits;
  for (std::size_t i = 0; i < p.flit_count(); ++i) flits.push_back(flit(p, i));
  EXPECT_FALSE(flits[0].last);
  EXPECT_EQ(flits[0].keep, kAllKeep);
  EXPECT_TRUE(flits[2].last);
  EXPECT_EQ(flits[2].keep, 0xffu);
  EXPECT_EQ(flits[1].data[0], p.data[64]);
  EXPECT_EQ(flits[1].user, 3);
  EXPECT_EQ(packet_from_flits(flits, "test"), p);
  EXPECT_EQ(p.payload_bytes(), 2 * 64 + 8u);
}

TEST(Packet, RejectsBadFlitSequences) {
  const Packet p = packet_of(3, 9, 2, kAllKeep);
  std::vector<Flit> flits{flit(p, 0), flit(p, 1)};
  flits[0].last = true;  // TLAST in the middle
  EXPECT_THROW(packet_from_flits(flits, "test"), core::Error);
  flits = {flit(p, 0), flit(p, 1)};
  flits[1].dest = 4;  // destination changes inside a packet
  EXPECT_THROW(packet_from_flits(flits, "test"), core::Error);
  Packet bad = p;
  bad.user = 5;  // TUSER disagrees with the flits
  EXPECT_THROW(validate(bad, "test"), core::Error);
  bad = p;
  bad.keep = 0xf0;  // holes in TKEEP
  EXPECT_THROW(validate(bad, "test"), core::Error);
}

TEST(Bridge, HeaderBitsGalapagos) {
  const auto f = encode_bridge_header({.size = 0x1234, .src = 0xab, .dest = 0xcd, .keep = 0});
  // bits [15:0] size, [23:16] source, [31:24] destination, little-endian bytes.
  EXPECT_EQ(f[0], 0x34);
  EXPECT_EQ(f[1], 0x12);
  EXPECT_EQ(f[2], 0xab);
  EXPECT_EQ(f[3], 0xcd);
  for (std::size_t i = 4; i < kFlitBytes; ++i) EXPECT_EQ(f[i], 0) << i;
  EXPECT_EQ(decode_bridge_header(f),
            (BridgeHeader{.size = 0x1234, .src = 0xab, .dest = 0xcd, .keep = 0}));
  EXPECT_THROW(encode_bridge_header({.size = 1, .src = 256, .dest = 1}), core::Error);
}

TEST(Bridge, DestinationClusterInBytes27To24) {
  // An atoll addition in bits Galapagos leaves zero: a Galapagos bridge's zeros mean cluster 0.
  const auto f = encode_bridge_header({.size = 1, .src = 1, .dest = 0, .cluster = 0x01020304});
  EXPECT_EQ(f[24], 0x04);
  EXPECT_EQ(f[25], 0x03);
  EXPECT_EQ(f[26], 0x02);
  EXPECT_EQ(f[27], 0x01);
  EXPECT_EQ(decode_bridge_header(f).cluster, 0x01020304);
  Packet host = packet_of(7, 0, 2, kAllKeep);
  host.cluster = -1;  // the host
  const std::vector<std::uint8_t> wire = to_wire(host);
  EXPECT_EQ(wire[24], 0xff);
  EXPECT_EQ(wire[27], 0xff);
  EXPECT_EQ(from_wire(wire, "test"), host);
}

TEST(Bridge, WireRoundTripAndBytes) {
  const Packet p = packet_of(5, 6, 2, 0x3);
  const std::vector<std::uint8_t> wire = to_wire(p);
  ASSERT_EQ(wire.size(), 3 * kFlitBytes);
  EXPECT_EQ(wire[0], 2);  // size in flits
  EXPECT_EQ(wire[2], 5);
  EXPECT_EQ(wire[3], 6);
  EXPECT_EQ(wire[16], 0x3);  // TKEEP of the last flit
  EXPECT_EQ(wire[64], p.data[0]);
  EXPECT_EQ(from_wire(wire, "test"), p);
}

TEST(Bridge, RejectsTruncatedAndOversized) {
  const std::vector<std::uint8_t> wire = to_wire(packet_of(5, 6, 2, kAllKeep));
  EXPECT_THROW(from_wire(std::span(wire).first(40), "t"), core::Error);
  EXPECT_THROW(from_wire(std::span(wire).first(2 * kFlitBytes), "t"), core::Error);
  std::vector<std::uint8_t> longer = wire;
  longer.resize(wire.size() + kFlitBytes);
  EXPECT_THROW(from_wire(longer, "t"), core::Error);
  std::vector<std::uint8_t> zero_size = wire;
  zero_size[0] = 0;
  EXPECT_THROW(from_wire(zero_size, "t"), core::Error);
  try {
    from_wire(std::span(wire).first(2 * kFlitBytes), "udp port 9000");
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("udp port 9000"), std::string::npos) << e.what();
  }
}

TEST(Message, HeaderLayout) {
  const auto f = encode_header({.rows = 128, .cols = 0x0102, .valid_rows = 100});
  EXPECT_EQ(f[0], 128);   // data[31:0] = N
  EXPECT_EQ(f[4], 0x02);  // data[63:32] = N_c
  EXPECT_EQ(f[5], 0x01);
  EXPECT_EQ(f[8], 100);  // data[95:64] = unpadded N
  EXPECT_EQ(decode_header(f), (MessageHeader{128, 0x0102, 100}));
  EXPECT_EQ(f[12], 0);  // an encoder's message: first position 0
}

// A decoder's step descriptor: the first position in data[127:96], the rows in data[31:0].
TEST(Message, StepDescriptorRoundTrips) {
  const MessageHeader step{.rows = 1, .cols = 64, .valid_rows = 1, .first_position = 0x010203};
  const auto f = encode_header(step);
  EXPECT_EQ(f[12], 0x03);
  EXPECT_EQ(f[13], 0x02);
  EXPECT_EQ(f[14], 0x01);
  EXPECT_EQ(f[15], 0);
  EXPECT_EQ(decode_header(f), step);
  Message m;
  m.header = step;
  m.row_bytes = 256;
  m.data.assign(256, 7);
  MessageReader reader(256, 1, "test");
  for (const Packet& p : pack(m, 3, 4)) reader.add(p);
  EXPECT_EQ(reader.take(), m);
}

TEST(Message, PackPutsHeaderInFirstPacket) {
  core::Tensor<std::int8_t> t({3, 80});
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<std::int8_t>(i - 100);
  const Message m = to_message(t);
  const std::vector<Packet> packets = pack(m, 2, 7);
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0].user, 3);  // header + 2 flits of an 80-byte row
  EXPECT_EQ(packets[1].user, 2);
  EXPECT_EQ(packets[0].keep, 0xffffu);
  EXPECT_EQ(packets[0].data[0], 3);  // N rows
  EXPECT_EQ(packets[0].data[64], static_cast<std::uint8_t>(-100));
  EXPECT_EQ(packets[2].id, 2u);
  EXPECT_EQ(packets[2].dest, 7u);

  MessageReader reader(80, 16, "test");
  EXPECT_FALSE(reader.add(packets[0]));
  EXPECT_FALSE(reader.add(packets[1]));
  EXPECT_TRUE(reader.add(packets[2]));
  const Message back = reader.take();
  EXPECT_EQ(back, m);
  EXPECT_EQ(to_tensor<std::int8_t>(back, "test"), t);
}

TEST(Message, Int32AndUint8RowsRoundTrip) {
  core::Tensor<std::int32_t> a({2, 20});
  for (std::int64_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::int32_t>(i * 100003 - 7);
  EXPECT_EQ(to_tensor<std::int32_t>(to_message(a), "t"), a);
  core::Tensor<std::uint8_t> b({2, 5}, {0, 1, 2, 3, 255, 9, 8, 7, 6, 5});
  const Message mb = to_message(b);
  EXPECT_EQ(mb.row_bytes, 5u);
  EXPECT_EQ(to_tensor<std::uint8_t>(mb, "t"), b);
  EXPECT_THROW(to_tensor<std::int32_t>(mb, "t"), core::Error);  // 5 bytes are no int32 row
}

TEST(Message, ReaderRejectsMalformed) {
  core::Tensor<std::int8_t> t({2, 64});
  const std::vector<Packet> packets = pack(to_message(t), 1, 2);
  {
    MessageReader reader(128, 16, "wrong row size");  // the stream carries 128-byte rows
    EXPECT_THROW(reader.add(packets[0]), core::Error);
  }
  {
    MessageReader reader(64, 1, "too many rows");  // header says 2 rows, at most 1 allowed
    EXPECT_THROW(reader.add(packets[0]), core::Error);
  }
  {
    MessageReader reader(64, 16, "extra packet");
    reader.add(packets[0]);
    reader.add(packets[1]);
    EXPECT_THROW(reader.add(packets[1]), core::Error);
  }
  {
    MessageReader reader(64, 16, "incomplete");
    reader.add(packets[0]);
    EXPECT_THROW(reader.take(), core::Error);
  }
  {
    Packet lying = packets[1];
    lying.user = 2;  // TUSER says 2 flits, one arrived
    MessageReader reader(64, 16, "tuser");
    reader.add(packets[0]);
    EXPECT_THROW(reader.add(lying), core::Error);
  }
}

TEST(Message, WriteRowPacketReusesThePayloadAndEqualsRowPacket) {
  const std::vector<std::uint8_t> row(100, 5);
  const MessageHeader h{3, 25, 3, 7};
  Packet p = row_packet(std::vector<std::uint8_t>(300, 9), 4, 6, nullptr);  // dirty, bigger
  p.cluster = 2;
  const std::uint8_t* storage = p.data.data();
  write_row_packet(p, row, 1, 2, &h);
  EXPECT_EQ(p.data.data(), storage);        // no new allocation
  EXPECT_EQ(p, row_packet(row, 1, 2, &h));  // every field rewritten, padding zero
  EXPECT_EQ(p.cluster, 0);
  EXPECT_EQ(p.data.size(), 3 * kFlitBytes);  // header + 100 bytes in two flits
}

TEST(Message, ReaderTakesAMessageWrittenInMemory) {
  MessageReader reader(8, 4, "l0.q -> l0.h0.attention");
  const MessageHeader h{2, 2, 2, 5};
  std::span<std::uint8_t> rows = reader.write(h);
  ASSERT_EQ(rows.size(), 16u);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<std::uint8_t>(i);
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.message().header, h);
  EXPECT_EQ(reader.message().row(1)[0], 8);
  const std::uint8_t* storage = reader.message().data.data();
  // Only once read (next) does the next message fit; next keeps the rows' storage.
  try {
    reader.write(h);
    FAIL() << "a second message was written over an unread one";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("before the previous one was read"), std::string::npos)
        << e.what();
  }
  reader.next();
  EXPECT_FALSE(reader.complete());
  EXPECT_THROW(reader.message(), core::Error);
  EXPECT_EQ(reader.write({1, 2, 1, 7}).data(), storage);
  reader.next();
  // The header is checked as a packet's is, and packets and memory do not mix in one message.
  EXPECT_THROW(reader.write({5, 2, 5, 0}), core::Error);  // more rows than 4
  core::Tensor<std::int8_t> t({2, 8});
  reader.add(pack(to_message(t), 1, 2)[0]);
  EXPECT_THROW(reader.write(h), core::Error);
}

TEST(Message, ZeroRowsIsTheHeaderAlone) {
  Message m;
  m.row_bytes = 64;
  const std::vector<Packet> packets = pack(m, 1, 2);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[0].user, 1);
  MessageReader reader(64, 16, "empty");
  EXPECT_TRUE(reader.add(packets[0]));
  EXPECT_EQ(reader.take().header.rows, 0u);
}

}  // namespace
}  // namespace atl::platform
