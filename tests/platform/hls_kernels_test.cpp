// The generated kernels' wrappers (kernels/hls/galapagos_kernels.h) on the tiny made-up kernels
// of tests/kernels/hls_tiny_kernels.h, against the software nodes: the packets each writes must
// be exactly those platform::pack / comm_outputs / gmi_skew give for the message the software
// stages compute (platform::run_stage), except TDEST = the cluster index (255: the host) of a
// packet that leaves the cluster (kernels/hls/beat.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "../kernels/hls_tiny_kernels.h"
#include "kernels/hls/galapagos_kernels.h"
#include "platform/comm_kernel.h"
#include "platform/gmi_skew.h"
#include "platform/message.h"
#include "platform/stage.h"

namespace atl::platform {
namespace {

namespace hk = kernels::hls;
using graph::StageType;

// The beats of packet p on a stream.
void feed(hk::BeatStream& s, const Packet& p) {
  for (std::size_t i = 0; i < p.flit_count(); ++i) {
    const Flit f = flit(p, i);
    hk::Beat b;
    for (int w = 0; w < 8; ++w) {
      std::uint64_t v = 0;
      for (int k = 0; k < 8; ++k) v |= std::uint64_t{f.data[8 * w + k]} << (8 * k);
      b.data.range(64 * w + 63, 64 * w) = v;
    }
    b.keep = f.keep;
    b.strb = f.keep;
    b.user = f.user;
    b.last = f.last ? 1 : 0;
    b.id = f.id;
    b.dest = f.dest;
    s.write(b);
  }
}

void feed(hk::BeatStream& s, const std::vector<Packet>& packets) {
  for (const Packet& p : packets) feed(s, p);
}

// Every packet written to s (each checked: one TUSER/TID/TDEST, TKEEP = TSTRB, TLAST at the end).
std::vector<Packet> drain(hk::BeatStream& s) {
  std::vector<Packet> out;
  std::vector<Flit> flits;
  hk::Beat b;
  while (s.read_nb(b)) {
    Flit f;
    for (int i = 0; i < 64; ++i) f.data[i] = hk::beat_byte(b, i);
    f.keep = b.keep.to_uint64();
    EXPECT_EQ(b.strb.to_uint64(), f.keep);
    f.user = static_cast<std::uint16_t>(b.user.to_uint64());
    f.last = b.last.to_uint64() != 0;
    f.id = static_cast<std::uint32_t>(b.id.to_uint64());
    f.dest = static_cast<std::uint32_t>(b.dest.to_uint64());
    flits.push_back(f);
    if (f.last) {
      out.push_back(packet_from_flits(flits, "kernel output"));
      flits.clear();
    }
  }
  EXPECT_TRUE(flits.empty()) << "a packet without TLAST at the end";
  return out;
}

// What kernel `own_cluster` sends on the wire for packet p to `to`: as it is within the
// cluster, skewed with TDEST = the cluster index (255 for the host) otherwise.
Packet wire(Packet p, int own_cluster, plan::GalapagosAddress to) {
  p.cluster = 0;  // no AXI-Stream signal
  if (to.cluster == own_cluster) return p;
  Packet q = gmi_skew(p, to);
  q.dest = to.cluster == plan::GalapagosAddress::kHost ? hk::kHostDest
                                                       : static_cast<std::uint32_t>(to.cluster);
  q.cluster = 0;
  return q;
}

// The packets of message m from kernel P to its dests, row by row, each row to every dest in
// order (the hardware's fan-out); `per_dest` gives dest d its own message (scatter, forward).
template <class P>
std::vector<Packet> expected(const std::vector<Message>& per_dest) {
  std::vector<std::vector<Packet>> packs;
  for (unsigned d = 0; d < P::num_dests; ++d) {
    packs.push_back(pack(per_dest[per_dest.size() == 1 ? 0 : d], P::id, P::dest_id(d)));
  }
  std::vector<Packet> out;
  for (std::size_t r = 0; r < packs[0].size(); ++r) {
    for (unsigned d = 0; d < P::num_dests; ++d) {
      out.push_back(
          wire(packs[d][r], static_cast<int>(P::cluster), {P::dest_cluster(d), P::dest_id(d)}));
    }
  }
  return out;
}

// Packets from source `tid` of a kernel in the same cluster.
std::vector<Packet> from(const Message& m, std::uint32_t tid, std::uint32_t dest) {
  return pack(m, tid, dest);
}

template <class T>
Message random_message(std::int64_t rows, std::int64_t cols, std::uint32_t valid, int lo, int hi,
                       std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  core::Tensor<T> t({rows, cols});
  for (auto& v : t.values()) v = static_cast<T>(dist(rng));
  Message m = to_message(t);
  m.header.valid_rows = valid;
  return m;
}

// The software nodes' output for `ports`: the stages one by one, as StagePipeline runs them.
Message software(const std::vector<std::pair<StageType, StageParams>>& stages,
                 const std::vector<Message>& ports) {
  const Message& in = ports[0];
  StageValue v;
  switch (input_dtype(stages[0].first)) {
    case core::DType::i8:
      v = to_tensor<std::int8_t>(in, "test");
      break;
    case core::DType::u8:
      v = to_tensor<std::uint8_t>(in, "test");
      break;
    default:
      v = to_tensor<std::int32_t>(in, "test");
  }
  const StageValue operand =
      ports.size() > 1 ? StageValue(to_tensor<std::int8_t>(ports[1], "test")) : StageValue();
  for (const auto& [type, params] : stages) {
    v = run_stage(type, params, std::move(v), ports.size() > 1 ? &operand : nullptr,
                  in.header.valid_rows, "tiny");
  }
  Message out = std::visit([](const auto& t) { return to_message(t); }, v);
  out.header.valid_rows = in.header.valid_rows;
  return out;
}

// Most bytes of y's rows differ from its first: a comparison of all-saturated (or all-zero)
// rows would not see a wrong multiplier or a lost row.
void expect_varied(const Message& y) {
  int differ = 0;
  for (std::uint8_t b : y.data) differ += b != y.data[0];
  EXPECT_GT(differ, static_cast<int>(y.data.size()) / 2);
}

template <class W>
kernels::QuantActParams act_params() {
  return {std::vector<std::int64_t>(W::act_m, W::act_m + W::act_count),
          std::vector<int>(W::act_e, W::act_e + W::act_count), W::act_out_bits};
}

template <class W, int M, int K>
kernels::LinearPlan linear_plan() {
  core::Tensor<std::int8_t> w({M, K});
  std::copy(W::weight, W::weight + M * K, w.data());
  return kernels::LinearPlan(w, std::vector<std::int32_t>(W::bias, W::bias + M));
}

TEST(HlsKernels, LinearActSendsTheSoftwarePacketsToLocalRemoteAndHostDests) {
  using P = tiny::lin_params;
  hk::BeatStream in("lin.in"), out("lin.out");
  const Message x = random_message<std::int8_t>(3, 16, 2, -20, 20, 1);
  feed(in, from(x, 2, P::id));
  hk::linear_act_kernel<P, tiny::lin_linear_0, tiny::lin_quant_act_1, tiny::lin_weights>(in, out);
  std::vector<std::pair<StageType, StageParams>> stages;
  stages.emplace_back(StageType::linear, linear_plan<tiny::lin_weights, 8, 16>());
  stages.emplace_back(StageType::quant_act, act_params<tiny::lin_weights>());
  const Message y = software(stages, {x});
  expect_varied(y);
  EXPECT_EQ(y.header.rows, 3u);
  EXPECT_EQ(y.header.cols, 8u);
  EXPECT_EQ(y.header.valid_rows, 2u);
  const std::vector<Packet> got = drain(out);
  ASSERT_EQ(got.size(), 9u);  // 3 rows x 3 dests
  EXPECT_EQ(got, expected<P>({y}));
  // The packet convention, spelled out for row 0 to the local dest and to the host.
  EXPECT_EQ(got[0].dest, 5u);
  EXPECT_EQ(got[0].id, 3u);
  EXPECT_EQ(got[0].user, 2u);  // header + 32 bytes
  EXPECT_EQ(got[0].keep, 0xffffffffu);
  EXPECT_EQ(got[2].dest, 255u);  // the host, skewed: byte 0 = its ID
  EXPECT_EQ(got[2].data[0], 9u);
  EXPECT_EQ(got[2].user, 3u);
  EXPECT_EQ(got[1].dest, 0u);  // cluster 0
  EXPECT_EQ(got[1].data[0], 6u);
  EXPECT_TRUE(in.empty());
}

TEST(HlsKernels, LinearActSendsTheHeaderAloneForZeroRows) {
  using P = tiny::lin_params;
  hk::BeatStream in("lin.in"), out("lin.out");
  Message x = random_message<std::int8_t>(0, 16, 0, 0, 0, 1);
  feed(in, from(x, 2, P::id));
  hk::linear_act_kernel<P, tiny::lin_linear_0, tiny::lin_quant_act_1, tiny::lin_weights>(in, out);
  Message y;
  y.header = {0, 8, 0};
  y.row_bytes = 32;
  const std::vector<Packet> got = drain(out);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got, expected<P>({y}));
  EXPECT_EQ(got[0].user, 1u);
}

// The linear kernel of hls_tiny_kernels.h on one row from kernel `tid`.
void run_linear_from(std::uint32_t tid) {
  hk::BeatStream in("lin.in"), out("lin.out");
  feed(in, from(random_message<std::int8_t>(1, 16, 1, 0, 0, 1), tid, 3));
  hk::linear_act_kernel<tiny::lin_params, tiny::lin_linear_0, tiny::lin_quant_act_1,
                        tiny::lin_weights>(in, out);
}

TEST(HlsKernelsDeathTest, APacketFromAKernelThatFeedsNothingEndsTheSimulationWithOneLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(run_linear_from(99), testing::ExitedWithCode(1),
              "^csim: kernel 3 of cluster 1: a packet from kernel 99, which does not feed it\n$");
}

TEST(HlsKernels, LinearGeluActEqualsTheSoftwareStages) {
  using P = tiny::ffn1_params;
  using W = tiny::ffn1_weights;
  hk::BeatStream in("ffn1.in"), out("ffn1.out");
  const Message x = random_message<std::int8_t>(4, 16, 4, -20, 20, 2);
  feed(in, from(x, 3, P::id));
  hk::linear_gelu_act_kernel<P, tiny::ffn1_linear_0, tiny::ffn1_gelu_1, tiny::ffn1_quant_act_2, W>(
      in, out);
  kernels::GeluParams g{std::vector<std::int64_t>(W::gelu_b, W::gelu_b + 8),
                        std::vector<std::int64_t>(W::gelu_c, W::gelu_c + 8),
                        std::vector<std::int64_t>(W::gelu_shift, W::gelu_shift + 8), W::gelu_k};
  std::vector<std::pair<StageType, StageParams>> stages;
  stages.emplace_back(StageType::linear, linear_plan<W, 8, 16>());
  stages.emplace_back(StageType::gelu, g);
  stages.emplace_back(StageType::quant_act, act_params<W>());
  const Message y = software(stages, {x});
  EXPECT_EQ(drain(out), expected<P>({y}));
  expect_varied(y);
}

TEST(HlsKernels, AttentionMasksPaddingKeysAndTakesItsSourcesInAnyOrder) {
  using P = tiny::attn_params;
  using W = tiny::attn_weights;
  hk::BeatStream in("attn.in"), out("attn.out");
  const Message q = random_message<std::int8_t>(3, 8, 2, -3, 3, 3);
  const Message k = random_message<std::int8_t>(3, 8, 2, -3, 3, 4);
  // K's packets first, then Q's, interleaved by packet.
  const std::vector<Packet> qp = from(q, 10, P::id), kp = from(k, 11, P::id);
  feed(in, kp[0]);
  feed(in, qp[0]);
  feed(in, kp[1]);
  feed(in, kp[2]);
  feed(in, qp[1]);
  feed(in, qp[2]);
  hk::attention_kernel<P, tiny::attn_attention_matmul_0, tiny::attn_softmax_1, W>(in, out);
  std::vector<std::pair<StageType, StageParams>> stages;
  stages.emplace_back(StageType::attention_matmul, kernels::AttentionPlan(1, 8));
  stages.emplace_back(StageType::softmax,
                      kernels::SoftmaxParams{W::softmax_x0, W::softmax_b, W::softmax_c,
                                             W::softmax_n, W::softmax_m, W::softmax_e});
  const Message y = software(stages, {q, k});
  expect_varied(y);
  EXPECT_EQ(y.header.cols, 3u);
  EXPECT_EQ(y.row(0)[2], 0u);  // key 2 is padding
  EXPECT_GT(y.row(0)[0] + y.row(0)[1], 0);
  EXPECT_EQ(drain(out), expected<P>({y}));
}

TEST(HlsKernels, ContextEqualsTheSoftwareStagesAndSkewsForAnotherCluster) {
  using P = tiny::ctx_params;
  using W = tiny::ctx_weights;
  hk::BeatStream in("ctx.in"), out("ctx.out");
  const Message p = random_message<std::uint8_t>(3, 3, 3, 0, 255, 5);
  const Message v = random_message<std::int8_t>(3, 8, 3, -100, 100, 6);
  feed(in, from(v, 11, P::id));
  feed(in, from(p, 12, P::id));
  hk::context_kernel<P, tiny::ctx_softmax_matmul_0, tiny::ctx_quant_act_1, W>(in, out);
  std::vector<std::pair<StageType, StageParams>> stages;
  stages.emplace_back(StageType::softmax_matmul, kernels::AttentionPlan(1, 8));
  stages.emplace_back(StageType::quant_act, act_params<W>());
  const Message y = software(stages, {p, v});
  expect_varied(y);
  const std::vector<Packet> got = drain(out);
  EXPECT_EQ(got, expected<P>({y}));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].dest, 2u);  // cluster 2
  EXPECT_EQ(got[0].data[0], 20u);
  EXPECT_EQ(got[0].user, 3u);  // header + row + the skew's beat
}

TEST(HlsKernels, NormEqualsTheSoftwareStages) {
  using P = tiny::norm_params;
  using W = tiny::norm_weights;
  hk::BeatStream in("norm.in"), out("norm.out");
  const Message x = random_message<std::int32_t>(4, 8, 3, -40000, 40000, 7);
  const Message id = random_message<std::int8_t>(4, 8, 3, -128, 127, 8);
  feed(in, from(id, 15, P::id));
  feed(in, from(x, 14, P::id));
  hk::norm_kernel<P, tiny::norm_residual_act_0, tiny::norm_layernorm_1, tiny::norm_quant_act_2, W>(
      in, out);
  std::vector<std::pair<StageType, StageParams>> stages;
  stages.emplace_back(StageType::residual_act,
                      kernels::QuantActParams{{W::ident_m[0]}, {W::ident_e[0]}, W::ident_out_bits});
  stages.emplace_back(
      StageType::layernorm,
      kernels::LayerNormParams{W::ln_shift, std::vector<std::int64_t>(W::ln_bias, W::ln_bias + 8)});
  stages.emplace_back(StageType::quant_act, act_params<W>());
  const Message y = software(stages, {x, id});
  expect_varied(y);
  EXPECT_EQ(drain(out), expected<P>({y}));
}

// A comm kernel P on one message per source (each source's packets in turn): the packets
// platform::comm_outputs gives.
template <class P>
void check_comm(plan::CommOp op, const std::vector<Message>& in) {
  hk::BeatStream s("comm.in"), out("comm.out");
  for (unsigned i = 0; i < P::num_srcs; ++i) feed(s, from(in[i], P::src_id(i), P::id));
  hk::comm_kernel<P>(s, out);
  const std::vector<Packet> got = drain(out);
  const std::vector<Message> want = comm_outputs(op, in, P::num_dests);
  if (op == plan::CommOp::forward) {  // passed on as each source's packets arrive
    std::vector<Packet> all;
    for (unsigned d = 0; d < P::num_dests; ++d) {
      for (const Packet& p : pack(want[d], P::id, P::dest_id(d))) {
        all.push_back(wire(p, static_cast<int>(P::cluster), {P::dest_cluster(d), P::dest_id(d)}));
      }
    }
    EXPECT_EQ(got, all);
  } else {
    EXPECT_EQ(got, expected<P>(want));
  }
}

TEST(HlsKernels, CommKernelsDoTheSoftwareCommOps) {
  check_comm<tiny::scatter_params>(plan::CommOp::scatter,
                                   {random_message<std::uint8_t>(3, 16, 2, 0, 255, 9)});
  check_comm<tiny::gather_params>(plan::CommOp::gather,
                                  {random_message<std::uint8_t>(4, 8, 4, 0, 255, 10),
                                   random_message<std::uint8_t>(4, 8, 4, 0, 255, 11)});
  check_comm<tiny::bcast_params>(plan::CommOp::broadcast,
                                 {random_message<std::uint8_t>(2, 16, 1, 0, 255, 12)});
  check_comm<tiny::fwd_params>(plan::CommOp::forward,
                               {random_message<std::uint8_t>(2, 16, 2, 0, 255, 13),
                                random_message<std::uint8_t>(3, 12, 3, 0, 255, 14)});
  check_comm<tiny::scatter_params>(plan::CommOp::scatter,
                                   {random_message<std::uint8_t>(0, 16, 0, 0, 0, 15)});
}

TEST(HlsKernels, KernelZeroDecodesSkewedPacketsForItsVirtualKernels) {
  hk::BeatStream in("gmi.in"), out("gmi.out");
  const Message host = random_message<std::uint8_t>(2, 16, 2, 0, 255, 16);
  const Message a = random_message<std::uint8_t>(2, 8, 2, 0, 255, 17);
  const Message b = random_message<std::uint8_t>(2, 8, 2, 0, 255, 18);
  // What arrives at kernel 0: skewed packets, as the software nodes skew them (the host sends
  // with TID 0); the two remote sources of the gather interleave with the host's packets.
  auto skewed = [](const Message& m, std::uint32_t tid, std::uint32_t vid) {
    std::vector<Packet> out;
    for (const Packet& p : pack(m, tid, vid)) {
      Packet q = gmi_skew(p, {0, vid});
      q.cluster = 0;
      out.push_back(q);
    }
    return out;
  };
  const std::vector<Packet> hp = skewed(host, 0, 40), ap = skewed(a, 7, 41), bp = skewed(b, 8, 41);
  feed(in, bp[0]);
  feed(in, hp[0]);
  feed(in, ap[0]);
  feed(in, hp[1]);
  feed(in, ap[1]);
  feed(in, bp[1]);
  hk::gmi_kernel<tiny::gmi_params, tiny::virtual_40_params, tiny::virtual_41_params>(in, out);
  std::vector<Packet> want;
  // The broadcast passes each host row on as it arrives; the gather sends once both are in.
  const std::vector<Packet> b0 = expected<tiny::virtual_40_params>({host});
  want.insert(want.end(), b0.begin(), b0.end());
  const std::vector<Packet> g = expected<tiny::virtual_41_params>({gather(std::vector{a, b})});
  want.insert(want.end(), g.begin(), g.end());
  EXPECT_EQ(drain(out), want);
}

}  // namespace
}  // namespace atl::platform
