// What each kernel receives and sends, derived from the encoder graph.
#include "platform/ports.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "plans.h"

namespace atl::platform {
namespace {

int kernel_named(const graph::Graph& g, const std::string& name) {
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    if (g.kernels[k].name == name) return static_cast<int>(k);
  }
  ADD_FAILURE() << "no kernel " << name;
  return -1;
}

TEST(Wiring, ScatterChunksAreConsecutiveHeads) {
  const plan::Plan p = testing::pipeline_plan(testing::tiny_config(), 2);
  const Wiring w = wire(p, 16);
  const KernelPorts& q = w.kernels[kernel_named(p.graph, "l0.q")];
  ASSERT_EQ(q.children.size(), 2u);
  EXPECT_EQ(q.out_row_bytes, 128u);
  EXPECT_EQ(q.children[0], (Chunk{p.kernel_id[kernel_named(p.graph, "l0.h0.attention")], 0, 64}));
  EXPECT_EQ(q.children[1], (Chunk{p.kernel_id[kernel_named(p.graph, "l0.h1.attention")], 64, 64}));
}

TEST(Wiring, BcastChildrenTakeWholeRows) {
  const plan::Plan p = testing::pipeline_plan(testing::tiny_config(), 2);
  const Wiring w = wire(p, 16);
  const KernelPorts& source = w.kernels[kernel_named(p.graph, "source")];
  ASSERT_EQ(source.children.size(), 4u);  // q, k, v and the residual of ln_attn
  for (const Chunk& c : source.children) {
    EXPECT_EQ(c.offset, 0u);
    EXPECT_EQ(c.bytes, 128u);
  }
}

TEST(Wiring, GatherSourcesInIdOrderAndPortsApart) {
  const plan::Plan p = testing::pipeline_plan(testing::tiny_config(), 2);
  const Wiring w = wire(p, 16);
  const KernelPorts& out = w.kernels[kernel_named(p.graph, "l0.out_proj")];
  ASSERT_EQ(out.inputs.size(), 1u);
  ASSERT_EQ(out.inputs[0].sources.size(), 2u);
  EXPECT_LT(out.inputs[0].sources[0].id, out.inputs[0].sources[1].id);
  EXPECT_EQ(out.inputs[0].sources[0].kernel, kernel_named(p.graph, "l0.h0.context"));
  EXPECT_EQ(out.inputs[0].row_bytes(), 128u);
  const KernelPorts& ln = w.kernels[kernel_named(p.graph, "l0.ln_attn")];
  ASSERT_EQ(ln.inputs.size(), 2u);
  EXPECT_EQ(ln.inputs[0].row_bytes(), 512u);                                   // int32 projection
  EXPECT_EQ(ln.inputs[1].sources[0].kernel, kernel_named(p.graph, "source"));  // residual
}

TEST(Wiring, ProbabilityRowsFollowTheTokens) {
  const plan::Plan p = testing::pipeline_plan(testing::tiny_config(), 2);
  const int ctx = kernel_named(p.graph, "l0.h1.context");
  EXPECT_EQ(wire(p, 16).kernels[ctx].inputs[0].row_bytes(), 16u);
  EXPECT_EQ(wire(p, 5).kernels[ctx].inputs[0].row_bytes(), 5u);
  EXPECT_THROW(wire(p, 17), core::Error);
  EXPECT_THROW(wire(p, 0), core::Error);
}

TEST(Wiring, ReduceUsesTheLanesOfItsSources) {
  graph::SublayerKnobs knobs;
  knobs.out_proj.partition = 2;
  plan::Plan p = testing::pipeline_plan(testing::tiny_config(), 2, knobs);
  const int ln = kernel_named(p.graph, "l0.ln_attn");
  for (graph::Stream& s : p.graph.streams) {
    if (s.consumer == ln && s.port == 0) s.pattern = graph::Pattern::reduce;
  }
  const Wiring w = wire(p, 16);
  const InPort& in = w.kernels[ln].inputs[0];
  ASSERT_EQ(in.sources.size(), 2u);
  EXPECT_TRUE(in.reduce);
  EXPECT_EQ(in.lanes, Lanes::i32);  // the output projection sends int32
  EXPECT_EQ(in.row_bytes(), 256u);  // a sum is as wide as one source, not two
}

TEST(Wiring, RejectsTwoStreamsBetweenTheSameKernels) {
  plan::Plan p = testing::pipeline_plan(testing::tiny_config(), 2);
  graph::Stream twice = p.graph.streams.front();
  twice.port = 1;
  p.graph.streams.push_back(twice);
  EXPECT_THROW(wire(p, 16), core::Error);
}

}  // namespace
}  // namespace atl::platform
