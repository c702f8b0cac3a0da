// Software nodes running other Galapagos groupings than the published one: several clusters per
// layer, virtual and bypass kernels, packets through kernel 0; and packets with a wrong ID.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <numeric>

#include "core/error.h"
#include "graph/arch_ibert.h"
#include "model/encoder.h"
#include "model/synthetic.h"
#include "plans.h"
#include "platform/inproc_transport.h"
#include "platform/ports.h"
#include "platform/run.h"

namespace atl::platform {
namespace {

using graph::Sublayer;
using testing::reference;
using testing::Reference;
using testing::tiny_config;

// Kernels dealt round-robin over `nodes`: most links cross nodes.
plan::Plan grouped(const graph::Grouping& grouping, int nodes,
                   const graph::KnobMap& knobs = graph::ibert::default_knobs()) {
  return testing::place(
      graph::build_graph(tiny_config(), knobs), nodes, [&](int k) { return k % nodes; }, grouping);
}

// attention_0 apart from attention_output_1 and intermediate_0 apart from
// intermediate_output_1 (bypass kernels for both residuals, through forward virtual kernels),
// the heads gathered by a virtual kernel, FFN1 to FFN2 across clusters.
const graph::Grouping kThree{
    {Sublayer::attention_0, Sublayer::attention_1, Sublayer::attention_2},
    {Sublayer::attention_output_0, Sublayer::attention_output_1, Sublayer::intermediate_0},
    {Sublayer::intermediate_output_0, Sublayer::intermediate_output_1}};
const graph::Grouping kSix{{Sublayer::attention_0},
                           {Sublayer::attention_1, Sublayer::attention_2},
                           {Sublayer::attention_output_0, Sublayer::attention_output_1},
                           {Sublayer::intermediate_0},
                           {Sublayer::intermediate_output_0},
                           {Sublayer::intermediate_output_1}};
const graph::Grouping kTwo{
    {Sublayer::attention_0},
    {Sublayer::attention_1, Sublayer::attention_2, Sublayer::attention_output_0,
     Sublayer::attention_output_1, Sublayer::intermediate_0, Sublayer::intermediate_output_0,
     Sublayer::intermediate_output_1}};

TEST(GalapagosRun, TwoClusterNumberingRunsBitExact) {
  const Reference& r = reference();
  const plan::Plan p = grouped(kTwo, 3);
  ASSERT_EQ(p.galapagos.clusters.size(), 4u);  // two layers of two clusters
  EXPECT_EQ(*run_plan(p, r.weights, r.input).output, r.output);
}

TEST(GalapagosRun, OtherGroupingsRunBitExact) {
  const Reference& r = reference();
  for (const graph::Grouping* g : {&kThree, &kSix}) {
    const plan::Plan p = grouped(*g, 4);
    EXPECT_EQ(*run_plan(p, r.weights, r.input).output, r.output) << g->size() << " clusters";
  }
}

// The heads and the context heads in different clusters: the probabilities come through a
// forward virtual kernel, which must be a context head's first source (input 0).
TEST(GalapagosRun, HeadsApartFromContextHeadsRunBitExact) {
  const graph::Grouping apart{
      {Sublayer::attention_0, Sublayer::attention_1},
      {Sublayer::attention_2, Sublayer::attention_output_0, Sublayer::attention_output_1,
       Sublayer::intermediate_0, Sublayer::intermediate_output_0, Sublayer::intermediate_output_1}};
  const Reference& r = reference();
  const plan::Plan p = grouped(apart, 3);
  ASSERT_EQ(p.galapagos.clusters.size(), 4u);
  EXPECT_EQ(*run_plan(p, r.weights, r.input).output, r.output);
}

// Every grouping into runs of consecutive sub-layers (what map::choose_grouping and a
// config.json may give) numbers into a plan the nodes wire: none is refused.
TEST(GalapagosRun, EveryConsecutiveGroupingWires) {
  const std::vector<Sublayer>& all = graph::all_sublayers();
  int wired = 0;
  for (unsigned cuts = 0; cuts < 1u << (all.size() - 1); ++cuts) {
    graph::Grouping g(1);
    for (std::size_t i = 0; i < all.size(); ++i) {
      g.back().push_back(all[i]);
      if (i + 1 < all.size() && (cuts >> i & 1)) g.emplace_back();
    }
    const plan::Plan p = grouped(g, 3);
    EXPECT_NO_THROW(wire(p, p.galapagos, 16)) << "cuts " << cuts;
    ++wired;
  }
  EXPECT_EQ(wired, 128);
}

TEST(GalapagosRun, PartitionsAcrossClustersRunBitExact) {
  graph::KnobMap knobs = graph::ibert::default_knobs();
  for (graph::Role role : {graph::ibert::q, graph::ibert::k, graph::ibert::v,
                           graph::ibert::out_proj, graph::ibert::ffn1, graph::ibert::ffn2}) {
    knobs[role].partition = 2;
  }
  const Reference& r = reference();
  for (const graph::Grouping* g : {&kSix, &kThree}) {
    const plan::Plan p = grouped(*g, 5, knobs);
    EXPECT_EQ(*run_plan(p, r.weights, r.input).output, r.output) << g->size() << " clusters";
  }
}

TEST(GalapagosRun, CrossClusterPacketsCarryOneMoreFlit) {
  // One node: every flit counted is a kernel's. A packet into another cluster (or to or from
  // the host) leaves one flit longer (GMISkew) than it arrives (kernel 0's decoder).
  const Reference& r = reference();
  for (const graph::Grouping& g : {graph::single_cluster_grouping(), kSix}) {
    const plan::Plan p = grouped(g, 1);
    const RunResult got = run_plan(p, r.weights, r.input);
    const Wiring w = wire(p, p.galapagos, 16);
    std::int64_t crossing = 0;
    for (const TaskPorts& t : w.tasks) {
      for (const Dest& d : t.dests) crossing += d.to.cluster != t.address.cluster;
    }
    EXPECT_EQ(got.nodes[0].flits_sent - got.nodes[0].flits_received, crossing * 16);
    if (g.size() == 1) {
      EXPECT_EQ(crossing, 3);  // host -> layer 0 -> layer 1 -> host
    }
  }
}

// Hands every burst on, after `corrupt` has seen the first one that crosses nodes.
class CorruptingTransport final : public Transport {
 public:
  CorruptingTransport(int nodes, std::function<void(Packet&)> corrupt)
      : inner_(nodes), corrupt_(std::move(corrupt)) {}
  Attachment attach(int node, Router& router, Failure& failure) override {
    return inner_.attach(node, router, failure);
  }
  void send(int node, Packet p, Deadline deadline, std::stop_token stop) override {
    send_burst(node, std::vector<Packet>{std::move(p)}, deadline, stop);
  }
  void send_burst(int node, std::vector<Packet>&& burst, Deadline deadline,
                  std::stop_token stop) override {
    if (!done_.exchange(true)) {
      for (Packet& p : burst) corrupt_(p);
    }
    inner_.send_burst(node, std::move(burst), deadline, stop);
  }
  void barrier(Deadline, std::stop_token) override {}

 private:
  InprocTransport inner_;
  std::function<void(Packet&)> corrupt_;
  std::atomic<bool> done_{false};
};

void expect_clear_error(const std::function<void(Packet&)>& corrupt, const std::string& what) {
  const Reference& r = reference();
  const plan::Plan p = grouped(kTwo, 3);
  std::vector<int> all(3);
  std::iota(all.begin(), all.end(), 0);
  CorruptingTransport net(3, corrupt);
  RunOptions options;
  options.timeout = std::chrono::seconds(20);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    run_nodes(p, r.weights, r.input, all, net, options);
    FAIL() << "the run succeeded";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
  // Stopped by the error, not by the deadline.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(GalapagosRun, WrongSenderIdInAPacketIsAClearErrorNotAHang) {
  expect_clear_error([](Packet& p) { p.id = 99; },
                     "packet from kernel ID 99, which does not feed this kernel");
}

TEST(GalapagosRun, WrongDestinationIdInAPacketIsAClearErrorNotAHang) {
  expect_clear_error([](Packet& p) { p.dest = 77; }, "ID 77");
}

}  // namespace
}  // namespace atl::platform
