// The C-simulation shim of Vitis HLS's headers (src/kernels/hls/shim/): ap_uint/ap_int ranges
// across 64-bit words, signed values, ap_axiu's members, and hls::stream across threads and its
// deadline (one line, exit status 1).
#include <ap_axi_sdata.h>
#include <ap_int.h>
#include <gtest/gtest.h>
#include <hls_stream.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>

namespace {

TEST(HlsShim, RangeReadsAndWritesAcrossWordBoundaries) {
  ap_uint<512> v;
  EXPECT_EQ(v.range(511, 448), 0u);
  v.range(71, 56) = 0xabcd;  // bits 56..63 in word 0, 64..71 in word 1
  EXPECT_EQ(v.range(63, 56), 0xcdu);
  EXPECT_EQ(v.range(71, 64), 0xabu);
  EXPECT_EQ(v.range(71, 56), 0xabcdu);
  EXPECT_EQ(v.to_uint64(), 0xcd00000000000000u);
  v.range(127, 64) = 0x0123456789abcdefull;  // a whole word
  EXPECT_EQ(v.range(127, 64), 0x0123456789abcdefull);
  EXPECT_EQ(v.range(67, 60), 0xfcu);  // low nibble of word 1 (0xf), high nibble of word 0 (0xc)
  v.range(511, 504) = 0x1ff;          // cut to the range's 8 bits
  EXPECT_EQ(v.range(511, 504), 0xffu);
  EXPECT_EQ(v.range(503, 440), 0u);
  // Assigning a range from another value's range, as GMISkew shifts bytes.
  ap_uint<512> w;
  w.range(63, 0) = v.range(127, 64);
  w.range(7, 0) = v.range(511, 504);
  EXPECT_EQ(w.to_uint64(), 0x0123456789abcdffull);
  const ap_uint<512> c = w;
  EXPECT_EQ(c.range(15, 8), 0xcdu);  // const read
  EXPECT_TRUE(c == w);
  w.range(300, 300) = 1;
  EXPECT_TRUE(c != w);
}

TEST(HlsShim, UnsignedWrapsAndConverts) {
  ap_uint<16> u = 70000;  // wraps to 16 bits
  EXPECT_EQ(u.to_uint64(), 70000u % 65536u);
  u = -1;
  EXPECT_EQ(u.to_uint64(), 0xffffu);
  EXPECT_EQ(static_cast<unsigned long long>(u) + 1, 0x10000u);  // implicit, as Vitis's
  ap_uint<1> last = 1;
  EXPECT_TRUE(last);
  EXPECT_TRUE(last == 1);
  EXPECT_FALSE(last == 3);  // 3 is no 1-bit value: unequal as numbers
  ap_uint<8> id = 255;
  EXPECT_TRUE(id == 255);
  EXPECT_FALSE(id == -1);
  EXPECT_TRUE(id != 254);
  ap_uint<64> k = ~0ull;
  EXPECT_EQ(k.to_uint64(), ~0ull);
  EXPECT_EQ(k.to_int64(), -1);  // the bits, read as int64
}

TEST(HlsShim, SignedValuesSignExtend) {
  ap_int<8> a = -3;
  EXPECT_EQ(a.to_int64(), -3);
  EXPECT_EQ(a.to_int(), -3);
  EXPECT_EQ(a.to_uint64(), 0xfdu);  // the 8 bits
  EXPECT_EQ(a.range(7, 0), 0xfdu);
  EXPECT_TRUE(a == -3);
  EXPECT_FALSE(a == 253);
  a = 130;  // wraps to -126
  EXPECT_EQ(a.to_int64(), -126);
  long long sum = a + 1;  // implicit long long
  EXPECT_EQ(sum, -125);
  ap_int<100> wide = -2;
  EXPECT_EQ(wide.range(99, 36), 0xffffffffffffffffull);
  EXPECT_EQ(wide.range(63, 0), 0xfffffffffffffffeull);
  EXPECT_TRUE(wide == -2);
  ap_int<32> b;
  b.range(31, 24) = 0x80;
  EXPECT_EQ(b.to_int64(), -2147483648LL);
}

TEST(HlsShim, AxiuHasTheSideChannelsZeroed) {
  ap_axiu<512, 16, 8, 8> beat;
  EXPECT_EQ(beat.data.range(511, 448), 0u);
  EXPECT_EQ(beat.keep.to_uint64(), 0u);
  EXPECT_EQ(beat.strb.to_uint64(), 0u);
  EXPECT_EQ(beat.user.to_uint64(), 0u);
  EXPECT_EQ(beat.last.to_uint64(), 0u);
  beat.keep = ~0ull;
  beat.user = 3;
  beat.id = 300;  // 8 bits
  beat.dest = 7;
  EXPECT_EQ(beat.keep.to_uint64(), ~0ull);
  EXPECT_EQ(beat.id.to_uint64(), 300u % 256u);
  EXPECT_EQ(beat.user + 1, 4u);
}

TEST(HlsShim, StreamIsAFifoAcrossThreads) {
  hls::stream<int> s("test.fifo");
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.full());
  int v = 7;
  EXPECT_FALSE(s.read_nb(v));
  EXPECT_EQ(v, 7);
  s.write(1);
  EXPECT_TRUE(s.write_nb(2));
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.read(), 1);
  EXPECT_TRUE(s.read_nb(v));
  EXPECT_EQ(v, 2);
  // A reader waits for a writer in another thread.
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int i = 0; i < 1000; ++i) s.write(i);
  });
  long long sum = 0;
  for (int i = 0; i < 1000; ++i) {
    int x = 0;
    s.read(x);
    EXPECT_EQ(x, i);
    sum += x;
  }
  writer.join();
  EXPECT_EQ(sum, 999 * 1000 / 2);
  EXPECT_TRUE(s.empty());
}

TEST(HlsShimDeathTest, ReadPastTheDeadlineExitsWithOneLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("ATOLL_CSIM_DEADLINE_S", "0.2", 1);
        hls::stream<int> s("c0.kern_5.in_r");
        s.read();
      },
      testing::ExitedWithCode(1),
      "^csim: stream 'c0.kern_5.in_r': no data for 0.2 s \\(deadlock or a missing sender\\)\n$");
  EXPECT_EXIT(
      {
        setenv("ATOLL_CSIM_DEADLINE_S", "soon", 1);
        hls::stream<int> s("x");
        s.read();
      },
      testing::ExitedWithCode(1),
      "^csim: ATOLL_CSIM_DEADLINE_S='soon' is not a number of seconds in \\(0, 1e6\\]\n$");
}

}  // namespace
