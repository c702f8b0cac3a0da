#include "cli/plan_table.h"

#include <fmt/format.h>

#include <vector>

#include "graph/architecture.h"
#include "hw/aie.h"

namespace atl::cli {
namespace {

double percent(std::int64_t used, std::int64_t have) {
  return have > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(have) : 0.0;
}

// "l0.q l0.k l0.v" for a few kernels, "first .. last (n)" for many.
std::string kernel_list(const plan::Plan& p, std::size_t node) {
  std::vector<std::string> names;
  for (std::size_t k = 0; k < p.graph.kernels.size(); ++k) {
    if (p.node_of_kernel[k] == static_cast<int>(node)) names.push_back(p.graph.kernels[k].name);
  }
  if (names.empty()) return "-";
  if (names.size() <= 4) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : " ") + n;
    return s;
  }
  return fmt::format("{} .. {} ({})", names.front(), names.back(), names.size());
}

}  // namespace

void print_plan(const plan::Plan& p) {
  // AI Engine columns only for clusters with AI Engines: usable tiles and PL-to-AIE streams used.
  bool aie = false;
  for (const hw::Node& n : p.cluster.nodes) aie = aie || hw::has_aie(n.device);
  fmt::print("{:<10} {:<16} {:>6} {:>6} {:>6} {:>6}{}  {:>12}  {}\n", "node", "board", "DSP%",
             "LUT%", "BRAM%", "URAM%", aie ? fmt::format(" {:>6} {:>6}", "AIE%", "PLIO%") : "",
             "cycles/token", "kernels");
  for (std::size_t n = 0; n < p.cluster.nodes.size(); ++n) {
    const hw::Device& d = p.cluster.nodes[n].device;
    const plan::NodeEstimate& e = p.estimate.nodes[n];
    const hw::Resources have = hw::capacity(d);
    fmt::print(
        "{:<10} {:<16} {:>6.1f} {:>6.1f} {:>6.1f} {:>6.1f}{}  {:>12.0f}  {}\n",
        p.cluster.nodes[n].name, d.name, percent(e.resources.dsp, d.resources.dsp),
        percent(e.resources.lut, d.resources.lut),
        percent(e.resources.bram_bytes, d.resources.bram_bytes),
        percent(e.resources.uram_bytes, d.resources.uram_bytes),
        aie ? fmt::format(" {:>6.1f} {:>6.1f}", percent(e.resources.aie_tiles, have.aie_tiles),
                          percent(e.resources.plio_in, have.plio_in))
            : "",
        e.cycles_per_token, kernel_list(p, n));
  }
}

void print_knobs(const graph::Graph& g) {
  const graph::KnobMap knobs = graph::knobs_of(g);
  for (graph::Role role : graph::compute_roles(g.architecture)) {
    const graph::RoleKnobs& rk = knobs[role];
    const auto& types = graph::stage_types(role);
    std::string stages;
    for (std::size_t i = 0; i < types.size(); ++i) {
      const graph::Knobs& k = rk.stages[i];
      const bool matmul =
          types[i] == graph::StageType::linear || types[i] == graph::StageType::w8a8_linear;
      const bool pe_only = types[i] == graph::StageType::attention_matmul ||
                           types[i] == graph::StageType::softmax_matmul ||
                           types[i] == graph::StageType::decoder_attention;
      stages += fmt::format("{}{} {}", i ? " | " : "", graph::to_string(types[i]),
                            k.aie > 0 ? fmt::format("aie {}", k.aie)
                            : matmul  ? fmt::format("tile {} pe {}", k.tile, k.pe)
                            : pe_only ? fmt::format("pe {}", k.pe)
                                      : fmt::format("unroll {}", k.unroll));
    }
    fmt::print("  {:<10} x{:<3} {}\n", graph::to_string(role), rk.partition, stages);
  }
}

void print_estimate(const std::string& label, const cost::Estimate& e) {
  fmt::print("{:<46} latency {:>10.1f} us   throughput {:>10.1f} seq/s\n", label, e.latency_us,
             e.throughput_seq_per_s);
}

}  // namespace atl::cli
