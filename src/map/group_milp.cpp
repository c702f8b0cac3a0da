#include "map/group_milp.h"

#include <CbcModel.hpp>
#include <CoinPackedMatrix.hpp>
#include <CoinPackedVector.hpp>
#include <OsiClpSolverInterface.hpp>
#include <algorithm>

namespace atl::map {
namespace {

// Branch-and-bound budget in nodes (node_limit): deterministic, unlike a wall-clock limit. The LP
// relaxation of the cut is weak (x = 1/g everywhere cuts nothing), so on a large group the search
// prunes little and runs to its limit: on BERT-base over 4 x V80 a 289-kernel, 3-FPGA group took
// 2,000 nodes and 85 s of CPU for a cut 16 % smaller and no gain in simulated latency
// (docs/mapping.md, "Node budget"). Small groups keep enough nodes to finish.
constexpr int kNodeWork = 4000;  // nodes x binary variables
constexpr int kMinNodes = 20;
constexpr int kMaxNodes = 2000;
constexpr int kSeed = 1;

bool feasible(const GroupProblem& p, const std::vector<int>& fpga_of) {
  std::vector<Resources> used(p.budget.size());
  for (std::size_t k = 0; k < fpga_of.size(); ++k) {
    if (fpga_of[k] < 0 || fpga_of[k] >= static_cast<int>(used.size())) return false;
    used[fpga_of[k]] += p.demand[fpga_of[k]][k];
  }
  for (std::size_t b = 0; b < used.size(); ++b) {
    if (!fits(used[b], p.budget[b])) return false;
  }
  return true;
}

}  // namespace

int node_limit(int kernels, int fpgas) {
  return std::clamp(kNodeWork / std::max(1, kernels * fpgas), kMinNodes, kMaxNodes);
}

double cut_weight(const GroupProblem& p, const std::vector<int>& fpga_of) {
  double cut = 0;
  for (const auto& e : p.edges) cut += fpga_of[e.a] != fpga_of[e.b] ? e.weight : 0;
  return cut;
}

std::vector<int> assign_group(const GroupProblem& p, const std::vector<int>& start) {
  const int kernels = static_cast<int>(p.demand.empty() ? 0 : p.demand[0].size());
  const int fpgas = static_cast<int>(p.budget.size());
  const int edges = static_cast<int>(p.edges.size());
  if (fpgas < 2 || kernels < 2) return start;
  auto x = [&](int k, int b) { return k * fpgas + b; };
  const int columns = kernels * fpgas + edges;

  std::vector<double> col_lo(columns, 0), col_hi(columns, 1), objective(columns, 0);
  for (int e = 0; e < edges; ++e) objective[kernels * fpgas + e] = p.edges[e].weight;

  CoinPackedMatrix rows(false, 0, 0);
  std::vector<double> row_lo, row_hi;
  for (int k = 0; k < kernels; ++k) {  // each kernel on exactly one FPGA
    CoinPackedVector r;
    for (int b = 0; b < fpgas; ++b) r.insert(x(k, b), 1.0);
    rows.appendRow(r);
    row_lo.push_back(1);
    row_hi.push_back(1);
  }
  for (int b = 0; b < fpgas; ++b) {  // budgets
    for (Resource res : kResources) {
      CoinPackedVector r;
      for (int k = 0; k < kernels; ++k) {
        const std::int64_t need = p.demand[b][k][res];
        if (need > 0) r.insert(x(k, b), static_cast<double>(need));
      }
      if (r.getNumElements() == 0) continue;
      rows.appendRow(r);
      row_lo.push_back(-COIN_DBL_MAX);
      row_hi.push_back(static_cast<double>(p.budget[b][res]));
    }
  }
  for (int e = 0; e < edges; ++e) {  // y_e >= x[a][b] - x[c][b] for every FPGA b
    for (int b = 0; b < fpgas; ++b) {
      CoinPackedVector r;
      r.insert(kernels * fpgas + e, 1.0);
      r.insert(x(p.edges[e].a, b), -1.0);
      r.insert(x(p.edges[e].b, b), 1.0);
      rows.appendRow(r);
      row_lo.push_back(0);
      row_hi.push_back(COIN_DBL_MAX);
    }
  }

  OsiClpSolverInterface solver;
  solver.messageHandler()->setLogLevel(0);
  solver.loadProblem(rows, col_lo.data(), col_hi.data(), objective.data(), row_lo.data(),
                     row_hi.data());
  for (int c = 0; c < kernels * fpgas; ++c) solver.setInteger(c);

  CbcModel model(solver);
  model.setLogLevel(0);
  model.messageHandler()->setLogLevel(0);
  model.setNumberThreads(0);
  model.setRandomSeed(kSeed);
  model.setMaximumNodes(node_limit(kernels, fpgas));

  std::vector<double> warm(columns, 0);
  for (int k = 0; k < kernels; ++k) warm[x(k, start[k])] = 1;
  for (int e = 0; e < edges; ++e) {
    warm[kernels * fpgas + e] = start[p.edges[e].a] != start[p.edges[e].b] ? 1 : 0;
  }
  model.setBestSolution(warm.data(), columns, cut_weight(p, start), true);
  model.branchAndBound();

  const double* best = model.bestSolution();
  if (best == nullptr) return start;
  std::vector<int> fpga_of(kernels, -1);
  for (int k = 0; k < kernels; ++k) {
    for (int b = 0; b < fpgas; ++b) {
      if (best[x(k, b)] > 0.5) fpga_of[k] = b;
    }
  }
  // Guard against tolerance artefacts: keep the start unless the MILP answer is strictly better
  // and feasible by our own exact integer check.
  if (!feasible(p, fpga_of) || cut_weight(p, fpga_of) >= cut_weight(p, start)) return start;
  return fpga_of;
}

}  // namespace atl::map
