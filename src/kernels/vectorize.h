// Function multiversioning for the integer inner loops.
//
// The project is built for plain x86-64 (it must run on any Debian machine), so the compiler may
// only use SSE2 by default. The row loops of the non-linear kernels are written so that GCC/Clang
// vectorise them (int64 lanes, no per-element branches); ATL_VECTOR_CLONES compiles such a loop
// three times (AVX-512, AVX2, baseline) and the dynamic loader picks the widest one the CPU has
// (an ifunc), so a single binary is both portable and fast. Every clone computes the same exact
// integer results: only the instructions differ.
//
// An attribute cannot be spelled with a template or constexpr, hence the one macro. Sanitizer
// builds get plain functions: ifunc resolvers run before the sanitizer runtime is set up.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(__SANITIZE_ADDRESS__)
#define ATL_VECTOR_CLONES [[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]]
#else
#define ATL_VECTOR_CLONES
#endif

#include <cstdint>

namespace atl::kernels {

// v, known to lie in the int32 range, as an int64. The round trip through int32 tells the
// compiler so: a product of two such values then compiles to the one-uop 32x32->64 multiply
// (vpmuldq) instead of the three-uop 64-bit one (vpmullq).
[[gnu::always_inline]] constexpr std::int64_t int32_value(std::int64_t v) {
  return static_cast<std::int32_t>(v);
}

}  // namespace atl::kernels

// Tensors with fewer elements than this stay on the calling thread: waking the other OpenMP
// thread costs more than the work. Rows are independent, so the split never changes a result.
namespace atl::kernels {
inline constexpr long kMinParallelElements = 1 << 15;
}  // namespace atl::kernels
