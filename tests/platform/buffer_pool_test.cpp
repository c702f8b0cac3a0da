// The payload pool: storage given back is handed out again, last in first out, up to a limit.
#include "platform/buffer_pool.h"

#include <gtest/gtest.h>

namespace atl::platform {
namespace {

TEST(BufferPool, HandsBackTheStorageGivenLastInFirstOut) {
  BufferPool pool(2);
  EXPECT_EQ(pool.take().capacity(), 0u);  // empty pool: a new, empty buffer
  std::vector<std::uint8_t> a(100, 1), b(200, 2);
  const std::uint8_t* a_storage = a.data();
  const std::uint8_t* b_storage = b.data();
  pool.give(std::move(a));
  pool.give(std::move(b));
  EXPECT_EQ(pool.kept(), 2u);
  std::vector<std::uint8_t> first = pool.take();
  EXPECT_EQ(first.data(), b_storage);
  EXPECT_TRUE(first.empty());
  EXPECT_EQ(first.capacity(), 200u);
  EXPECT_EQ(pool.take().data(), a_storage);
  EXPECT_EQ(pool.kept(), 0u);
}

TEST(BufferPool, KeepsAtMostItsLimitAndNoEmptyBuffers) {
  BufferPool pool(2);
  for (int i = 0; i < 3; ++i) pool.give(std::vector<std::uint8_t>(64));
  EXPECT_EQ(pool.kept(), 2u);
  BufferPool other(2);
  other.give(std::vector<std::uint8_t>{});  // no storage: nothing to keep
  EXPECT_EQ(other.kept(), 0u);
}

}  // namespace
}  // namespace atl::platform
