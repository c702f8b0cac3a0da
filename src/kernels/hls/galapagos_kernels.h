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
//   const unsigned num_dests, num_srcs;   num_srcs: the senders of src_id below
//   static unsigned dest_id(unsigned i);   dest_<i>          } in-class functions over a
//   static int dest_cluster(unsigned i);   dest_<i>_cluster  } local static const array, e.g.
//   static unsigned src_id(unsigned i);    sender i          } { static const unsigned v[] =
//   static int src_cluster(unsigned i);    its cluster       }   {4, 5}; return v[i]; }
//     The sources are the kernels that SEND to it, in the order the software nodes take them
//     (platform::wire, TaskPorts::sources: the listed sources first, in Cluster Builder's order,
//     then unlisted senders by address), not always parameters.hpp's src_<i>: Cluster Builder
//     lists Q's kernel as the source of the K scatter (kern_35 of the six-FPGA example lists
//     kern_1; kern_2 sends to it).
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
//   attention_matmul: dot-product UNROLL = NUM_PE divides K (head_dim); softmax_matmul takes no
//     knob (its definition has none); the stages over the key axis (scores, softmax, the P
//     row) run one lane, because the number of keys is the message's row count, known only at
//     run time (<= seq_len).
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

// Reads the packets of one sequence from P's two sources into typed buffers: port 0 rows of up
// to N0 values of T0 at x0 (row r at x0 + r * N0), port 1 rows of N1 values of T1 at x1, and
// returns when both messages are complete (h0, h1 their headers; *n0 = the values of port 0's
// rows, which must be N0 unless ANY0, when it may be anything up to N0 but the same for all).
template <class P, class T0, int N0, bool ANY0, class T1, int N1>
void receive_two(BeatStream& in, T0* x0, T1* x1, Header& h0, Header& h1, int* n0,
                 std::uint8_t* raw) {
  const Where where = {P::cluster, P::id};
  const int bytes0 = N0 * static_cast<int>(sizeof(T0)), bytes1 = N1 * static_cast<int>(sizeof(T1));
  MessageIn m[2] = {message_start(), message_start()};
  *n0 = ANY0 ? -1 : N0;
  while (!message_done(m[0]) || !message_done(m[1])) {
    const PacketInfo p = read_packet(in, raw, max_flits(bytes0 > bytes1 ? bytes0 : bytes1), where);
    const int s = source_of<P>(p.tid);
    if (s != 0 && s != 1) {
      ATL_CSIM_FAIL("kernel %u of cluster %u: a packet from kernel %u, which does not feed it",
                    P::id, P::cluster, p.tid);
    }
    const std::uint32_t r = m[s].rows_seen;
    const int expected = s == 1 ? bytes1 : (ANY0 ? *n0 * static_cast<int>(sizeof(T0)) : bytes0);
    const int at = message_add(m[s], raw, p, P::seq_len, expected < 0 ? -1 : expected, where);
    if (at < 0) continue;
    const int bytes = payload_bytes(p) - at;
    if (s == 1) {
      load_row(raw + at, x1 + r * N1, N1);
    } else {
      if (bytes > bytes0 || bytes % static_cast<int>(sizeof(T0)) != 0) {
        ATL_CSIM_FAIL(
            "kernel %u of cluster %u: row %u from kernel %u holds %d bytes, at most %d "
            "expected",
            P::id, P::cluster, r, p.tid, bytes, bytes0);
      }
      *n0 = bytes / static_cast<int>(sizeof(T0));
      load_row(raw + at, x0 + r * N0, *n0);
    }
  }
  h0 = m[0].header;
  h1 = m[1].header;
  if (*n0 < 0) *n0 = 0;
}

// The GELU stage between the linear and the quant_act, or none.
template <class G, class W>
void gelu_stage(std::int32_t* y, std::true_type) {
  const int pe = ChannelLanes<G>::value;
  const GeluConsts g = {W::gelu_b, W::gelu_c, W::gelu_shift, W::gelu_count, W::gelu_k};
  ArrayStream<std::int32_t, pe> in = {y};
  ArrayStream<std::int32_t, pe> out = {y};  // element-wise: in place
  gelu<pe>(in, out, 1, G::M, g);
}
template <class G, class W>
void gelu_stage(std::int32_t*, std::false_type) {}

// linear [-> gelu] -> quant_act, row by row (one source).
template <class P, class L, class G, class A, class W, bool GELU>
void linear_kernel(BeatStream& in_r, BeatStream& out_r) {
  typedef LinearKnobs<L> Knobs;
  typedef typename ActOut<W::act_out_bits>::type Out;
  const int pe_act = ChannelLanes<A>::value;
  static_assert(A::M == L::M && G::M == L::M, "the element-wise stages work on the linear's M");
  static_assert(P::out_row_bytes == L::M * sizeof(Out), "out_row_bytes = M output values");
  static std::uint8_t
      raw[max_flits(L::K > P::out_row_bytes ? L::K : P::out_row_bytes) * kBeatBytes];
  static std::int8_t x[L::K], x_buf[L::K];
  static std::int32_t y[L::M];
  static Out z[L::M];
  static std::uint8_t row[P::out_row_bytes];
  const QuantActConsts act = act_consts<W>();
  const Where where = {P::cluster, P::id};
  MessageIn m = message_start();
  do {
    const PacketInfo p = read_packet(in_r, raw, max_flits(L::K), where);
    if (source_of<P>(p.tid) != 0) {
      ATL_CSIM_FAIL("kernel %u of cluster %u: a packet from kernel %u, which does not feed it",
                    P::id, P::cluster, p.tid);
    }
    const int at = message_add(m, raw, p, P::seq_len, L::K, where);
    const Header out_h = {m.header.rows, L::M, m.header.valid_rows};
    if (at < 0) {  // a zero-row message: the header alone
      emit_row<P>(out_r, row, 0, &out_h, raw);
      break;
    }
    load_row(raw + at, x, L::K);
    ArrayStream<std::int8_t, Knobs::pe> xs = {x};
    ArrayStream<std::int32_t, Knobs::pe> ys = {y};
    linear<Knobs::pe, Knobs::unroll>(xs, ys, 1, L::K, L::M, W::weight, W::bias, x_buf);
    gelu_stage<G, W>(y, std::integral_constant<bool, GELU>());
    ArrayStream<std::int32_t, pe_act> ya = {y};
    ArrayStream<Out, pe_act> zs = {z};
    quant_act<pe_act>(ya, zs, 1, L::M, act);
    store_row(z, row, L::M);
    emit_row<P>(out_r, row, P::out_row_bytes, m.rows_seen == 1 ? &out_h : nullptr, raw);
  } while (!message_done(m));
}

}  // namespace detail

// ---- compute kernels -------------------------------------------------------------------------

// linear -> quant_act (q, k, v, out_proj, ffn2): one source, int8 rows of L::K values in,
// rows of L::M values out (int8 or int32 by W::act_out_bits), row by row.
template <class P, class L, class A, class W>
void linear_act_kernel(BeatStream& in_r, BeatStream& out_r) {
  detail::linear_kernel<P, L, A, A, W, false>(in_r, out_r);
}

// linear -> gelu -> quant_act (ffn1).
template <class P, class L, class G, class A, class W>
void linear_gelu_act_kernel(BeatStream& in_r, BeatStream& out_r) {
  detail::linear_kernel<P, L, G, A, W, true>(in_r, out_r);
}

// attention_matmul -> softmax (one head): port 0 Q rows, port 1 K rows (int8, S1::K values
// each); out: uint8 probabilities, one per key (the K message's rows), keys at or past the Q
// message's valid rows masked (kMaskedScore), as platform/stage.cpp runs it.
template <class P, class S1, class S2, class W>
void attention_kernel(BeatStream& in_r, BeatStream& out_r) {
  const int d = static_cast<int>(S1::K), seq = static_cast<int>(P::seq_len);
  const int unroll = static_cast<int>(S1::NUM_PE);
  static_assert(unroll >= 1 && S1::K % S1::NUM_PE == 0, "NUM_PE must divide head_dim K");
  static std::uint8_t raw[detail::max_flits(seq > d ? seq : d) * kBeatBytes];
  static std::int8_t q[P::seq_len * S1::K], k[P::seq_len * S1::K], q_buf[S1::K];
  static std::int32_t scores[P::seq_len], s_buf[P::seq_len];
  static std::uint8_t probs[P::seq_len];
  Header hq, hk;
  int n0 = 0;
  detail::receive_two<P, std::int8_t, S1::K, false, std::int8_t, S1::K>(in_r, q, k, hq, hk, &n0,
                                                                        raw);
  const int keys = static_cast<int>(hk.rows);
  const SoftmaxConsts sm = {W::softmax_x0, W::softmax_b, W::softmax_c,
                            W::softmax_n,  W::softmax_m, W::softmax_e};
  const Header out_h = {hq.rows, hk.rows, hq.valid_rows};
  if (hq.rows == 0) detail::emit_row<P>(out_r, probs, 0, &out_h, raw);
  for (int r = 0; r < static_cast<int>(hq.rows); ++r) {
    ConstArrayStream<std::int8_t, 1> qs = {q + r * d};
    ArrayStream<std::int32_t, 1> ss = {scores};
    attention_matmul<1, unroll>(qs, ss, 1, d, keys, k, q_buf);
    for (int j = static_cast<int>(hq.valid_rows); j < keys; ++j) scores[j] = kMaskedScore;
    ArrayStream<std::int32_t, 1> si = {scores};
    ArrayStream<std::uint8_t, 1> ps = {probs};
    softmax<1>(si, ps, 1, keys, sm, s_buf);
    detail::emit_row<P>(out_r, probs, keys, r == 0 ? &out_h : nullptr, raw);
  }
}

// softmax_matmul -> quant_act (one head): port 0 P rows (uint8, one per key), port 1 V rows
// (int8, S1::K values); out: S1::K requantised values per row.
template <class P, class S1, class S2, class W>
void context_kernel(BeatStream& in_r, BeatStream& out_r) {
  typedef typename detail::ActOut<W::act_out_bits>::type Out;
  const int d = static_cast<int>(S1::K), seq = static_cast<int>(P::seq_len);
  const int pe_act = detail::ChannelLanes<S2>::value;
  static_assert(S2::M == S1::K, "the quant_act works on head_dim channels");
  static_assert(P::out_row_bytes == S1::K * sizeof(Out), "out_row_bytes = head_dim values");
  static std::uint8_t raw[detail::max_flits(seq > d ? seq : d) * kBeatBytes];
  static std::uint8_t p[P::seq_len * P::seq_len], p_buf[P::seq_len];
  static std::int8_t v[P::seq_len * S1::K];
  static std::int32_t ctx[S1::K];
  static Out z[S1::K];
  static std::uint8_t row[P::out_row_bytes];
  Header hp, hv;
  int keys = 0;
  detail::receive_two<P, std::uint8_t, P::seq_len, true, std::int8_t, S1::K>(in_r, p, v, hp, hv,
                                                                             &keys, raw);
  if (hp.rows > 0 && keys != static_cast<int>(hv.rows)) {
    ATL_CSIM_FAIL("kernel %u of cluster %u: probability rows of %d keys, but V has %u rows", P::id,
                  P::cluster, keys, hv.rows);
  }
  const QuantActConsts act = detail::act_consts<W>();
  const Header out_h = {hp.rows, S1::K, hp.valid_rows};
  if (hp.rows == 0) detail::emit_row<P>(out_r, row, 0, &out_h, raw);
  for (int r = 0; r < static_cast<int>(hp.rows); ++r) {
    ArrayStream<std::uint8_t, 1> ps = {p + r * seq};
    ArrayStream<std::int32_t, 1> cs = {ctx};
    softmax_matmul<1>(ps, cs, 1, keys, d, v, p_buf);
    ArrayStream<std::int32_t, pe_act> ci = {ctx};
    ArrayStream<Out, pe_act> zs = {z};
    quant_act<pe_act>(ci, zs, 1, d, act);
    detail::store_row(z, row, d);
    detail::emit_row<P>(out_r, row, P::out_row_bytes, r == 0 ? &out_h : nullptr, raw);
  }
}

// residual_act -> layernorm -> quant_act (ln_attn, ln_ffn): port 0 the int32 main input, port 1
// the int8 identity, both S1::M values per row.
template <class P, class S1, class S2, class S3, class W>
void norm_kernel(BeatStream& in_r, BeatStream& out_r) {
  typedef typename detail::ActOut<W::act_out_bits>::type Out;
  const int n = static_cast<int>(S1::M);
  const int pe1 = detail::ChannelLanes<S1>::value, pe2 = detail::ChannelLanes<S2>::value,
            pe3 = detail::ChannelLanes<S3>::value;
  static_assert(S2::M == S1::M && S3::M == S1::M, "the stages work on the same M channels");
  static_assert(P::out_row_bytes == S1::M * sizeof(Out), "out_row_bytes = M output values");
  static std::uint8_t raw[detail::max_flits(4 * S1::M) * kBeatBytes];
  static std::int32_t x[P::seq_len * S1::M], sum[S1::M], normed[S1::M], ln_buf[S1::M];
  static std::int8_t id[P::seq_len * S1::M];
  static Out z[S1::M];
  static std::uint8_t row[P::out_row_bytes];
  Header hx, hi;
  int n0 = 0;
  detail::receive_two<P, std::int32_t, S1::M, false, std::int8_t, S1::M>(in_r, x, id, hx, hi, &n0,
                                                                         raw);
  if (hx.rows != hi.rows) {
    ATL_CSIM_FAIL("kernel %u of cluster %u: %u main rows but %u identity rows", P::id, P::cluster,
                  hx.rows, hi.rows);
  }
  const QuantActConsts ident = {W::ident_m, W::ident_e, W::ident_count, W::ident_out_bits};
  const QuantActConsts act = detail::act_consts<W>();
  const Header out_h = {hx.rows, S1::M, hx.valid_rows};
  if (hx.rows == 0) detail::emit_row<P>(out_r, row, 0, &out_h, raw);
  for (int r = 0; r < static_cast<int>(hx.rows); ++r) {
    ConstArrayStream<std::int32_t, pe1> xs = {x + r * n};
    ConstArrayStream<std::int8_t, pe1> is = {id + r * n};
    ArrayStream<std::int32_t, pe1> ss = {sum};
    identity_add<pe1>(xs, is, ss, 1, n, ident);
    ArrayStream<std::int32_t, pe2> si = {sum};
    ArrayStream<std::int32_t, pe2> ns = {normed};
    layernorm<pe2>(si, ns, 1, n, W::ln_shift, W::ln_bias, ln_buf);
    ArrayStream<std::int32_t, pe3> ni = {normed};
    ArrayStream<Out, pe3> zs = {z};
    quant_act<pe3>(ni, zs, 1, n, act);
    detail::store_row(z, row, n);
    detail::emit_row<P>(out_r, row, P::out_row_bytes, r == 0 ? &out_h : nullptr, raw);
  }
}

// ---- comm, bypass and virtual kernels ---------------------------------------------------------

namespace detail {

// The state of a comm, bypass or virtual kernel P during one sequence, packet by packet:
// forward, broadcast and scatter pass each row on as it arrives; gather and gather_broadcast
// keep every source's rows until all are in, then send the joined rows.
template <class P>
struct Comm {
  static const int kOp = static_cast<int>(P::op);
  static const int kSources = static_cast<int>(P::num_srcs);
  static const int kRow = static_cast<int>(P::in_row_bytes);
  static const bool kGathers = kOp == kGather || kOp == kGatherBroadcast;
  static_assert(kOp >= kForward && kOp <= kGatherBroadcast, "op is an atoll_op");
  static_assert(kOp != kForward || P::num_srcs == P::num_dests,
                "a forward has as many sources as dests");
  static_assert((kOp != kBroadcast && kOp != kScatter) || P::num_srcs == 1,
                "a broadcast or scatter has one source");

  MessageIn m[P::num_srcs];
  int piece[P::num_srcs];  // gather: bytes of each source's rows
  int done;
  std::uint8_t out_raw[(2 + flits_for(kGathers ? kSources * kRow : kRow)) * kBeatBytes];
  std::uint8_t rows[kGathers ? P::num_srcs * P::seq_len * P::in_row_bytes : 1];
  std::uint8_t joined[kGathers ? P::num_srcs * P::in_row_bytes : 1];

  void begin() {
    for (int s = 0; s < kSources; ++s) {
      m[s] = message_start();
      piece[s] = -1;
    }
    done = 0;
  }
  bool complete() const { return done == kSources; }

  // Takes packet p (its bytes in raw, unskewed).
  void take(BeatStream& out, const std::uint8_t* raw, const PacketInfo& p) {
    const Where where = {P::cluster, P::id};
    const int s = source_of<P>(p.tid);
    if (s < 0) {
      ATL_CSIM_FAIL("kernel %u of cluster %u: a packet from kernel %u, which does not feed it",
                    P::id, P::cluster, p.tid);
    }
    const bool first = !m[s].started;
    const std::uint32_t r = m[s].rows_seen;
    const int at = message_add(m[s], raw, p, P::seq_len, -1, where);
    const int bytes = at < 0 ? 0 : payload_bytes(p) - at;
    const std::uint8_t* row = raw + (at < 0 ? 0 : at);
    const Header* h = first ? &m[s].header : nullptr;
    if (bytes > kRow) {
      ATL_CSIM_FAIL(
          "kernel %u of cluster %u: a row of %d bytes from kernel %u, at most %d "
          "expected",
          P::id, P::cluster, bytes, p.tid, kRow);
    }
    if (kOp == kForward) {
      write_row(out, row, bytes, h, P::id, dest_route<P>(static_cast<unsigned>(s)), out_raw);
    } else if (kOp == kBroadcast) {
      emit_row<P>(out, row, bytes, h, out_raw);
    } else if (kOp == kScatter) {
      const int chunk = bytes / static_cast<int>(P::num_dests);
      if (chunk * static_cast<int>(P::num_dests) != bytes) {
        ATL_CSIM_FAIL("kernel %u of cluster %u: %d-byte rows do not split into %u chunks", P::id,
                      P::cluster, bytes, P::num_dests);
      }
      for (unsigned d = 0; d < P::num_dests; ++d) {
        write_row(out, row + d * chunk, chunk, h, P::id, dest_route<P>(d), out_raw);
      }
    } else if (at >= 0) {  // gather: keep the row
      if (piece[s] >= 0 && piece[s] != bytes) {
        ATL_CSIM_FAIL("kernel %u of cluster %u: rows of %d and %d bytes from kernel %u", P::id,
                      P::cluster, piece[s], bytes, p.tid);
      }
      piece[s] = bytes;
      for (int i = 0; i < bytes; ++i)
        rows[(s * static_cast<int>(P::seq_len) + r) * kRow + i] = row[i];
    }
    if (message_done(m[s]) && ++done == kSources && kGathers) send_gathered(out);
  }

  // Every dest gets the rows joined in source order, source 0's header first.
  void send_gathered(BeatStream& out) {
    const Header& h = m[0].header;
    for (int s = 1; s < kSources; ++s) {
      if (m[s].header.rows != h.rows) {
        ATL_CSIM_FAIL("kernel %u of cluster %u: source %d sent %u rows, source 0 sent %u", P::id,
                      P::cluster, s, m[s].header.rows, h.rows);
      }
    }
    if (h.rows == 0) emit_row<P>(out, joined, 0, &h, out_raw);
    for (std::uint32_t r = 0; r < h.rows; ++r) {
      int at = 0;
      for (int s = 0; s < kSources; ++s) {
        for (int i = 0; i < piece[s]; ++i) {
          joined[at + i] =
              rows[(s * static_cast<int>(P::seq_len) + static_cast<int>(r)) * kRow + i];
        }
        at += piece[s];
      }
      emit_row<P>(out, joined, at, r == 0 ? &h : nullptr, out_raw);
    }
  }
};

// The one state of P (static: the kernel's registers and buffers).
template <class P>
Comm<P>& comm_state() {
  static Comm<P> c;
  return c;
}

// The widest row any of V sends.
template <class... V>
struct MaxRow;
template <>
struct MaxRow<> {
  static const int value = 0;
};
template <class V0, class... V>
struct MaxRow<V0, V...> {
  static const int value = static_cast<int>(V0::in_row_bytes) > MaxRow<V...>::value
                               ? static_cast<int>(V0::in_row_bytes)
                               : MaxRow<V...>::value;
};

}  // namespace detail

// A comm, bypass or virtual kernel's CommOp (platform/comm_kernel.h) on one sequence.
template <class P>
void comm_kernel(BeatStream& in_r, BeatStream& out_r) {
  static std::uint8_t raw[detail::max_flits(P::in_row_bytes) * kBeatBytes];
  const Where where = {P::cluster, P::id};
  detail::Comm<P>& c = detail::comm_state<P>();
  c.begin();
  while (!c.complete()) {
    const PacketInfo p = read_packet(in_r, raw, detail::max_flits(P::in_row_bytes), where);
    c.take(out_r, raw, p);
  }
}

// ---- kernel 0 ---------------------------------------------------------------------------------

// Kernel 0: reads the skewed packets that enter the cluster for one sequence, decodes each
// (byte 0 = the virtual kernel's ID) and runs the CommOp of that virtual kernel V on it, until
// every source of every V has sent its message. P is kern_0_params (id 0, cluster), V... the
// virtual_<id>_params structs of the kernels it serves (kern_0_virtual lists them).
template <class P, class... V>
void gmi_kernel(BeatStream& in_r, BeatStream& out_r) {
  const int kMaxFlits = detail::max_flits(detail::MaxRow<V...>::value) + 1;
  static std::uint8_t skewed[kMaxFlits * kBeatBytes], raw[kMaxFlits * kBeatBytes];
  const Where where = {P::cluster, P::id};
  int begin[] = {0, (detail::comm_state<V>().begin(), 0)...};
  (void)begin;
  for (;;) {
    bool all = true;
    int check[] = {0, (all = all && detail::comm_state<V>().complete(), 0)...};
    (void)check;
    if (all) break;
    const PacketInfo s = read_packet(in_r, skewed, kMaxFlits, where);
    const PacketInfo p = unskew(skewed, s, raw, where);
    bool found = false;
    int take[] = {0, (V::id == p.tdest && !found
                          ? (detail::comm_state<V>().take(out_r, raw, p), found = true, 0)
                          : 0)...};
    (void)take;
    if (!found) {
      ATL_CSIM_FAIL(
          "kernel 0 of cluster %u: a packet from kernel %u for virtual kernel %u, which "
          "it does not serve",
          P::cluster, p.tid, p.tdest);
    }
  }
}

}  // namespace hls
}  // namespace kernels
}  // namespace atl
