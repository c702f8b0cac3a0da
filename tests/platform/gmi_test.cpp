// Every collective's exact output and packet order.
#include "platform/gmi.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace atl::platform {
namespace {

// rows x cols int8 message with value row * 100 + col (wrapping).
Message counting(std::uint32_t rows, std::size_t cols, int base = 0) {
  core::Tensor<std::int8_t> t({rows, static_cast<std::int64_t>(cols)});
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      t(r, static_cast<std::int64_t>(c)) = static_cast<std::int8_t>(base + r * 100 + c);
    }
  }
  return to_message(t);
}

TEST(Gmi, BcastReplaysEachRowToEveryChildInOrder) {
  const Message m = counting(2, 64);
  const std::vector<std::uint32_t> children{4, 5, 6};
  const std::vector<Packet> out = bcast(m, 1, children);
  ASSERT_EQ(out.size(), 6u);
  const std::uint32_t dests[] = {4, 5, 6, 4, 5, 6};
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].dest, dests[i]) << i;
    EXPECT_EQ(out[i].id, 1u);
    EXPECT_EQ(out[i].user, i < 3 ? 2 : 1) << i;  // row 0 carries the header
  }
  EXPECT_EQ(out[4].data[0], 100);  // row 1, column 0
}

TEST(Gmi, ScatterSendsChunkKToChildKAndHeaderToAll) {
  const Message m = counting(2, 128);  // two heads of 64
  const std::vector<std::uint32_t> children{8, 9};
  const std::vector<Packet> out = scatter(m, 3, children, 64);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].dest, 8u);
  EXPECT_EQ(out[1].dest, 9u);
  EXPECT_EQ(decode_header({out[1].data.data(), 64}).rows, 2u);  // header to every child
  EXPECT_EQ(out[0].data[64], 0);                                // row 0 column 0
  EXPECT_EQ(out[1].data[64], 64);                               // row 0 column 64
  EXPECT_EQ(out[3].data[0], static_cast<std::uint8_t>(static_cast<std::int8_t>(100 + 64)));
  EXPECT_EQ(out[3].user, 1);
  EXPECT_THROW(scatter(m, 3, children, 32), core::Error);  // chunks must cover the row
}

TEST(Gmi, FanOutMixesCopiesAndChunks) {
  const Message m = counting(1, 128);
  const std::vector<Chunk> children{{7, 0, 128}, {8, 64, 64}};
  const std::vector<Packet> out = fan_out(m, 2, children);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].user, 3);  // header + 2 flits
  EXPECT_EQ(out[1].user, 2);  // header + 1 flit
  EXPECT_EQ(out[1].data[64], 64);
  const std::vector<Chunk> overrun{{7, 100, 64}};
  EXPECT_THROW(fan_out(m, 2, overrun), core::Error);
}

TEST(Gmi, ChunkPacketsAreOneChildsStreamOfTheFanOut) {
  const Message m = counting(3, 128);
  const std::vector<Chunk> children{{7, 0, 128}, {8, 64, 64}};
  const std::vector<Packet> all = fan_out(m, 2, children);
  for (std::size_t k = 0; k < children.size(); ++k) {
    const std::vector<Packet> mine = chunk_packets(m, 2, children[k]);
    ASSERT_EQ(mine.size(), 3u);
    for (std::size_t r = 0; r < mine.size(); ++r) EXPECT_EQ(mine[r], all[r * 2 + k]) << k << r;
  }
  EXPECT_EQ(chunk_packets(counting(0, 128), 2, children[1]).size(), 1u);  // the header alone
  EXPECT_THROW(chunk_packets(m, 2, {9, 100, 64}), core::Error);
}

TEST(Gmi, GatherConcatenatesInSourceOrderKeepingSourceZeroHeader) {
  std::vector<Message> by_source{counting(2, 2, 0), counting(2, 3, 50)};
  by_source[1].header.cols = 99;  // only source 0's header survives
  const Message g = gather(by_source);
  EXPECT_EQ(g.header, by_source[0].header);
  ASSERT_EQ(g.row_bytes, 5u);
  const std::vector<std::uint8_t> expected{0, 1, 50, 51, 52, 100, 101, 150, 151, 152};
  EXPECT_EQ(g.data, expected);
  by_source[1] = counting(3, 3);
  EXPECT_THROW(gather(by_source), core::Error);  // row counts differ
}

TEST(Gmi, ReduceAddsInt8LanesWrapping) {
  core::Tensor<std::int8_t> a({1, 3}, {100, -128, 5});
  core::Tensor<std::int8_t> b({1, 3}, {100, -1, -5});
  const std::vector<Message> by_source{to_message(a), to_message(b)};
  const Message r = reduce(by_source, Lanes::i8);
  EXPECT_EQ(to_tensor<std::int8_t>(r, "t"),
            (core::Tensor<std::int8_t>({1, 3}, {-56, 127, 0})));  // 200 and -129 wrap
}

TEST(Gmi, ReduceAddsInt32Lanes) {
  core::Tensor<std::int32_t> a({1, 2}, {2147483647, -10});
  core::Tensor<std::int32_t> b({1, 2}, {1, 30});
  const std::vector<Message> by_source{to_message(a), to_message(b)};
  EXPECT_EQ(to_tensor<std::int32_t>(reduce(by_source, Lanes::i32), "t"),
            (core::Tensor<std::int32_t>({1, 2}, {-2147483647 - 1, 20})));
}

}  // namespace
}  // namespace atl::platform
