// The Galapagos kernels in HLS style: one wrapper template per kernel kind, over the HLS-safe
// definitions (kernels/hls/*.h) and the wire format of beat.h / packet_io.h. A generated
// kern_<id>/top.cpp calls exactly one of them:
//
//   compute, by the graph kernel's stage list (graph::stage_types):
//     linear, quant_act                  linear_act_kernel<P, L, A, W>        q, k, v, out_proj,
//     ffn2 linear, gelu, quant_act            linear_gelu_act_kernel<P, L, G, A, W>  ffn1
//     attention_matmul, softmax          attention_kernel<P, S1, S2, W>       one head: Q.K^T,
//     softmax softmax_matmul, quant_act          context_kernel<P, S1, S2, W>         one head:
//     P.V, quant_act residual_act, layernorm, quant_act norm_kernel<P, S1, S2, S3, W> ln_attn,
//     ln_ffn
//   comm and bypass kernels              comm_kernel<P>
//   kernel 0 (PacketDecoder + the virtual kernels it serves)   gmi_kernel<P, V0, V1, ...>
//
// ONE CALL = ONE SEQUENCE: a wrapper reads exactly the packets its sources send for one sequence
// (one message per source; packets of different sources may interleave, a packet's beats may
// not) and writes all of its output packets, one packet per row per dest, rows in order, the
// header flit in each dest's first packet. The packets per dest are exactly those the software
// nodes send (platform/node.cpp: pack, comm_outputs, gmi_skew), except that a packet for
// another cluster carries TDEST = that cluster's index and one for the host TDEST = 255 (beat.h).
// TID is always the kernel's own ID.
//
// WHAT THE GENERATED STRUCTS MUST HOLD (parameters.hpp, weights.hpp). Every member is `static`;
// "const int x = v;" means an in-class integral constant; arrays are static const members
// declared in the struct and defined once in the header (their names decay to pointers), or
// in-class static member functions where noted. The csim links every cluster into one program:
// two clusters' kern_5_params are different structs with the same name, so the generated code
// must keep them apart (parameters.hpp and weights.hpp inside a namespace per cluster, e.g.
// `namespace cluster_3 { ... }`), or the linker merges the wrappers' instantiations (ODR).
//
// P, the kernel's kern_<id>_params (every kind; the virtual kernels' virtual_<id>_params too):
//   const unsigned id;             the kernel's ID (its TID)
//   const unsigned cluster;        its Galapagos cluster index
//   const unsigned num_dests, num_srcs;
//   static unsigned dest_id(unsigned i);   dest_<i>          } in-class functions over a
//   static int dest_cluster(unsigned i);   dest_<i>_cluster  } local static const array, e.g.
//   static unsigned src_id(unsigned i);    src_<i>           } { static const unsigned v[] =
//   static int src_cluster(unsigned i);    src_<i>_cluster   }   {4, 5}; return v[i]; }
//   const unsigned seq_len;        the most rows a message may have (the sequence length)
//   compute kernels: const unsigned out_row_bytes (bytes of one output row);
//   comm, bypass and virtual kernels: const atoll_op op (parameters.hpp's enum: ATOLL_FORWARD,
//     ATOLL_BROADCAST, ATOLL_SCATTER, ATOLL_GATHER, ATOLL_GATHER_BROADCAST) and
//     const unsigned in_row_bytes: the bytes of the largest row any source sends.
//   A source in cluster -1 is the host, whose packets carry TID 0; a dest in cluster -1 is the
//   host (TDEST 255), one in another cluster is reached through that cluster's kernel 0.
//
// S<i> / L, G, A: the stage structs kern_<id>_<stagetype>_<i> of parameters.hpp, in stage order,
// with const unsigned M, K, NUM_TILE, NUM_PE, UNROLL_FACTOR (graph/graph.h says what M and K
// are). The knobs become the definitions' template parameters; the wrappers static_assert that
// they divide the widths (the generator refuses such knobs first, with a clear message):
//   linear: lanes PE = NUM_PE divides M and K; dot-product UNROLL = NUM_TILE * 64 when that
//     divides K, else NUM_TILE, which must divide K (MACs per cycle = PE * UNROLL, Cluster
//     Builder's tile * pe * 64);
//   quant_act, gelu, layernorm, residual_act: lanes UNROLL_FACTOR divides M;
//   attention_matmul, softmax_matmul: UNROLL = NUM_PE divides K (head_dim); the stages over the
//     key axis (scores, softmax, the P row) run one lane, because the number of keys is the
//     message's row count, known only at run time (<= seq_len).
//
// W, the kernel's weights struct (weights.hpp: its partition only, the output channels
// [part * M, (part + 1) * M) of a tensor-parallel linear):
//   linear:        const std::int8_t weight[]  M * K values, row-major [M][K]
//                  const std::int32_t bias[]   M values
//   quant_act:     const std::int64_t act_m[]; const int act_e[]   act_count values each
//                  const int act_count         1 (one multiplier) or M (per channel)
//                  const int act_out_bits      2..32; <= 8 gives int8 output rows, else int32
//   gelu:          const std::int64_t gelu_b[], gelu_c[], gelu_shift[]   gelu_count values each
//                  const int gelu_count (1 or M); const int gelu_k
//   softmax:       const std::int64_t softmax_x0, softmax_b, softmax_c, softmax_m;
//                  const int softmax_n, softmax_e            (kernels::SoftmaxParams)
//   residual_act:  const std::int64_t ident_m[]; const int ident_e[]   ident_count values each
//                  const int ident_count (1 or M); const int ident_out_bits
//                  (the identity's requantisation m1, e1: kernels::QuantActParams)
//   layernorm:     const int ln_shift; const std::int64_t ln_bias[]   M values
//   (attention_matmul and softmax_matmul take no weights: K and V arrive on input port 1.)
//
// Inputs: source i feeds input port i (platform/ports.h): port 0 is the main input, port 1 the
// operand (K for attention, V for context, the residual identity for norm). Row types: linear
// and attention_matmul take int8, softmax_matmul uint8, residual_act int32 + int8; outputs as
// platform/stage.h says.
//
// Synthesis: each wrapper is a top-level function body (ap_ctrl_none, AXI-Stream in_r/out_r);
// buffers are static arrays sized by the structs' constants; no heap, no exceptions, no
// 128-bit types, pragmas through ATL_HLS. C++14.
#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/hls/beat.h"
#include "kernels/hls/gelu.h"
#include "kernels/hls/layernorm.h"
#include "kernels/hls/matmul.h"
#include "kernels/hls/packet_io.h"
#include "kernels/hls/quant_act.h"
#include "kernels/hls/residual_act.h"
#include "kernels/hls/softmax.h"
#include "kernels/hls/stream.h"

namespace atl {
namespace kernels {
namespace hls {

// The comm operations, as parameters.hpp's atoll_op numbers them (ATOLL_FORWARD = 0, ...).
enum CommOpCode { kForward = 0, kBroadcast = 1, kScatter = 2, kGather = 3, kGatherBroadcast = 4 };

namespace detail {

// Beats of the largest packet a row of `row_bytes` bytes takes: header + row + the skew's beat.
constexpr int max_flits(int row_bytes) {
  return 2 + flits_for(row_bytes);
}

// The TID kernel P's source i sends with.
template <class P>
unsigned source_tid(unsigned i) {
  return P::src_cluster(i) == kHostCluster ? kHostTid : P::src_id(i);
}

// The index of P's source sending with TID tid, or -1.
template <class P>
int source_of(unsigned tid) {
  for (unsigned s = 0; s < P::num_srcs; ++s) {
    if (source_tid<P>(s) == tid) return static_cast<int>(s);
  }
  return -1;
}

template <class P>
Route dest_route(unsigned d) {
  return route_to(static_cast<int>(P::cluster), P::dest_id(d), P::dest_cluster(d));
}

// Writes one row to every dest of P (the header flit first when h is not null).
template <class P>
void emit_row(BeatStream& out, const std::uint8_t* row, int bytes, const Header* h,
              std::uint8_t* raw) {
  for (unsigned d = 0; d < P::num_dests; ++d)
    write_row(out, row, bytes, h, P::id, dest_route<P>(d), raw);
}

// Little-endian values of a row and back.
template <class T>
T load(const std::uint8_t* at) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < sizeof(T); ++i) v |= static_cast<std::uint64_t>(at[i]) << (8 * i);
  return static_cast<T>(v);
}
template <class T>
void store(std::uint8_t* at, T value) {
  const auto v = static_cast<std::uint64_t>(static_cast<std::int64_t>(value));
  for (unsigned i = 0; i < sizeof(T); ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
template <class T>
void load_row(const std::uint8_t* bytes, T* values, int n) {
  for (int i = 0; i < n; ++i) values[i] = load<T>(bytes + i * static_cast<int>(sizeof(T)));
}
template <class T>
void store_row(const T* values, std::uint8_t* bytes, int n) {
  for (int i = 0; i < n; ++i) store<T>(bytes + i * static_cast<int>(sizeof(T)), values[i]);
}

// The lanes of a stage over M channels (UNROLL_FACTOR), checked.
template <class S>
struct ChannelLanes {
  static const int value = static_cast<int>(S::UNROLL_FACTOR);
  static_assert(value >= 1 && S::M % S::UNROLL_FACTOR == 0,
                "UNROLL_FACTOR must divide the stage's channels M");
};

// The linear's knobs: lanes NUM_PE, dot-product unroll NUM_TILE * 64 (or NUM_TILE).
template <class L>
struct LinearKnobs {
  static const int pe = static_cast<int>(L::NUM_PE);
  static const int unroll = L::K % (L::NUM_TILE * 64) == 0 ? static_cast<int>(L::NUM_TILE * 64)
                                                           : static_cast<int>(L::NUM_TILE);
  static_assert(pe >= 1 && L::M % L::NUM_PE == 0 && L::K % L::NUM_PE == 0,
                "NUM_PE must divide the linear's M and K");
  static_assert(unroll >= 1 && L::K % unroll == 0, "NUM_TILE must divide the linear's K");
};

// The quant_act's output element: int8 up to 8 bits, else int32.
template <int Bits>
struct ActOut {
  typedef typename std::conditional<(Bits <= 8), std::int8_t, std::int32_t>::type type;
};

template <class W>
QuantActConsts act_consts() {
  return {W::act_m, W::act_e, W::act_count, W::act_out_bits};
}

// Reads the packets of one sequence from the sources of P (at most two ports) into port
// buffers: port s holds up to P::seq_len rows of row_bytes[s] bytes at buf[s]. Returns when
// every source's message is complete; h[s] is its header.
template <class P, int PORTS, int MAX_ROW>
void receive_ports(BeatStream& in, std::uint8_t* const* buf, const int* row_bytes, Header* h,
                   std::uint8_t* raw, Where where) {
  static_assert(PORTS >= 1 && PORTS <= 2, "one or two input ports");
  MessageIn m[PORTS];
  for (int s = 0; s < PORTS; ++s) m[s] = message_start();
  int done = 0;
  while (done < PORTS) {
    const PacketInfo p = read_packet(in, raw, max_flits(MAX_ROW), where);
    const int s = source_of<P>(p.tid);
    if (s < 0 || s >= PORTS) {
      ATL_CSIM_FAIL("kernel %u of cluster %u: a packet from kernel %u, which does not feed it",
                    where.id, where.cluster, p.tid);
    }
    const std::uint32_t row = m[s].rows_seen;
    const int at = message_add(m[s], raw, p, P::seq_len, row_bytes[s], where);
    if (at >= 0) {
      for (int i = 0; i < row_bytes[s]; ++i)
        buf[s][row * static_cast<unsigned>(row_bytes[s]) + i] = raw[at + i];
    }
    if (message_done(m[s])) ++done;
  }
  for (int s = 0; s < PORTS; ++s) h[s] = m[s].header;
}

}  // namespace detail

// ---- compute kernels -------------------------------------------------------------------------

// linear -> quant_act (q, k, v, out_proj, ffn2): one source, int8 rows of L::K values in,
// rows of L::M values out (int8 or int32 by W::act_out_bits), row by row.
template <class P, class L, class A, class W>
void linear_act_kernel(BeatStream& in_r, BeatStream& out_r) {
  typedef detail::LinearKnobs<L> Knobs;
  typedef typename detail::ActOut<W::act_out_bits>::type Out;
  const int pe_act = detail::ChannelLanes<A>::value;
  static_assert(A::M == L::M, "quant_act works on the linear's M channels");
  static_assert(P::out_row_bytes == L::M * sizeof(Out), "out_row_bytes = M output values");
  static std::uint8_t
      raw[detail::max_flits(L::K > P::out_row_bytes ? L::K : P::out_row_bytes) * kBeatBytes];
  static std::int8_t x[L::K], x_buf[L::K];
  static std::int32_t y[L::M];
  static Out z[L::M];
  static std::uint8_t row[P::out_row_bytes];
  const QuantActConsts act = detail::act_consts<W>();
  const Where where = {P::cluster, P::id};
  MessageIn m = message_start();
  do {
    const PacketInfo p = read_packet(in_r, raw, detail::max_flits(L::K), where);
    if (detail::source_of<P>(p.tid) != 0) {
      ATL_CSIM_FAIL("kernel %u of cluster %u: a packet from kernel %u, which does not feed it",
                    P::id, P::cluster, p.tid);
    }
    const int at = message_add(m, raw, p, P::seq_len, L::K, where);
    const Header out_h = {m.header.rows, L::M, m.header.valid_rows};
    if (at < 0) {  // a zero-row message: the header alone
      detail::emit_row<P>(out_r, row, 0, &out_h, raw);
      break;
    }
    for (int i = 0; i < static_cast<int>(L::K); ++i) x[i] = static_cast<std::int8_t>(raw[at + i]);
    ArrayStream<std::int8_t, Knobs::pe> xs = {x};
    ArrayStream<std::int32_t, Knobs::pe> ys = {y};
    linear<Knobs::pe, Knobs::unroll>(xs, ys, 1, L::K, L::M, W::weight, W::bias, x_buf);
    ArrayStream<std::int32_t, pe_act> ya = {y};
    ArrayStream<Out, pe_act> zs = {z};
    quant_act<pe_act>(ya, zs, 1, L::M, act);
    detail::store_row(z, row, L::M);
    detail::emit_row<P>(out_r, row, P::out_row_bytes, m.rows_seen == 1 ? &out_h : nullptr, raw);
  } while (!message_done(m));
}

// linear -> gelu -> quant_act (ffn1).
template <class P, class L, class G, class A, class W>
void linear_gelu_act_kernel(BeatStream& in_r, BeatStream& out_r);

// attention_matmul -> softmax (one head): port 0 Q rows, port 1 K rows (int8, S1::K values
// each); out: uint8 probabilities, one per key (the K message's rows), keys at or past the Q
// message's valid rows masked.
template <class P, class S1, class S2, class W>
void attention_kernel(BeatStream& in_r, BeatStream& out_r);

// softmax_matmul -> quant_act (one head): port 0 P rows (uint8, one per key), port 1 V rows
// (int8, S1::K values); out: S1::K requantised values per row.
template <class P, class S1, class S2, class W>
void context_kernel(BeatStream& in_r, BeatStream& out_r);

// residual_act -> layernorm -> quant_act (ln_attn, ln_ffn): port 0 the int32 main input, port 1
// the int8 identity, both S1::M values per row.
template <class P, class S1, class S2, class S3, class W>
void norm_kernel(BeatStream& in_r, BeatStream& out_r);

// ---- comm, bypass and virtual kernels ---------------------------------------------------------

// A comm, bypass or virtual kernel's CommOp (platform/comm_kernel.h) on one sequence.
template <class P>
void comm_kernel(BeatStream& in_r, BeatStream& out_r);

// ---- kernel 0 ---------------------------------------------------------------------------------

// Kernel 0: reads the skewed packets that enter the cluster for one sequence, decodes each
// (byte 0 = the virtual kernel's ID) and runs the CommOp of that virtual kernel V on it, until
// every source of every V has sent its message. P is kern_0_params (id 0, cluster), V... the
// virtual_<id>_params structs of the kernels it serves (kern_0_virtual lists them).
template <class P, class... V>
void gmi_kernel(BeatStream& in_r, BeatStream& out_r);

}  // namespace hls
}  // namespace kernels
}  // namespace atl
