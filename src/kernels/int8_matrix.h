// Int8Matrix: the int8 x int8 -> int32 product of a decoder's linears,
//   y[t][o] = sum_i w[o][i] * x[t][i],
// exact in int32 (|y| <= in * 2^14 < 2^31 for in < 2^17, the limit the constructor enforces, as
// LinearPlan does). No bias, no rounding: the caller requantises (W8A8, docs/decoders.md).
//
// Built for batch-1 decoding, where the product is a matrix-vector product bound by the memory
// bandwidth (every weight byte is read once per token), and good for prefill (many tokens per
// call, compute bound). One packed layout serves both, so a model holds its weights once:
//
//   the weights are cut into blocks of 16 outputs; a block holds, for each group of 4 inputs
//   k4, the 16 x 4 weights w[16 b + j][4 k4 + q] at byte 64 k4 + 4 j + q (outputs past `out`
//   and inputs past `in` are zero). One 64-byte row of a block is one AVX-512 VNNI operand.
//
// The VNNI instruction multiplies unsigned by signed bytes, so the fast paths feed x + 128
// (x ^ 0x80 as a byte) and subtract 128 * sum_i w[o][i] (kept per output). Their int32 partial
// sums may wrap; the final value is exact because int32 addition is exact modulo 2^32 and the
// true result lies in the int32 range.
//
// Paths, chosen at run time by what the CPU has (int8_isa_available): AVX-512 VNNI (16 outputs
// per instruction), AVX-VNNI (256-bit, two instructions per 16 outputs), portable C++ (signed
// products, no offset). All give the values of int8_product_ref. Threads: work items of blocks
// shared out by a ThreadTeam (thread_team.h), in an OpenMP region of the product's own or in the
// caller's (the team overload). Matrices of 2 MB and more sit on transparent huge pages.
// docs/performance.md ("Decoding") has the measurements.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "kernels/thread_team.h"

namespace atl::kernels {

// The definition (plain loops, fixed widths, no heap or exceptions: the HLS-safe form):
// w [out][in], x [tokens][in], y [tokens][out], all row-major. Needs in < 2^17.
inline void int8_product_ref(const std::int8_t* w, std::int64_t out, std::int64_t in,
                             const std::int8_t* x, std::int64_t tokens, std::int32_t* y) {
  for (std::int64_t t = 0; t < tokens; ++t) {
    for (std::int64_t o = 0; o < out; ++o) {
      std::int32_t acc = 0;
      for (std::int64_t i = 0; i < in; ++i) {
        acc += static_cast<std::int32_t>(w[o * in + i]) * static_cast<std::int32_t>(x[t * in + i]);
      }
      y[t * out + o] = acc;
    }
  }
}

enum class Int8Isa { portable, avx_vnni, avx512_vnni };

// Work on a finished piece of the product, on the thread that computed it while the piece is in
// its cache (a linear's requantisation): apply(context, t, o0, o1, y_t) once for every token t
// and every piece [o0, o1) of the outputs (the pieces of a token cover [0, out) exactly once),
// y_t = y + t * out. A null apply does nothing.
struct Int8Epilogue {
  void (*apply)(const void* context, std::int64_t token, std::int64_t o0, std::int64_t o1,
                std::int32_t* y) = nullptr;
  const void* context = nullptr;
};

const char* to_string(Int8Isa isa);
// Whether this CPU (and build) can run the path.
bool int8_isa_available(Int8Isa isa);
// The fastest available path: what Int8Matrix::multiply uses.
Int8Isa best_int8_isa();

class Int8Matrix {
 public:
  // weights: out * in int8, row-major [out][in] (copied into the packed layout). Throws
  // (invalid_input) for a size that is not out * in or a non-positive dimension, (unsupported)
  // for in >= 2^17.
  Int8Matrix(std::span<const std::int8_t> weights, std::int64_t out, std::int64_t in);

  std::int64_t out_features() const { return out_; }
  std::int64_t in_features() const { return in_; }
  // Bytes of the packed weights (what one token reads): out * in rounded up to the blocks.
  std::int64_t packed_bytes() const { return blocks_ * 16 * groups_ * 4; }
  // The packed weights, read-only (the layout above).
  std::span<const std::int8_t> packed() const {
    return {packed_.get(), static_cast<std::size_t>(packed_bytes())};
  }

  // x: tokens * in int8 (row-major), y: tokens * out int32 (row-major), with the fastest path,
  // then the epilogue on each piece of y.
  void multiply(const std::int8_t* x, std::int64_t tokens, std::int32_t* y,
                Int8Epilogue epilogue = {}) const;
  // The same with a given path; throws (unsupported) when this CPU cannot run it.
  void multiply(const std::int8_t* x, std::int64_t tokens, std::int32_t* y, Int8Isa isa,
                Int8Epilogue epilogue = {}) const;
  // The same product shared by a team inside its parallel region (kernels/thread_team.h): every
  // thread of the team calls it with the same arguments, as one work-sharing step; each piece is
  // computed, and its epilogue run, by one of them. Returns when this thread finds no piece left:
  // the caller's team.barrier() waits for the others' pieces.
  void multiply(const std::int8_t* x, std::int64_t tokens, std::int32_t* y, Int8Epilogue epilogue,
                const TeamThread& team, Int8Isa isa = best_int8_isa()) const;

 private:
  struct AlignedFree {
    std::size_t align;  // that of the allocation
    void operator()(std::int8_t* p) const;
  };

  void check_multiply(std::int64_t tokens, Int8Isa isa) const;
  // This thread's share of the product (tokens > 0, a checked path); without a team, all of it.
  void share(const std::int8_t* x, std::int64_t tokens, std::int32_t* y, Int8Isa isa,
             Int8Epilogue epilogue, const TeamThread* team) const;

  std::int64_t out_ = 0;
  std::int64_t in_ = 0;
  std::int64_t blocks_ = 0;                             // ceil(out / 16)
  std::int64_t groups_ = 0;                             // ceil(in / 4)
  std::unique_ptr<std::int8_t[], AlignedFree> packed_;  // [blocks][groups][16][4], 64-byte aligned
  std::unique_ptr<std::int32_t[]> offset_;              // [blocks * 16]: 128 * sum_i w[o][i]
};

}  // namespace atl::kernels
