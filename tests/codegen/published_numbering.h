// The published Cluster Builder numbering, built by hand on the example plan
// (examples/plans/ibert-encoder-6fpga.json: one I-BERT-base layer on six Sidewinder-100, placed
// QKV | heads | out_proj + LN1 | FFN1 | FFN2 | LN2). IDs, dests and sources are what Cluster
// Builder's python_scripts/utils.py computes for its published config.json (run on
// yugao-uoft/Galapagos_Cluster_Builder main): Q, K, V 1..3, heads 4..15, context 16..27,
// out_proj 28, LN1 29, FFN1 30, FFN2 31, LN2 32, virtual broadcast 33 (inside kernel 0), comm
// kernels scatter 34..36, gather 37, broadcast 38. Comm kernels sit on their first source's
// node, kernel 0 and the virtual kernel on fpga0.
#pragma once

#include <filesystem>
#include <string>

#include "plan/galapagos.h"
#include "plan/json.h"
#include "plan/plan.h"

namespace atl::codegen::test {

inline int graph_index(const plan::Plan& p, const std::string& name) {
  for (std::size_t i = 0; i < p.graph.kernels.size(); ++i)
    if (p.graph.kernels[i].name == name) return static_cast<int>(i);
  return -1;
}

inline plan::Galapagos published_numbering(const plan::Plan& p) {
  using plan::CommOp;
  using plan::GalapagosAddress;
  using plan::GalapagosKind;
  auto at = [](std::vector<std::uint32_t> ids) {
    std::vector<GalapagosAddress> a;
    for (std::uint32_t id : ids) a.push_back({0, id});
    return a;
  };
  auto range = [](std::uint32_t from, std::uint32_t to) {
    std::vector<std::uint32_t> ids;
    for (std::uint32_t i = from; i <= to; ++i) ids.push_back(i);
    return ids;
  };
  plan::GalapagosCluster c;
  c.layer = 0;
  c.sublayers = graph::all_sublayers();
  auto compute = [&](std::uint32_t id, const std::string& name, std::vector<std::uint32_t> dests,
                     std::vector<std::uint32_t> sources, int node) {
    c.kernels.push_back({id, GalapagosKind::compute, CommOp::forward, graph_index(p, name),
                         at(dests), at(sources), node});
  };
  auto comm = [&](std::uint32_t id, GalapagosKind kind, CommOp op, std::vector<std::uint32_t> dests,
                  std::vector<std::uint32_t> sources, int node) {
    c.kernels.push_back({id, kind, op, -1, at(dests), at(sources), node});
  };
  comm(0, GalapagosKind::gmi, CommOp::forward, {}, {}, 0);
  compute(1, "l0.q", {34}, {33}, 0);
  compute(2, "l0.k", {35}, {33}, 0);
  compute(3, "l0.v", {36}, {33}, 0);
  for (std::uint32_t h = 0; h < 12; ++h)
    compute(4 + h, "l0.h" + std::to_string(h) + ".attention", {16 + h}, {34, 35}, 1);
  for (std::uint32_t h = 0; h < 12; ++h)
    compute(16 + h, "l0.h" + std::to_string(h) + ".context", {37}, {4 + h, 36}, 1);
  compute(28, "l0.out_proj", {29}, {37}, 2);
  compute(29, "l0.ln_attn", {38}, {28, 33}, 2);
  compute(30, "l0.ffn1", {31}, {38}, 3);
  compute(31, "l0.ffn2", {32}, {30}, 4);
  compute(32, "l0.ln_ffn", {33}, {31, 38}, 5);
  comm(33, GalapagosKind::virtual_kernel, CommOp::broadcast, {1, 2, 3, 29}, {32}, 0);
  comm(34, GalapagosKind::comm, CommOp::scatter, range(4, 15), {1}, 0);
  comm(35, GalapagosKind::comm, CommOp::scatter, range(4, 15), {1}, 0);
  comm(36, GalapagosKind::comm, CommOp::scatter, range(16, 27), {3}, 0);
  comm(37, GalapagosKind::comm, CommOp::gather, {28}, range(16, 27), 1);
  comm(38, GalapagosKind::comm, CommOp::broadcast, {30}, {29}, 2);
  plan::Galapagos g;
  g.grouping = graph::single_cluster_grouping();
  g.clusters.push_back(std::move(c));
  return g;
}

// `p` with plan.galapagos = published_numbering(p).
inline plan::Plan numbered(plan::Plan p) {
  p.galapagos = published_numbering(p);
  return p;
}

inline plan::Plan example_plan() {
  return plan::load_plan(std::filesystem::path(ATOLL_SOURCE_DIR) /
                         "examples/plans/ibert-encoder-6fpga.json");
}

}  // namespace atl::codegen::test
