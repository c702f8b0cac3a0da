#include "platform/run.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/error.h"
#include "graph/arch_ibert.h"
#include "model/encoder.h"
#include "model/synthetic.h"
#include "plans.h"
#include "platform/inproc_transport.h"
#include "platform/ports.h"

namespace atl::platform {
namespace {

using testing::pipeline_plan;
using testing::reference;
using testing::Reference;
using testing::scattered_plan;
using testing::tiny_config;

void expect_bit_exact(const plan::Plan& p) {
  const Reference& r = reference();
  RunResult got = run_plan(p, r.weights, r.input);
  ASSERT_TRUE(got.output.has_value());
  EXPECT_EQ(*got.output, r.output);
  ASSERT_EQ(got.nodes.size(), p.cluster.nodes.size());
}

TEST(RunPlan, OneNodeBitExact) {
  expect_bit_exact(pipeline_plan(tiny_config(), 1));
}
TEST(RunPlan, TwoNodesBitExact) {
  expect_bit_exact(pipeline_plan(tiny_config(), 2));
}
TEST(RunPlan, SixNodesBitExact) {
  expect_bit_exact(pipeline_plan(tiny_config(), 6));
}
TEST(RunPlan, TwelveScatteredNodesBitExact) {
  expect_bit_exact(scattered_plan(tiny_config(), 12));
}

TEST(RunPlan, TensorParallelPartsBitExact) {
  // Q/K/V split by heads, the output projection and both FFN linears split by rows: exercises
  // scatter from parts, gather of parts and bcast of every part to every consumer.
  graph::KnobMap knobs = graph::ibert::default_knobs();
  for (graph::Role role : {graph::ibert::q, graph::ibert::k, graph::ibert::v,
                           graph::ibert::out_proj, graph::ibert::ffn1, graph::ibert::ffn2}) {
    knobs[role].partition = 2;
  }
  expect_bit_exact(pipeline_plan(tiny_config(), 6, knobs));
}

TEST(RunPlan, FewerTokensThanSeqLen) {
  const Reference& r = reference();
  core::Tensor<std::int8_t> x({5, 128});
  for (std::int64_t i = 0; i < x.size(); ++i) x[i] = r.input[i];
  const auto want = model::Encoder(r.weights).forward(x);
  EXPECT_EQ(*run_plan(pipeline_plan(tiny_config(), 6), r.weights, x).output, want);
}

TEST(RunPlan, MoreThan255KernelsRunBitExactOn8BitIds) {
  // 26 layers of one head (262 graph kernels): 26 Galapagos clusters, each numbered within the
  // 8-bit IDs, so the bridge header's 8-bit ID fields carry every address.
  model::ModelConfig c = tiny_config(26, 8);
  c.hidden = 64;
  c.heads = 1;
  c.intermediate = 128;
  graph::Graph g = graph::build_graph(c);
  ASSERT_GT(g.kernels.size(), 255u);
  const int kernels = static_cast<int>(g.kernels.size());
  const plan::Plan p = testing::place(std::move(g), 12, [&](int k) { return k * 12 / kernels; });
  const model::EncoderWeights w = model::synthetic_weights(c, 3);
  const auto x = model::random_input(8, 64, 4);
  EXPECT_EQ(*run_plan(p, w, x).output, model::Encoder(w).forward(x));
}

TEST(RunPlan, TrafficCountsIncludeTheCommKernels) {
  const Reference& r = reference();
  const plan::Plan p = pipeline_plan(tiny_config(), 2);
  const RunResult got = run_plan(p, r.weights, r.input);
  std::int64_t messages = 0, packets = 0, received = 0, net_sent = 0, net_received = 0;
  for (const NodeTraffic& n : got.nodes) {
    messages += n.messages_sent;
    packets += n.packets_sent;
    received += n.packets_received;
    net_sent += n.network.packets_sent;
    net_received += n.network.packets_received;
  }
  // Per layer (2 heads, one cluster): input broadcast -> Q, K, V, LN1 (4); Q, K, V -> their
  // scatters (3); scatters -> heads (6); heads -> context heads (2); context -> gather (2);
  // gather -> out_proj, out_proj -> LN1, LN1 -> broadcast (3); broadcast -> FFN1, LN2 (2);
  // FFN1 -> FFN2, FFN2 -> LN2, LN2 -> next layer or host (3): 25. Two layers and the host's
  // input: 51 messages (the graph has 39 streams), one packet per row of each (16 rows).
  EXPECT_EQ(messages, 51);
  EXPECT_EQ(packets, messages * 16);
  EXPECT_EQ(received, packets);
  const Wiring w = wire(p, p.galapagos, 16);
  std::int64_t crossing = 0;
  for (const TaskPorts& t : w.tasks) {
    for (const Dest& d : t.dests) crossing += t.node != node_of(w.routes, d.to);
  }
  EXPECT_GT(crossing, 0);
  EXPECT_EQ(net_sent, crossing * 16);
  EXPECT_EQ(net_received, net_sent);
}

TEST(SoftwareCluster, RunsSequenceAfterSequenceOnTheSameNodes) {
  const Reference& r = reference();
  const plan::Plan p = scattered_plan(tiny_config(), 6);
  SoftwareCluster nodes(p, r.weights, 16);
  const model::Encoder reference_encoder(r.weights);
  const RunResult first = nodes.run(r.input);
  for (std::uint64_t seed = 20; seed < 23; ++seed) {
    const core::Tensor<std::int8_t> x = model::random_input(16, 128, seed);
    const RunResult got = nodes.run(x);
    ASSERT_TRUE(got.output.has_value());
    EXPECT_EQ(*got.output, reference_encoder.forward(x)) << "seed " << seed;
    // Traffic is per sequence, not accumulated.
    for (std::size_t n = 0; n < got.nodes.size(); ++n) {
      EXPECT_EQ(got.nodes[n].packets_sent, first.nodes[n].packets_sent) << n;
      EXPECT_EQ(got.nodes[n].network.bytes_received, first.nodes[n].network.bytes_received) << n;
    }
  }
  EXPECT_EQ(*nodes.run(r.input).output, r.output);
  try {
    nodes.run(model::random_input(8, 128, 1));
    FAIL() << "ran 8 tokens on nodes set up for 16";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("set up for 16"), std::string::npos) << e.what();
  }
}

TEST(SoftwareCluster, RefusesToRunAfterAFailure) {
  const Reference& r = reference();
  const plan::Plan p = pipeline_plan(tiny_config(), 2);
  InprocTransport transport(2);
  const int all[] = {0, 1};
  int calls = 0;
  RunOptions options;
  options.before_compute = [&](const graph::Kernel& k) {
    if (k.name == "l0.out_proj" && ++calls == 2) throw core::Error("injected fault");
  };
  SoftwareCluster nodes(p, r.weights, 16, all, transport, options);
  EXPECT_EQ(*nodes.run(r.input).output, r.output);
  EXPECT_THROW(nodes.run(r.input), core::Error);
  try {
    nodes.run(r.input);
    FAIL() << "ran after a failure";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("earlier failure"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("injected fault"), std::string::npos) << e.what();
  }
}

TEST(RunPlan, KernelThatThrowsStopsTheRunNamingNodeAndKernel) {
  const Reference& r = reference();
  RunOptions options;
  options.before_compute = [](const graph::Kernel& k) {
    if (k.name == "l1.ffn1") throw core::Error("injected fault");
  };
  const auto t0 = std::chrono::steady_clock::now();
  try {
    run_plan(pipeline_plan(tiny_config(), 6), r.weights, r.input, options);
    FAIL() << "the run succeeded";
  } catch (const core::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("kernel 'l1.ffn1'"), std::string::npos) << what;
    const plan::Plan p = pipeline_plan(tiny_config(), 6);
    int ffn1 = 0;
    while (p.graph.kernels[ffn1].name != "l1.ffn1") ++ffn1;
    EXPECT_NE(what.find("node " + p.cluster.nodes[p.node_of_kernel[ffn1]].name + " "),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("injected fault"), std::string::npos) << what;
  }
  // Stopped by the failure, not by the 30 s deadline.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(RunPlan, StalledKernelTimesOutNamingWhatIsMissing) {
  const Reference& r = reference();
  RunOptions options;
  options.timeout = std::chrono::milliseconds(500);  // ample for the tiny model on a busy machine
  options.before_compute = [](const graph::Kernel& k) {
    if (k.name == "l0.ffn2") std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  };
  try {
    run_plan(pipeline_plan(tiny_config(), 6), r.weights, r.input, options);
    FAIL() << "the run succeeded";
  } catch (const core::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("timed out waiting for input"), std::string::npos) << what;
    EXPECT_NE(what.find("still computing when the run stopped: 'l0.ffn2' on node"),
              std::string::npos)
        << what;
  }
}

TEST(RunPlan, RejectsWeightsOrInputThatDoNotFit) {
  const Reference& r = reference();
  const plan::Plan p = pipeline_plan(tiny_config(), 2);
  EXPECT_THROW(run_plan(p, r.weights, core::Tensor<std::int8_t>({4, 64})), core::Error);
  EXPECT_THROW(run_plan(p, r.weights, core::Tensor<std::int8_t>({17, 128})), core::Error);
  model::EncoderWeights one_layer = r.weights;
  one_layer.layers.resize(1);
  EXPECT_THROW(run_plan(p, one_layer, r.input), core::Error);
  // Setting nodes up checks the same before preparing any kernel.
  EXPECT_THROW(SoftwareCluster(p, r.weights, 17), core::Error);
  EXPECT_THROW(SoftwareCluster(p, one_layer, 16), core::Error);
}

}  // namespace
}  // namespace atl::platform
