#include "kernels/int8_matrix.h"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "kernels/vectorize.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ATL_INT8_X86 1
#include <cpuid.h>
#include <immintrin.h>
#define ATL_TARGET_AVX512_VNNI [[gnu::target("avx512f,avx512bw,avx512vl,avx512vnni")]]
#define ATL_TARGET_AVX_VNNI [[gnu::target("avx2,avxvnni")]]
#else
#define ATL_INT8_X86 0
#endif

namespace atl::kernels {

namespace {

constexpr std::int64_t kBlock = 16;                      // outputs per block
constexpr std::int64_t kGroup = 4;                       // inputs per group (one VNNI lane)
constexpr std::int64_t kRowBytes = kBlock * kGroup;      // bytes of one group of a block
constexpr std::size_t kAlign = 64;                       // a cache line, one AVX-512 load
constexpr std::size_t kHugePage = std::size_t{2} << 20;  // x86-64 transparent huge page

// Inputs per output for which the int32 result is exact: (2^17 - 1) * 2^14 < 2^31 (linear.h).
constexpr std::int64_t kMaxInFeatures = (std::int64_t{1} << 17) - 1;

// Products smaller than this (multiply-accumulates) stay on the calling thread: a 256 KB matrix
// streams in about as long as waking the other OpenMP thread takes.
constexpr std::int64_t kMinParallelMacs = std::int64_t{1} << 18;

// Prefill: tokens are taken in chunks whose prepared rows stay in the L2 cache while every block
// of the matrix passes over them.
constexpr std::int64_t kChunkBytes = std::int64_t{256} << 10;

// Prepared input bytes (tokens x padded inputs) kept on the stack rather than the heap.
constexpr std::size_t kStackInputBytes = 4096;

// Weight bytes per work item of the thread split (a few hundred per product at decoder sizes).
constexpr std::int64_t kItemBytes = std::int64_t{128} << 10;

// What a block kernel needs to know of the matrix.
struct Packed {
  const std::int8_t* w;        // [blocks][groups][16][4]
  const std::int32_t* offset;  // [blocks * 16]
  std::int64_t out;
  std::int64_t groups;
  const std::int8_t* block(std::int64_t b) const { return w + b * groups * kRowBytes; }
  std::int64_t outputs(std::int64_t b) const { return std::min(kBlock, out - b * kBlock); }
};

// Blocks [b0, b1) of y for tokens [t0, t1): x holds each token's groups * 4 prepared bytes.
using BlockKernel = void (*)(const Packed&, const std::uint8_t* x, std::int64_t t0, std::int64_t t1,
                             std::int64_t b0, std::int64_t b1, std::int32_t* y);

// ---------------------------------------------------------------------------------------------
// Portable path: signed products of the zero-padded input, no offset.

ATL_VECTOR_CLONES void block_portable_token(const std::int8_t* w, std::int64_t groups,
                                            const std::int8_t* x, std::int32_t* acc) {
  for (std::int64_t j = 0; j < kBlock; ++j) acc[j] = 0;
  for (std::int64_t k = 0; k < groups; ++k) {
    for (std::int64_t j = 0; j < kBlock; ++j) {
      std::int32_t s = 0;
      for (std::int64_t q = 0; q < kGroup; ++q) {
        s += static_cast<std::int32_t>(w[k * kRowBytes + j * kGroup + q]) *
             static_cast<std::int32_t>(x[k * kGroup + q]);
      }
      acc[j] += s;
    }
  }
}

void block_portable(const Packed& p, const std::uint8_t* x, std::int64_t t0, std::int64_t t1,
                    std::int64_t b0, std::int64_t b1, std::int32_t* y) {
  const std::int64_t stride = p.groups * kGroup;
  std::int32_t acc[kBlock];
  for (std::int64_t b = b0; b < b1; ++b) {
    for (std::int64_t t = t0; t < t1; ++t) {
      block_portable_token(p.block(b), p.groups,
                           reinterpret_cast<const std::int8_t*>(x + t * stride), acc);
      std::memcpy(y + t * p.out + b * kBlock, acc,
                  static_cast<std::size_t>(p.outputs(b)) * sizeof(acc[0]));
    }
  }
}

#if ATL_INT8_X86

// Four input bytes of one token, broadcast to every 32-bit lane.
inline std::int32_t four_bytes(const std::uint8_t* x) {
  std::int32_t v;
  std::memcpy(&v, x, sizeof v);
  return v;
}

// ---------------------------------------------------------------------------------------------
// AVX-512 VNNI: one instruction per group of a block (16 outputs x 4 inputs).

ATL_TARGET_AVX512_VNNI inline void store16(std::int32_t* y, __m512i v, std::int64_t n) {
  if (n == kBlock) {
    _mm512_storeu_si512(y, v);
  } else {
    _mm512_mask_storeu_epi32(y, static_cast<__mmask16>((1u << n) - 1), v);
  }
}

// One token (decoding), one block: four independent accumulators keep the loads streaming.
ATL_TARGET_AVX512_VNNI void gemv_avx512(const std::int8_t* w, std::int64_t groups,
                                        const std::uint8_t* x, __m512i offset, std::int32_t* y,
                                        std::int64_t n) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  std::int64_t k = 0;
  for (; k + 4 <= groups; k += 4) {
    const std::int8_t* wk = w + k * kRowBytes;
    const std::uint8_t* xk = x + k * kGroup;
    a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(four_bytes(xk)), _mm512_load_si512(wk));
    a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(four_bytes(xk + 4)), _mm512_load_si512(wk + 64));
    a2 =
        _mm512_dpbusd_epi32(a2, _mm512_set1_epi32(four_bytes(xk + 8)), _mm512_load_si512(wk + 128));
    a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32(four_bytes(xk + 12)),
                             _mm512_load_si512(wk + 192));
  }
  for (; k < groups; ++k) {
    a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(four_bytes(x + k * kGroup)),
                             _mm512_load_si512(w + k * kRowBytes));
  }
  const __m512i sum = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));
  store16(y, _mm512_sub_epi32(sum, offset), n);
}

// One token, four whole blocks (64 outputs) per pass over x: each broadcast of four input bytes
// feeds four instructions instead of one, so the loads are nearly all weights. Measured on the
// TinyLlama shape (docs/performance.md): 15-20 % less time per token than one block per pass,
// level with a loop that only reads the weights.
ATL_TARGET_AVX512_VNNI void gemv4_avx512(const std::int8_t* w, std::int64_t groups,
                                         const std::uint8_t* x, const std::int32_t* offset,
                                         std::int32_t* y) {
  const std::int64_t bb = groups * kRowBytes;  // bytes per block
  __m512i acc[4][2];
  for (auto& a : acc) a[0] = a[1] = _mm512_setzero_si512();
  std::int64_t k = 0;
  for (; k + 2 <= groups; k += 2) {
    const __m512i x0 = _mm512_set1_epi32(four_bytes(x + k * kGroup));
    const __m512i x1 = _mm512_set1_epi32(four_bytes(x + k * kGroup + 4));
    const std::int8_t* wk = w + k * kRowBytes;
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      acc[j][0] = _mm512_dpbusd_epi32(acc[j][0], x0, _mm512_load_si512(wk + j * bb));
      acc[j][1] = _mm512_dpbusd_epi32(acc[j][1], x1, _mm512_load_si512(wk + j * bb + kRowBytes));
    }
  }
  if (k < groups) {
    const __m512i x0 = _mm512_set1_epi32(four_bytes(x + k * kGroup));
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      acc[j][0] = _mm512_dpbusd_epi32(acc[j][0], x0, _mm512_load_si512(w + j * bb + k * kRowBytes));
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const __m512i sum = _mm512_add_epi32(acc[j][0], acc[j][1]);
    _mm512_storeu_si512(y + j * kBlock,
                        _mm512_sub_epi32(sum, _mm512_loadu_si512(offset + j * kBlock)));
  }
}

// N tokens at once (prefill): each weight load feeds N instructions.
template <int N>
ATL_TARGET_AVX512_VNNI void tokens_avx512(const std::int8_t* w, std::int64_t groups,
                                          const std::uint8_t* x, std::int64_t x_stride,
                                          __m512i offset, std::int32_t* y, std::int64_t y_stride,
                                          std::int64_t n) {
  __m512i acc[N];
  for (int i = 0; i < N; ++i) acc[i] = _mm512_setzero_si512();
  for (std::int64_t k = 0; k < groups; ++k) {
    const __m512i wk = _mm512_load_si512(w + k * kRowBytes);
#pragma GCC unroll 8
    for (int i = 0; i < N; ++i) {
      const __m512i xk = _mm512_set1_epi32(four_bytes(x + i * x_stride + k * kGroup));
      acc[i] = _mm512_dpbusd_epi32(acc[i], xk, wk);
    }
  }
  for (int i = 0; i < N; ++i) store16(y + i * y_stride, _mm512_sub_epi32(acc[i], offset), n);
}

ATL_TARGET_AVX512_VNNI void block_avx512(const Packed& p, const std::uint8_t* x, std::int64_t t0,
                                         std::int64_t t1, std::int64_t b, std::int32_t* y) {
  const std::int8_t* w = p.block(b);
  const __m512i offset = _mm512_loadu_si512(p.offset + b * kBlock);
  const std::int64_t n = p.outputs(b);
  const std::int64_t xs = p.groups * kGroup;
  std::int32_t* yb = y + b * kBlock;
  if (t1 - t0 == 1) {
    gemv_avx512(w, p.groups, x + t0 * xs, offset, yb + t0 * p.out, n);
    return;
  }
  std::int64_t t = t0;
  for (; t + 8 <= t1; t += 8)
    tokens_avx512<8>(w, p.groups, x + t * xs, xs, offset, yb + t * p.out, p.out, n);
  switch (t1 - t) {
#define ATL_TAIL(N)                                                                  \
  case N:                                                                            \
    tokens_avx512<N>(w, p.groups, x + t * xs, xs, offset, yb + t * p.out, p.out, n); \
    break;
    ATL_TAIL(1)
    ATL_TAIL(2)
    ATL_TAIL(3)
    ATL_TAIL(4)
    ATL_TAIL(5)
    ATL_TAIL(6)
    ATL_TAIL(7)
#undef ATL_TAIL
    default:
      break;
  }
}

ATL_TARGET_AVX512_VNNI void blocks_avx512(const Packed& p, const std::uint8_t* x, std::int64_t t0,
                                          std::int64_t t1, std::int64_t b0, std::int64_t b1,
                                          std::int32_t* y) {
  std::int64_t b = b0;
  if (t1 - t0 == 1) {  // whole blocks four at a time (the last block may be partial)
    const std::int64_t whole = p.out / kBlock;
    for (; b + 4 <= std::min(b1, whole); b += 4) {
      gemv4_avx512(p.block(b), p.groups, x + t0 * p.groups * kGroup, p.offset + b * kBlock,
                   y + t0 * p.out + b * kBlock);
    }
  }
  for (; b < b1; ++b) block_avx512(p, x, t0, t1, b, y);
}

// ---------------------------------------------------------------------------------------------
// AVX-VNNI (256-bit): a group of a block is two instructions (outputs 0-7, 8-15).

ATL_TARGET_AVX_VNNI inline void store16(std::int32_t* y, __m256i lo, __m256i hi, std::int64_t n) {
  if (n == kBlock) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), lo);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + 8), hi);
  } else {
    alignas(32) std::int32_t tmp[kBlock];
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), lo);
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp + 8), hi);
    std::memcpy(y, tmp, static_cast<std::size_t>(n) * sizeof(tmp[0]));
  }
}

// N tokens at once; one token is decoding, where two groups per step keep four accumulators.
template <int N>
ATL_TARGET_AVX_VNNI void tokens_avx(const std::int8_t* w, std::int64_t groups,
                                    const std::uint8_t* x, std::int64_t x_stride,
                                    const std::int32_t* offset, std::int32_t* y,
                                    std::int64_t y_stride, std::int64_t n) {
  __m256i lo[N], hi[N];
  for (int i = 0; i < N; ++i) lo[i] = hi[i] = _mm256_setzero_si256();
  std::int64_t k = 0;
  if constexpr (N == 1) {
    __m256i lo2 = _mm256_setzero_si256(), hi2 = lo2;
    for (; k + 2 <= groups; k += 2) {
      const std::int8_t* wk = w + k * kRowBytes;
      const __m256i x0 = _mm256_set1_epi32(four_bytes(x + k * kGroup));
      const __m256i x1 = _mm256_set1_epi32(four_bytes(x + k * kGroup + 4));
      lo[0] = _mm256_dpbusd_avx_epi32(lo[0], x0, _mm256_load_si256((const __m256i*)wk));
      hi[0] = _mm256_dpbusd_avx_epi32(hi[0], x0, _mm256_load_si256((const __m256i*)(wk + 32)));
      lo2 = _mm256_dpbusd_avx_epi32(lo2, x1, _mm256_load_si256((const __m256i*)(wk + 64)));
      hi2 = _mm256_dpbusd_avx_epi32(hi2, x1, _mm256_load_si256((const __m256i*)(wk + 96)));
    }
    lo[0] = _mm256_add_epi32(lo[0], lo2);
    hi[0] = _mm256_add_epi32(hi[0], hi2);
  }
  for (; k < groups; ++k) {
    const __m256i wlo = _mm256_load_si256((const __m256i*)(w + k * kRowBytes));
    const __m256i whi = _mm256_load_si256((const __m256i*)(w + k * kRowBytes + 32));
#pragma GCC unroll 4
    for (int i = 0; i < N; ++i) {
      const __m256i xk = _mm256_set1_epi32(four_bytes(x + i * x_stride + k * kGroup));
      lo[i] = _mm256_dpbusd_avx_epi32(lo[i], xk, wlo);
      hi[i] = _mm256_dpbusd_avx_epi32(hi[i], xk, whi);
    }
  }
  const __m256i off_lo = _mm256_loadu_si256((const __m256i*)offset);
  const __m256i off_hi = _mm256_loadu_si256((const __m256i*)(offset + 8));
  for (int i = 0; i < N; ++i) {
    store16(y + i * y_stride, _mm256_sub_epi32(lo[i], off_lo), _mm256_sub_epi32(hi[i], off_hi), n);
  }
}

ATL_TARGET_AVX_VNNI void block_avx(const Packed& p, const std::uint8_t* x, std::int64_t t0,
                                   std::int64_t t1, std::int64_t b, std::int32_t* y) {
  const std::int8_t* w = p.block(b);
  const std::int32_t* offset = p.offset + b * kBlock;
  const std::int64_t n = p.outputs(b);
  const std::int64_t xs = p.groups * kGroup;
  std::int32_t* yb = y + b * kBlock;
  std::int64_t t = t0;
  for (; t + 4 <= t1; t += 4)
    tokens_avx<4>(w, p.groups, x + t * xs, xs, offset, yb + t * p.out, p.out, n);
  switch (t1 - t) {
    case 1:
      tokens_avx<1>(w, p.groups, x + t * xs, xs, offset, yb + t * p.out, p.out, n);
      break;
    case 2:
      tokens_avx<2>(w, p.groups, x + t * xs, xs, offset, yb + t * p.out, p.out, n);
      break;
    case 3:
      tokens_avx<3>(w, p.groups, x + t * xs, xs, offset, yb + t * p.out, p.out, n);
      break;
    default:
      break;
  }
}

ATL_TARGET_AVX_VNNI void blocks_avx(const Packed& p, const std::uint8_t* x, std::int64_t t0,
                                    std::int64_t t1, std::int64_t b0, std::int64_t b1,
                                    std::int32_t* y) {
  for (std::int64_t b = b0; b < b1; ++b) block_avx(p, x, t0, t1, b, y);
}

#endif  // ATL_INT8_X86

BlockKernel kernel_for(Int8Isa isa) {
  switch (isa) {
#if ATL_INT8_X86
    case Int8Isa::avx512_vnni:
      return blocks_avx512;
    case Int8Isa::avx_vnni:
      return blocks_avx;
#endif
    default:
      return block_portable;
  }
}

}  // namespace

const char* to_string(Int8Isa isa) {
  switch (isa) {
    case Int8Isa::portable:
      return "portable";
    case Int8Isa::avx_vnni:
      return "avx_vnni";
    case Int8Isa::avx512_vnni:
      return "avx512_vnni";
  }
  return "unknown";
}

#if ATL_INT8_X86
namespace {
bool cpu_has_avx_vnni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (eax >> 4) & 1u;
}
}  // namespace
#endif

bool int8_isa_available(Int8Isa isa) {
  switch (isa) {
    case Int8Isa::portable:
      return true;
#if ATL_INT8_X86
    case Int8Isa::avx_vnni:
      // AVX-VNNI is CPUID leaf 7 sub-leaf 1, EAX bit 4: read directly, because clang 14 (the
      // fuzz and sanitizer builds) does not know __builtin_cpu_supports("avxvnni").
      return __builtin_cpu_supports("avx2") && cpu_has_avx_vnni();
    case Int8Isa::avx512_vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#endif
    default:
      return false;
  }
}

Int8Isa best_int8_isa() {
  for (const Int8Isa isa : {Int8Isa::avx512_vnni, Int8Isa::avx_vnni}) {
    if (int8_isa_available(isa)) return isa;
  }
  return Int8Isa::portable;
}

void Int8Matrix::AlignedFree::operator()(std::int8_t* p) const {
  ::operator delete[](p, std::align_val_t{align});
}

Int8Matrix::Int8Matrix(std::span<const std::int8_t> weights, std::int64_t out, std::int64_t in)
    : out_(out), in_(in) {
  const std::string shape = core::to_string(core::Shape{out, in});
  if (out <= 0 || in <= 0) {
    throw core::Error("Int8Matrix: weight shape " + shape + " must have positive dimensions");
  }
  if (in > kMaxInFeatures) {
    throw core::Error(core::ErrorKind::unsupported,
                      "Int8Matrix: weight shape " + shape + " has " + std::to_string(in) +
                          " inputs per output; at most " + std::to_string(kMaxInFeatures) +
                          " keep the int32 sum of int8 products exact");
  }
  if (static_cast<std::int64_t>(weights.size()) != out * in) {
    throw core::Error("Int8Matrix: " + std::to_string(weights.size()) +
                      " weights given, expected " + std::to_string(out * in) + " for shape " +
                      shape);
  }
  blocks_ = (out + kBlock - 1) / kBlock;
  groups_ = (in + kGroup - 1) / kGroup;
  const std::int64_t bytes = packed_bytes();
  // Matrices of 2 MB and more start on a huge page and ask for huge pages: a token streams
  // through all of them, and 4 KB pages would cost a TLB miss every 4 KB.
  const auto size = static_cast<std::size_t>(bytes);
  const bool huge = size >= kHugePage;
  const std::size_t align = huge ? kHugePage : kAlign;
  packed_ = std::unique_ptr<std::int8_t[], AlignedFree>(
      static_cast<std::int8_t*>(::operator new[](size, std::align_val_t{align})), {align});
#if defined(MADV_HUGEPAGE)
  if (huge) madvise(packed_.get(), size / kHugePage * kHugePage, MADV_HUGEPAGE);  // advice only
#endif
  offset_ = std::make_unique<std::int32_t[]>(static_cast<std::size_t>(blocks_ * kBlock));
  const std::int8_t* w = weights.data();
  std::int8_t* packed = packed_.get();
  std::int32_t* offset = offset_.get();
#pragma omp parallel for schedule(static) if (out * in >= kMinParallelMacs)
  for (std::int64_t b = 0; b < blocks_; ++b) {
    std::int8_t* dst = packed + b * groups_ * kRowBytes;
    std::memset(dst, 0, static_cast<std::size_t>(groups_ * kRowBytes));
    for (std::int64_t j = 0; j < kBlock; ++j) {
      const std::int64_t o = b * kBlock + j;
      std::int32_t sum = 0;
      if (o < out) {
        const std::int8_t* row = w + o * in;
        for (std::int64_t i = 0; i < in; ++i) {
          dst[(i / kGroup) * kRowBytes + j * kGroup + i % kGroup] = row[i];
          sum += row[i];
        }
      }
      offset[o] = 128 * sum;  // |128 * sum| <= 2^14 * in < 2^31
    }
  }
}

void Int8Matrix::multiply(const std::int8_t* x, std::int64_t tokens, std::int32_t* y,
                          Int8Epilogue epilogue) const {
  multiply(x, tokens, y, best_int8_isa(), epilogue);
}

void Int8Matrix::multiply(const std::int8_t* x, std::int64_t tokens, std::int32_t* y, Int8Isa isa,
                          Int8Epilogue epilogue) const {
  check_multiply(tokens, isa);
  if (tokens == 0) return;
  if (blocks_ == 1 || tokens * out_ * in_ < kMinParallelMacs) {
    // A small product on the calling thread, without a parallel region or a team: even a region
    // of one thread costs about a microsecond (libgomp builds a team), more than such a product.
    share(x, tokens, y, isa, epilogue, nullptr);
    return;
  }
  ThreadTeam team(omp_get_max_threads());
#pragma omp parallel
  {
    const TeamThread me = TeamThread::current(team);
    share(x, tokens, y, isa, epilogue, &me);
  }
}

void Int8Matrix::multiply(const std::int8_t* x, std::int64_t tokens, std::int32_t* y,
                          Int8Epilogue epilogue, const TeamThread& team, Int8Isa isa) const {
  check_multiply(tokens, isa);
  if (tokens > 0) share(x, tokens, y, isa, epilogue, &team);
}

void Int8Matrix::check_multiply(std::int64_t tokens, Int8Isa isa) const {
  if (tokens < 0) throw core::Error("Int8Matrix::multiply: negative token count");
  if (!int8_isa_available(isa)) {
    throw core::Error(
        core::ErrorKind::unsupported,
        std::string("Int8Matrix::multiply: this CPU cannot run the ") + to_string(isa) + " path");
  }
}

void Int8Matrix::share(const std::int8_t* x, std::int64_t tokens, std::int32_t* y, Int8Isa isa,
                       Int8Epilogue epilogue, const TeamThread* team) const {
  // Each token's input, padded to whole groups: x + 128 as a byte for the VNNI paths (whose
  // offset subtracts it again), x itself for the portable one. Padding meets zero weights. Every
  // thread prepares its own copy (a few KB when decoding): no wait before the products start.
  // Up to kStackInputBytes (a decode step's input) the copy lives on the stack: a
  // tensor-parallel plan runs hundreds of small products per step, and a heap buffer cost each
  // a malloc and a free.
  const std::int64_t stride = groups_ * kGroup;
  const auto bytes = static_cast<std::size_t>(tokens * stride);
  alignas(kAlign) std::array<std::uint8_t, kStackInputBytes> small;
  std::vector<std::uint8_t> large(bytes > small.size() ? bytes : 0);
  std::uint8_t* const prepared = large.empty() ? small.data() : large.data();
  const std::uint8_t flip = isa == Int8Isa::portable ? 0 : 0x80;
  for (std::int64_t t = 0; t < tokens; ++t) {
    std::uint8_t* row = prepared + t * stride;
    for (std::int64_t i = 0; i < in_; ++i)
      row[i] = static_cast<std::uint8_t>(x[t * in_ + i]) ^ flip;
    std::fill(row + in_, row + stride, std::uint8_t{0});
  }
  const BlockKernel kernel = kernel_for(isa);
  const Packed p{packed_.get(), offset_.get(), out_, groups_};
  const std::uint8_t* xp = prepared;
  if (team == nullptr && bytes <= kStackInputBytes) {
    // A small product alone (a decode step's): one pass, without the work split's divisions.
    kernel(p, xp, 0, tokens, 0, blocks_, y);
    if (epilogue.apply != nullptr) {
      for (std::int64_t t = 0; t < tokens; ++t) {
        epilogue.apply(epilogue.context, t, 0, out_, y + t * out_);
      }
    }
    return;
  }
  // Work items: consecutive blocks (a whole number of the decode kernel's four-block passes)
  // for a chunk of tokens, shared out by the team (thread_team.h: each thread streams through
  // its own range first, then helps the others).
  const std::int64_t chunk = std::max<std::int64_t>(8, kChunkBytes / stride);
  const std::int64_t chunks = (tokens + chunk - 1) / chunk;
  const std::int64_t blocks = blocks_;
  const std::int64_t item =
      (std::max<std::int64_t>(1, kItemBytes / (groups_ * kRowBytes)) + 3) / 4 * 4;
  const std::int64_t items = (blocks + item - 1) / item;
  const std::int64_t out = out_;
  const std::int64_t n = chunks * items;
  for (std::int64_t next = 0, i; (i = team ? team->next_item(n) : (next < n ? next++ : -1)) >= 0;) {
    const std::int64_t t0 = i / items * chunk, t1 = std::min(tokens, t0 + chunk);
    const std::int64_t b0 = i % items * item, b1 = std::min(blocks, b0 + item);
    kernel(p, xp, t0, t1, b0, b1, y);
    if (epilogue.apply != nullptr) {
      for (std::int64_t t = t0; t < t1; ++t) {
        epilogue.apply(epilogue.context, t, b0 * kBlock, std::min(out, b1 * kBlock), y + t * out);
      }
    }
  }
}

}  // namespace atl::kernels
