// A kernel's StagePipeline: the fused fast paths equal the stages run one by one, for every
// kernel of an encoder layer (tensor-parallel parts included); the stage list must be its
// role's; out_proj sends the requantised linear (residual_act's output0) as int32.
#include "platform/stage_pipeline.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/random.h"
#include "graph/arch_ibert.h"
#include "kernels/residual_act.h"
#include "model/synthetic.h"
#include "plans.h"

namespace atl::platform {
namespace {

namespace ibert = graph::ibert;

using graph::Role;
using graph::StageType;
constexpr std::int64_t kTokens = 16;
constexpr std::uint32_t kValid = 11;

template <class T>
Message random_message(std::int64_t cols, std::int64_t lo, std::int64_t hi, std::uint64_t seed) {
  core::Rng rng(seed);
  core::Tensor<T> t({kTokens, cols});
  for (auto& v : t.values()) {
    v = static_cast<T>(
        lo + static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(hi - lo + 1)));
  }
  Message m = to_message(t);
  m.header.valid_rows = kValid;
  return m;
}

// Input messages of the right types and widths for kernel k.
std::vector<Message> random_ports(const graph::Kernel& k, const graph::Graph& g,
                                  std::uint64_t seed) {
  const graph::Stage& s = k.stages.front();
  const std::int64_t d = g.hidden / g.heads;
  switch (s.type) {
    case StageType::linear:
      return {random_message<std::int8_t>(s.k, -128, 127, seed)};
    case StageType::attention_matmul:
      return {random_message<std::int8_t>(d, -128, 127, seed),
              random_message<std::int8_t>(d, -128, 127, seed + 1)};
    case StageType::softmax_matmul:
      return {random_message<std::uint8_t>(kTokens, 0, 255, seed),
              random_message<std::int8_t>(d, -128, 127, seed + 1)};
    case StageType::residual_act:
      return {random_message<std::int32_t>(g.hidden, -(1 << 22), 1 << 22, seed),
              random_message<std::int8_t>(g.hidden, -128, 127, seed + 1)};
    default:
      ADD_FAILURE() << "kernel " << k.name << " starts with " << graph::to_string(s.type);
      return {};
  }
}

TEST(StagePipeline, FusedPathsEqualTheStagesOneByOne) {
  graph::KnobMap knobs = graph::ibert::default_knobs();
  for (Role r : {ibert::q, ibert::k, ibert::v, ibert::out_proj, ibert::ffn1, ibert::ffn2}) {
    knobs[r].partition = 2;
  }
  for (const graph::KnobMap& kn : {graph::ibert::default_knobs(), knobs}) {
    const model::ModelConfig c = testing::tiny_config(1, kTokens);
    const graph::Graph g = graph::build_graph(c, kn);
    const model::EncoderWeights w = model::synthetic_weights(c, 3);
    std::uint64_t seed = 10;
    for (const graph::Kernel& k : g.kernels) {
      if (k.role == ibert::source || k.role == ibert::sink) continue;
      const std::vector<Message> ports = random_ports(k, g, seed += 2);
      const Message fused = StagePipeline(k, w).run(ports);
      const Message one_by_one =
          StagePipeline(k, w, StagePipeline::Fusion::stage_by_stage).run(ports);
      EXPECT_EQ(fused, one_by_one) << k.name;
      EXPECT_EQ(fused.header.valid_rows, kValid) << k.name;
      EXPECT_EQ(fused.row_bytes, static_cast<std::size_t>(k.out_bytes_per_token)) << k.name;
    }
  }
}

TEST(StagePipeline, OutProjSendsTheRequantisedLinearAsInt32) {
  const model::ModelConfig c = testing::tiny_config(1, kTokens);
  const graph::Graph g = graph::build_graph(c);
  const model::EncoderWeights w = model::synthetic_weights(c, 3);
  const model::LayerWeights& l = w.layers[0];
  const Message x = random_message<std::int8_t>(c.hidden, -128, 127, 4);
  for (const graph::Kernel& k : g.kernels) {
    if (k.role != ibert::out_proj) continue;
    const auto raw = kernels::linear(to_tensor<std::int8_t>(x, "x"), l.out.weight, l.out.bias);
    const kernels::ResidualActResult want =
        kernels::residual_act(raw, to_tensor<std::int8_t>(x, "x"), l.res_attn);
    EXPECT_EQ(to_tensor<std::int32_t>(StagePipeline(k, w).run({x}), k.name), want.output0);
  }
}

graph::Kernel kernel_of(Role role) {
  const graph::Graph g = graph::build_graph(testing::tiny_config(1, kTokens));
  for (const graph::Kernel& k : g.kernels) {
    if (k.role == role) return k;
  }
  return {};
}

void expect_invalid(const graph::Kernel& k, const std::string& message) {
  const model::EncoderWeights w = model::synthetic_weights(testing::tiny_config(1, kTokens), 3);
  try {
    StagePipeline p(k, w);
    ADD_FAILURE() << "accepted " << k.name;
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(StagePipeline, RejectsStagesThatAreNotItsRoles) {
  graph::Kernel k = kernel_of(ibert::out_proj);
  k.stages.pop_back();
  expect_invalid(k,
                 "kernel 'l0.out_proj': its stages are [linear], but role out_proj runs "
                 "[linear, quant_act]");
}

TEST(StagePipeline, RejectsAnOutputTypeTheStagesDoNotGive) {
  graph::Kernel k = kernel_of(ibert::ffn2);
  k.out_dtype = core::DType::i8;
  expect_invalid(k, "kernel 'l0.ffn2': its stages give int32 rows, the graph says it sends int8");
}

TEST(StagePipeline, RejectsALayerTheWeightsDoNotHold) {
  graph::Kernel k = kernel_of(ibert::ln_attn);
  k.layer = 3;
  expect_invalid(k, "kernel 'l0.ln_attn': layer 3 but the weights hold 1 layers");
}

}  // namespace
}  // namespace atl::platform
