// The CommOps of virtual, bypass and comm kernels, and GMISkew / PacketDecoder, byte for byte.
#include "platform/comm_kernel.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "platform/gmi_skew.h"

namespace atl::platform {
namespace {

using plan::CommOp;

// A message of the given rows (all valid).
Message rows(const std::vector<std::vector<std::uint8_t>>& r) {
  Message m;
  m.header = {static_cast<std::uint32_t>(r.size()), static_cast<std::uint32_t>(r[0].size()),
              static_cast<std::uint32_t>(r.size())};
  m.row_bytes = r[0].size();
  for (const auto& row : r) m.data.insert(m.data.end(), row.begin(), row.end());
  return m;
}

TEST(CommKernel, ForwardPassesSourceKToDestK) {
  const Message a = rows({{1, 2}, {3, 4}}), b = rows({{5, 6, 7}, {8, 9, 10}});
  const std::vector<Message> out = comm_outputs(CommOp::forward, {a, b}, 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], a);
  EXPECT_EQ(out[1], b);
}

TEST(CommKernel, BroadcastCopiesToEveryDest) {
  const Message a = rows({{1, 2, 3}});
  EXPECT_EQ(comm_outputs(CommOp::broadcast, {a}, 3), std::vector<Message>(3, a));
}

TEST(CommKernel, ScatterCutsEqualChunksInDestOrder) {
  const Message a = rows({{0, 1, 2, 3, 4, 5, 6, 7}, {10, 11, 12, 13, 14, 15, 16, 17}});
  const std::vector<Message> out = comm_outputs(CommOp::scatter, {a}, 4);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].data, (std::vector<std::uint8_t>{0, 1, 10, 11}));
  EXPECT_EQ(out[1].data, (std::vector<std::uint8_t>{2, 3, 12, 13}));
  EXPECT_EQ(out[3].data, (std::vector<std::uint8_t>{6, 7, 16, 17}));
  EXPECT_EQ(out[3].row_bytes, 2u);
  EXPECT_EQ(out[3].header, a.header);  // GMI scatter sends the header to every child
  EXPECT_THROW(comm_outputs(CommOp::scatter, {a}, 3), core::Error);  // 8 bytes in 3 chunks
}

TEST(CommKernel, GatherConcatenatesEachRowInSourceOrder) {
  const Message a = rows({{1, 2}, {3, 4}}), b = rows({{5}, {6}}), c = rows({{7, 8, 9}, {0, 0, 1}});
  Message want = rows({{1, 2, 5, 7, 8, 9}, {3, 4, 6, 0, 0, 1}});
  want.header = a.header;  // GatherSend forwards source 0's header only
  EXPECT_EQ(comm_outputs(CommOp::gather, {a, b, c}, 1), std::vector<Message>{want});
  EXPECT_EQ(comm_outputs(CommOp::gather_broadcast, {a, b, c}, 2), std::vector<Message>(2, want));
  // Source order, not the order of arrival or of IDs: the caller's order is kept.
  Message swapped = rows({{5, 1, 2}, {6, 3, 4}});
  swapped.header = b.header;
  EXPECT_EQ(comm_outputs(CommOp::gather, {b, a}, 1)[0], swapped);
}

TEST(CommKernel, GatherRejectsSourcesOfDifferentRowCounts) {
  const Message two = rows({{1}, {2}}), three = rows({{1}, {2}, {3}});
  try {
    gather(std::vector<Message>{two, three});
    FAIL() << "gathered 2 and 3 rows";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("gather: source 1 sent 3 rows, source 0 sent 2"),
              std::string::npos)
        << e.what();
  }
}

TEST(CommKernel, RejectsCountsThatDoNotFitTheOp) {
  const Message a = rows({{1, 2}});
  EXPECT_THROW(comm_outputs(CommOp::forward, {a, a}, 1), core::Error);
  EXPECT_THROW(comm_outputs(CommOp::broadcast, {a, a}, 2), core::Error);
  EXPECT_THROW(comm_outputs(CommOp::scatter, {a, a}, 2), core::Error);
  EXPECT_THROW(comm_outputs(CommOp::gather, {a}, 0), core::Error);
  EXPECT_THROW(comm_outputs(CommOp::gather, {}, 1), core::Error);
}

Packet two_flits() {
  Packet p;
  p.dest = 5;
  p.id = 7;
  p.user = 2;
  p.keep = last_keep(70);  // 64 + 6 bytes
  p.data.resize(2 * kFlitBytes);
  for (std::size_t i = 0; i < 70; ++i) p.data[i] = static_cast<std::uint8_t>(i + 1);
  return p;
}

TEST(GmiSkew, ShiftsThePayloadBehindTheVirtualKernelId) {
  const Packet p = two_flits();
  const Packet s = gmi_skew(p, {3, 33});
  EXPECT_EQ(s.dest, 0u);    // kernel 0 of the destination cluster receives it
  EXPECT_EQ(s.cluster, 3);  // which cluster
  EXPECT_EQ(s.id, 7u);      // TID stays the sender's
  EXPECT_EQ(s.user, 3);     // one more flit
  ASSERT_EQ(s.data.size(), 3 * kFlitBytes);
  EXPECT_EQ(s.data[0], 33);  // the virtual kernel's ID in byte 0
  for (std::size_t i = 0; i < 70; ++i) ASSERT_EQ(s.data[i + 1], i + 1) << i;
  for (std::size_t i = 71; i < s.data.size(); ++i) ASSERT_EQ(s.data[i], 0) << i;
  EXPECT_EQ(s.keep, p.keep);
  validate(s, "skewed");
  Packet back = gmi_decode(s, "kernel 0");
  EXPECT_EQ(back.dest, 33u);
  back.dest = p.dest;
  back.cluster = p.cluster;
  EXPECT_EQ(back, p);
  EXPECT_THROW(gmi_skew(p, {1, 256}), core::Error);  // byte 0 holds 8 bits
}

TEST(GmiSkew, DecodeRejectsAPacketWithoutTheExtraFlit) {
  Packet one;
  one.user = 1;
  one.data.resize(kFlitBytes);
  try {
    gmi_decode(one, "kernel 0 of cluster 1");
    FAIL() << "decoded a one-flit packet";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("kernel 0 of cluster 1: packet from kernel 0 for kernel "
                                         "0 (the GMI node) holds 1 flit(s)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace atl::platform
