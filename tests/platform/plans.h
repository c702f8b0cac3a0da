// Small plans for the platform tests: a synthetic I-BERT shape (hidden 128, 2 heads,
// intermediate 256) placed on N nodes, so a distributed run takes milliseconds.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "graph/arch_ibert.h"
#include "graph/sublayer.h"
#include "model/config.h"
#include "model/encoder.h"
#include "model/synthetic.h"
#include "plan/galapagos.h"
#include "plan/plan.h"

namespace atl::platform::testing {

inline model::ModelConfig tiny_config(int layers = 2, int seq_len = 16) {
  model::ModelConfig c;
  c.name = "tiny";
  c.layers = layers;
  c.hidden = 128;
  c.heads = 2;
  c.intermediate = 256;
  c.seq_len = seq_len;
  return c;
}

// Synthetic weights of tiny_config(), one random 16-token input and the single-process
// reference output: what the run tests compare the nodes' output with.
struct Reference {
  model::EncoderWeights weights;
  core::Tensor<std::int8_t> input, output;
};

inline const Reference& reference() {
  static const Reference r = [] {
    Reference r;
    r.weights = model::synthetic_weights(tiny_config(), 7);
    r.input = model::random_input(16, 128, 8);
    r.output = model::Encoder(r.weights).forward(r.input);
    return r;
  }();
  return r;
}

// Kernel k goes to node node_of(k); the Galapagos numbering is Cluster Builder's for `grouping`
// (each layer one cluster by default, as the published config).
template <class NodeOf>
plan::Plan place(graph::Graph g, int nodes, NodeOf node_of,
                 const graph::Grouping& grouping = graph::single_cluster_grouping()) {
  plan::Plan p;
  p.model_config = g.model;
  p.graph = std::move(g);
  p.cluster.name = "test";
  for (int n = 0; n < nodes; ++n) p.cluster.nodes.push_back({fmt::format("n{}", n), {}});
  for (std::size_t k = 0; k < p.graph.kernels.size(); ++k) {
    p.node_of_kernel.push_back(node_of(static_cast<int>(k)));
  }
  p.galapagos = plan::number_galapagos(p.graph, grouping, p.node_of_kernel);
  p.objective = plan::Objective::manual;
  p.estimate.nodes.resize(static_cast<std::size_t>(nodes));
  return p;
}

// Contiguous blocks of kernels in graph order (a pipeline cut), like a mapper would place them.
inline plan::Plan pipeline_plan(const model::ModelConfig& c, int nodes,
                                const graph::KnobMap& knobs = graph::ibert::default_knobs()) {
  graph::Graph g = graph::build_graph(c, knobs);
  const int kernels = static_cast<int>(g.kernels.size());
  return place(std::move(g), nodes, [&](int k) { return k * nodes / kernels; });
}

// Kernels dealt round-robin: every stream crosses nodes, the worst case for the router.
inline plan::Plan scattered_plan(const model::ModelConfig& c, int nodes) {
  graph::Graph g = graph::build_graph(c);
  return place(std::move(g), nodes, [&](int k) { return k % nodes; });
}

}  // namespace atl::platform::testing
