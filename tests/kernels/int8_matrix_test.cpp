#include "kernels/int8_matrix.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"

namespace {

using namespace atl::kernels;

constexpr std::array kIsas = {Int8Isa::portable, Int8Isa::avx_vnni, Int8Isa::avx512_vnni};

std::vector<std::int8_t> random_i8(std::int64_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<std::int8_t> v(static_cast<std::size_t>(n));
  for (auto& e : v) e = static_cast<std::int8_t>(d(rng));
  return v;
}

std::vector<std::int32_t> reference(const std::vector<std::int8_t>& w, std::int64_t out,
                                    std::int64_t in, const std::vector<std::int8_t>& x,
                                    std::int64_t tokens) {
  std::vector<std::int32_t> y(static_cast<std::size_t>(tokens * out));
  int8_product_ref(w.data(), out, in, x.data(), tokens, y.data());
  return y;
}

// Every path this CPU has on (out, in, tokens), against the definition. The output buffer
// starts with a sentinel and one extra element that must stay untouched.
void expect_all_paths_equal(const std::vector<std::int8_t>& w, std::int64_t out, std::int64_t in,
                            const std::vector<std::int8_t>& x, std::int64_t tokens) {
  const Int8Matrix m(w, out, in);
  const auto want = reference(w, out, in, x, tokens);
  for (const Int8Isa isa : kIsas) {
    if (!int8_isa_available(isa)) continue;
    std::vector<std::int32_t> y(static_cast<std::size_t>(tokens * out + 1), 12345);
    m.multiply(x.data(), tokens, y.data(), isa);
    EXPECT_EQ(y.back(), 12345) << to_string(isa) << " wrote past y";
    y.pop_back();
    EXPECT_EQ(y, want) << to_string(isa) << ": out " << out << ", in " << in << ", tokens "
                       << tokens;
  }
}

TEST(Int8Matrix, HandComputed) {
  // w = [[1, -2, 3], [-128, 127, 0]], x = [[4, 5, -6], [-128, -128, 127]]
  const std::vector<std::int8_t> w = {1, -2, 3, -128, 127, 0};
  const std::vector<std::int8_t> x = {4, 5, -6, -128, -128, 127};
  // t0: 4 - 10 - 18 = -24; -512 + 635 = 123.  t1: -128 + 256 + 381 = 509; 16384 - 16256 = 128.
  const std::vector<std::int32_t> want = {-24, 123, 509, 128};
  EXPECT_EQ(reference(w, 2, 3, x, 2), want);
  expect_all_paths_equal(w, 2, 3, x, 2);
}

// The epilogue sees every (token, output) once, after the product of that piece is complete:
// here it records y * 3 - 1 and counts the visits.
struct Seen {
  std::int64_t out = 0;
  std::vector<std::int32_t>* derived = nullptr;
  std::vector<int>* visits = nullptr;
};

void record(const void* context, std::int64_t t, std::int64_t o0, std::int64_t o1,
            std::int32_t* y) {
  const Seen& s = *static_cast<const Seen*>(context);
  for (std::int64_t o = o0; o < o1; ++o) {
    (*s.derived)[static_cast<std::size_t>(t * s.out + o)] = y[o] * 3 - 1;
    ++(*s.visits)[static_cast<std::size_t>(t * s.out + o)];
  }
}

TEST(Int8Matrix, EpilogueSeesEveryFinishedOutputOnce) {
  std::mt19937 rng(9);
  // Small and threaded products (>= 2^18 multiply-accumulates), one token and many; the first
  // two take the small-input pass (at most 4 KB of prepared input), the third the work split.
  const std::vector<std::array<std::int64_t, 3>> cases = {
      {33, 130, 1}, {40, 64, 8}, {100, 1001, 5}, {1000, 300, 1}, {2100, 260, 1}, {700, 400, 40}};
  for (const auto& [out, in, tokens] : cases) {
    const auto w = random_i8(out * in, rng);
    const auto x = random_i8(tokens * in, rng);
    const Int8Matrix m(w, out, in);
    const auto want = reference(w, out, in, x, tokens);
    for (const Int8Isa isa : kIsas) {
      if (!int8_isa_available(isa)) continue;
      const auto n = static_cast<std::size_t>(tokens * out);
      std::vector<std::int32_t> y(n), derived(n);
      std::vector<int> visits(n, 0);
      const Seen seen{out, &derived, &visits};
      m.multiply(x.data(), tokens, y.data(), isa, {record, &seen});
      EXPECT_EQ(y, want) << to_string(isa);
      EXPECT_EQ(visits, std::vector<int>(n, 1)) << to_string(isa);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(derived[i], want[i] * 3 - 1) << i;
    }
  }
}

// The team overload: every thread of a region of 1, 2 or 3 threads calls it; together they
// compute every output once, run the epilogue once on each, and equal the definition. One token
// (the four-block decode kernel, with whole and partial blocks) and many.
TEST(Int8Matrix, TeamShareEqualsTheDefinition) {
  std::mt19937 rng(13);
  const std::vector<std::array<std::int64_t, 3>> cases = {
      {130, 9, 1}, {2100, 260, 1}, {2048, 257, 1}, {700, 400, 40}, {5, 3, 2}};
  for (const auto& [out, in, tokens] : cases) {
    const auto w = random_i8(out * in, rng);
    const auto x = random_i8(tokens * in, rng);
    const Int8Matrix m(w, out, in);
    const auto want = reference(w, out, in, x, tokens);
    for (const int threads : {1, 2, 3}) {
      const auto n = static_cast<std::size_t>(tokens * out);
      std::vector<std::int32_t> y(n), derived(n);
      std::vector<int> visits(n, 0);
      const Seen seen{out, &derived, &visits};
      ThreadTeam team(threads);
#pragma omp parallel num_threads(threads)
      {
        const TeamThread me = TeamThread::current(team);
        m.multiply(x.data(), tokens, y.data(), {record, &seen}, me);
        me.barrier();
        m.multiply(x.data(), tokens, y.data(), {}, me);  // a second step after the barrier
        me.barrier();
      }
      EXPECT_EQ(y, want) << threads << " threads, out " << out << ", in " << in;
      EXPECT_EQ(visits, std::vector<int>(n, 1)) << threads << " threads";
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(derived[i], want[i] * 3 - 1) << i;
    }
  }
}

// A small product runs on the calling thread alone, without a team: two threads multiplying
// the same matrix at once (each its own input) each get their own whole product.
TEST(Int8Matrix, SmallProductsOnTwoThreadsAtOnce) {
  std::mt19937 rng(17);
  const std::int64_t out = 130, in = 64, tokens = 2;  // 2 x 130 x 64 < 2^18: not threaded
  const auto w = random_i8(out * in, rng);
  const Int8Matrix m(w, out, in);
  std::array<std::vector<std::int8_t>, 2> x;
  std::array<std::vector<std::int32_t>, 2> y, derived;
  std::array<std::vector<int>, 2> visits;
  for (int t = 0; t < 2; ++t) {
    x[t] = random_i8(tokens * in, rng);
    y[t].assign(static_cast<std::size_t>(tokens * out), 0);
    derived[t] = y[t];
    visits[t].assign(y[t].size(), 0);
  }
#pragma omp parallel num_threads(2)
  {
    const int t = omp_get_thread_num();
    const Seen seen{out, &derived[t], &visits[t]};
    for (int repeat = 0; repeat < 50; ++repeat) {
      std::fill(visits[t].begin(), visits[t].end(), 0);
      m.multiply(x[t].data(), tokens, y[t].data(), {record, &seen});
    }
  }
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(y[t], reference(w, out, in, x[t], tokens)) << "thread " << t;
    EXPECT_EQ(visits[t], std::vector<int>(y[t].size(), 1)) << "thread " << t;
  }
}

TEST(Int8Matrix, ReportsThePaths) {
  for (const Int8Isa isa : kIsas) {
    std::printf("  %s: %s\n", to_string(isa), int8_isa_available(isa) ? "available" : "absent");
  }
  std::printf("  best: %s\n", to_string(best_int8_isa()));
  EXPECT_TRUE(int8_isa_available(Int8Isa::portable));
  EXPECT_TRUE(int8_isa_available(best_int8_isa()));
}

TEST(Int8Matrix, OddShapesAndTokenCounts) {
  std::mt19937 rng(7);
  // Outputs not a multiple of 16, inputs not a multiple of 4 or 16, token counts around the
  // kernels' groups of 4 and 8 and the decode case of 1.
  const std::vector<std::array<std::int64_t, 2>> shapes = {
      {1, 1}, {3, 5}, {16, 4}, {17, 33}, {31, 7}, {33, 130}, {64, 257}, {100, 1001}, {130, 9}};
  for (const auto& [out, in] : shapes) {
    const auto w = random_i8(out * in, rng);
    for (const std::int64_t tokens : {1, 2, 3, 4, 5, 7, 8, 9, 13, 17}) {
      expect_all_paths_equal(w, out, in, random_i8(tokens * in, rng), tokens);
    }
  }
}

TEST(Int8Matrix, ExtremeValuesAtTheInt32Edge) {
  // Every product (-128) * (-128) = 2^14: with in = 2^17 - 1 the result 2^31 - 2^14 is the
  // largest the product can reach; (-128) * 127 gives the most negative. The VNNI paths' partial
  // sums of (x + 128) * w wrap around int32 on the way; the results must not.
  const std::int64_t in = (std::int64_t{1} << 17) - 1;
  const std::int64_t out = 3;
  std::vector<std::int8_t> w(static_cast<std::size_t>(out * in));
  for (std::int64_t i = 0; i < in; ++i) {
    w[static_cast<std::size_t>(i)] = -128;
    w[static_cast<std::size_t>(in + i)] = 127;
    w[static_cast<std::size_t>(2 * in + i)] = static_cast<std::int8_t>(i % 2 == 0 ? 127 : -128);
  }
  std::vector<std::int8_t> x(static_cast<std::size_t>(2 * in));
  for (std::int64_t i = 0; i < in; ++i) {
    x[static_cast<std::size_t>(i)] = -128;
    x[static_cast<std::size_t>(in + i)] = 127;
  }
  const auto want = reference(w, out, in, x, 2);
  const std::int32_t n = static_cast<std::int32_t>(in);
  EXPECT_EQ(want, (std::vector<std::int32_t>{16384 * n, -16256 * n,
                                             -16256 * (n / 2 + 1) + 16384 * (n / 2), -16256 * n,
                                             16129 * n, 16129 * (n / 2 + 1) - 16256 * (n / 2)}));
  expect_all_paths_equal(w, out, in, x, 1);
  expect_all_paths_equal(w, out, in, x, 2);
}

TEST(Int8Matrix, DecoderShapesOneAndManyTokens) {
  // A TinyLlama-1.1B FFN down matrix ([2048][5632]) at decode (1 token) and a prefill chunk of
  // 37 tokens over a K/V projection ([256][2048]): large enough for the threaded split.
  std::mt19937 rng(11);
  const auto down = random_i8(2048 * 5632, rng);
  expect_all_paths_equal(down, 2048, 5632, random_i8(5632, rng), 1);
  const auto kv = random_i8(256 * 2048, rng);
  expect_all_paths_equal(kv, 256, 2048, random_i8(37 * 2048, rng), 37);
}

TEST(Int8Matrix, RejectsBadShapes) {
  const std::vector<std::int8_t> w(6);
  EXPECT_THROW(Int8Matrix(w, 2, 4), atl::core::Error);
  EXPECT_THROW(Int8Matrix(w, 0, 6), atl::core::Error);
  const std::int64_t in = std::int64_t{1} << 17;
  const std::vector<std::int8_t> wide(static_cast<std::size_t>(in));
  try {
    Int8Matrix m(wide, 1, in);
    FAIL() << "in = 2^17 accepted";
  } catch (const atl::core::Error& e) {
    EXPECT_EQ(e.kind(), atl::core::ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("131072 inputs per output"), std::string::npos)
        << e.what();
  }
  const Int8Matrix m(w, 2, 3);
  std::vector<std::int32_t> y(2);
  EXPECT_THROW(m.multiply(w.data(), -1, y.data()), atl::core::Error);
}

TEST(Int8Matrix, PackedBytesCountTheBlocks) {
  const std::vector<std::int8_t> w(17 * 5);
  EXPECT_EQ(Int8Matrix(w, 17, 5).packed_bytes(), 32 * 8);  // 2 blocks of 16, 2 groups of 4
  const std::vector<std::int8_t> big(256 * 2048);
  EXPECT_EQ(Int8Matrix(big, 256, 2048).packed_bytes(), 256 * 2048);
}

}  // namespace
