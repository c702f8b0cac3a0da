// Compiled by the ctest KernelsHls.DefinitionsCompileHlsSafe (tests/kernels/CMakeLists.txt) with
// -std=c++14 -fno-exceptions -fno-rtti -Wall -Wextra -Wpedantic -Werror and no oneDNN or OpenMP
// flags: every HLS-safe definition header, each definition instantiated with PE > 1 and
// UNROLL > 1 over a stream type that is neither ArrayStream nor hls::stream. -Wpedantic rejects
// __int128; the #errors below reject a heap container or oneDNN pulled in by any of them.
#include "core/dyadic.h"
#include "kernels/hls/gelu.h"
#include "kernels/hls/layernorm.h"
#include "kernels/hls/matmul.h"
#include "kernels/hls/quant_act.h"
#include "kernels/hls/residual_act.h"
#include "kernels/hls/softmax.h"
#include "kernels/hls/stream.h"

#if defined(_GLIBCXX_VECTOR) || defined(_GLIBCXX_STRING) || defined(_GLIBCXX_MEMORY) || \
    defined(_GLIBCXX_STDEXCEPT) || defined(_GLIBCXX_IOSTREAM)
#error "an HLS-safe definition includes a heap container, string, exception or iostream header"
#endif
#if defined(ONEAPI_DNNL_DNNL_HPP) || defined(ONEAPI_DNNL_DNNL_H) || defined(_OPENMP)
#error "an HLS-safe definition depends on oneDNN or OpenMP"
#endif

namespace hls_check {

namespace hls = atl::kernels::hls;

// A FIFO of fixed depth: the shape of hls::stream without its header.
template <class W>
struct Fifo {
  using value_type = W;
  W slots[64];
  int head = 0, tail = 0;
  W read() { return slots[head++ % 64]; }
  void write(const W& w) { slots[tail++ % 64] = w; }
};

constexpr int kPe = 4, kUnroll = 2, kN = 8;

// One entry point per definition, so that each is instantiated and compiled to code.
int hls_quant_act(Fifo<hls::Pack<std::int32_t, kPe>>& in, Fifo<hls::Pack<std::int8_t, kPe>>& out,
                  const std::int64_t* m, const int* e) {
  hls::quant_act<kPe>(in, out, 1, kN, {m, e, kN, 8});
  return out.tail;
}

int hls_residual(Fifo<hls::Pack<std::int32_t, kPe>>& in, Fifo<hls::Pack<std::int8_t, kPe>>& id,
                 Fifo<hls::Pack<std::int32_t, kPe>>& out, const std::int64_t* m, const int* e) {
  hls::residual_act<kPe>(in, id, out, 1, kN, {m, e, kN, 32}, {m, e, 1, 32});
  hls::identity_add<kPe>(in, id, out, 1, kN, {m, e, 1, 32});
  return out.tail;
}

int hls_layernorm(Fifo<hls::Pack<std::int32_t, kPe>>& in, Fifo<hls::Pack<std::int32_t, kPe>>& out,
                  const std::int64_t* bias) {
  std::int32_t buf[kN];
  hls::layernorm<kPe>(in, out, 1, kN, 3, bias, buf);
  return out.tail;
}

int hls_gelu(Fifo<hls::Pack<std::int32_t, kPe>>& in, Fifo<hls::Pack<std::int32_t, kPe>>& out,
             const std::int64_t* b, const std::int64_t* c, const std::int64_t* shift) {
  hls::gelu<kPe>(in, out, 1, kN, {b, c, shift, kN, 14});
  return out.tail;
}

int hls_softmax(Fifo<hls::Pack<std::int32_t, kPe>>& in, Fifo<hls::Pack<std::uint8_t, kPe>>& out) {
  std::int32_t buf[kN];
  hls::softmax<kPe>(in, out, 1, kN, {-490, 1912, 1393919, 30, 1615394284, 66}, buf);
  return out.tail;
}

int hls_matmuls(Fifo<hls::Pack<std::int8_t, kPe>>& in, Fifo<hls::Pack<std::uint8_t, kPe>>& p,
                Fifo<hls::Pack<std::int32_t, kPe>>& out, const std::int8_t* w,
                const std::int32_t* bias) {
  std::int8_t x_buf[kN];
  std::uint8_t p_buf[kN];
  hls::linear<kPe, kUnroll>(in, out, 1, kN, kN, w, bias, x_buf);
  hls::attention_matmul<kPe, kUnroll>(in, out, 1, kN, kN, w, x_buf);
  hls::softmax_matmul<kPe>(p, out, 1, kN, kN, w, p_buf);
  Fifo<hls::Pack<std::int32_t, kPe>> heads[2];
  hls::concat<kPe>(heads, 2, out, 1, kN);
  const int widths[2] = {kN, 2 * kN};
  hls::concat<kPe>(heads, widths, 2, out, 1);
  return out.tail;
}

}  // namespace hls_check
