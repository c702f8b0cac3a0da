// build_report(): simulate, extend to the full model, compare.
#include <fmt/format.h>

#include <set>

#include "core/error.h"
#include "report/report.h"

namespace atl::report {
namespace {

// Grades are one letter; assigning a one-character literal to a std::string trips GCC 12's bogus
// -Wrestrict (GCC bug 105329), a std::string literal does not.
using namespace std::string_literals;

bool is_endpoint(const graph::Kernel& k) {
  return graph::is_endpoint(k.role);
}

FpgaResult fpga_result(const plan::Plan& plan, const sim::Result& r, const std::string& label) {
  FpgaResult f;
  f.label = label;
  const std::string family = model_family(plan.graph);
  f.model = family.empty() ? plan.graph.model : family;
  f.layers = plan.graph.layers;
  f.seq_len = plan.graph.seq_len;
  std::set<int> used;
  for (std::size_t k = 0; k < plan.graph.kernels.size(); ++k) {
    if (!is_endpoint(plan.graph.kernels[k])) used.insert(plan.node_of_kernel[k]);
  }
  f.fpgas = static_cast<int>(used.size());
  double watts = 0;
  for (int n : used) watts += plan.cluster.nodes[n].device.board_power_w;
  f.board_power_w = f.fpgas > 0 ? watts / f.fpgas : 0;
  f.latency_ms = static_cast<double>(r.latency) / 1e9;
  f.analytic_latency_ms = plan.estimate.latency_us / 1e3;
  f.throughput_seq_per_s = r.throughput_seq_per_s;
  f.energy_mj = watts * f.latency_ms;
  f.energy_stream_mj = r.throughput_seq_per_s > 0 ? watts / r.throughput_seq_per_s * 1e3 : 0;
  f.work = work_of(plan.graph);
  return f;
}

}  // namespace

std::string model_family(const graph::Graph& graph) {
  // The published BERT shapes (Devlin et al.): base 768 wide, 12 heads; large 1024, 16 heads.
  if (graph.hidden == 768 && graph.heads == 12 && graph.intermediate == 3072) return "bert-base";
  if (graph.hidden == 1024 && graph.heads == 16 && graph.intermediate == 4096) return "bert-large";
  return "";
}

std::int64_t family_layers(const std::string& family) {
  if (family == "bert-base") return 12;
  if (family == "bert-large") return 24;
  return 0;
}

std::vector<Comparison> compare(const FpgaResult& fpga, const Baselines& baselines,
                                const Inputs& inputs) {
  std::vector<Comparison> out;
  auto ratios = [&](Comparison& c) {
    if (!c.comparable) return;
    const bool batch1 = c.batch && *c.batch == 1;
    if (c.latency_ms && batch1 && fpga.latency_ms > 0) {
      c.latency_speedup = *c.latency_ms / fpga.latency_ms;
    }
    if (c.throughput_seq_per_s && fpga.throughput_seq_per_s > 0) {
      c.throughput_ratio = fpga.throughput_seq_per_s / *c.throughput_seq_per_s;
    }
    if (c.energy_mj) {
      const double ours = batch1 ? fpga.energy_mj : fpga.energy_stream_mj;
      if (ours > 0) c.energy_ratio = *c.energy_mj / ours;
    }
  };
  for (const Baseline& b : baselines.entries) {
    // Same model, or a result whose batching the submitter chose (MLPerf): shown for reference.
    if (b.model != fpga.model && b.batch) continue;
    std::optional<double> throughput = b.throughput_seq_s, energy;
    if (!throughput && b.latency_ms && b.batch) {
      throughput = static_cast<double>(*b.batch) * 1e3 / *b.latency_ms;
    }
    if (b.batch && *b.batch == 1 && b.latency_ms) {
      energy = b.power_w * *b.latency_ms;
    } else if (throughput) {
      energy = b.power_w / *throughput * 1e3;
    }
    // Built whole: assigned member by member, GCC 12 at -O2 warned that `kind` may be used
    // uninitialized (-Wmaybe-uninitialized), a false positive it could not see through.
    Comparison c{.name = b.name,
                 .kind = b.kind,
                 .device = b.device,
                 .model = b.model,
                 .seq_len = b.seq_len,
                 .batch = b.batch,
                 .latency_ms = b.latency_ms,
                 .throughput_seq_per_s = throughput,
                 .power_w = b.power_w,
                 .energy_mj = energy,
                 .comparable = b.model == fpga.model && b.seq_len == fpga.seq_len,
                 .latency_speedup = std::nullopt,
                 .throughput_ratio = std::nullopt,
                 .energy_ratio = std::nullopt,
                 .grade = b.grade,
                 .source = b.source,
                 .note = b.note};
    ratios(c);
    out.push_back(std::move(c));
  }
  for (const PeakDevice& d : baselines.devices) {
    Comparison c;
    c.name = "roofline " + d.name;
    c.kind = SystemKind::roofline;
    c.device = d.name;
    c.model = fpga.model;
    c.seq_len = fpga.seq_len;
    c.batch = 1;
    c.latency_ms = roofline_ms(fpga.work, d);
    c.throughput_seq_per_s = 1e3 / *c.latency_ms;
    c.power_w = d.tdp_w;
    c.energy_mj = d.tdp_w * *c.latency_ms;
    c.comparable = true;
    c.grade = "D"s;
    c.source = d.source;
    c.note = fmt::format(
        "max(2 x {:.4g} MAC / {} TOPS, {:.4g} MB / {} GB/s): a lower bound, not a "
        "measurement",
        fpga.work.macs, d.int8_tops_dense, fpga.work.weight_bytes / 1e6, d.mem_gbps);
    ratios(c);
    out.push_back(std::move(c));
  }
  if (inputs.cpu_ms) {
    Comparison c;
    c.name = "local CPU (atoll infer)";
    c.kind = SystemKind::local;
    c.device = "this machine";
    c.model = fpga.model;
    c.seq_len = fpga.seq_len;
    c.batch = 1;
    c.latency_ms = *inputs.cpu_ms;
    c.throughput_seq_per_s = 1e3 / *inputs.cpu_ms;
    if (inputs.cpu_w) {
      c.power_w = *inputs.cpu_w;
      c.energy_mj = *inputs.cpu_w * *inputs.cpu_ms;
    }
    c.comparable = true;
    c.grade = "M"s;
    c.source = "atoll infer (given with --cpu-ms)";
    c.note = "the bit-exact integer reference on this machine; assumed to be the same model";
    ratios(c);
    out.push_back(std::move(c));
  }
  return out;
}

Report build_report(const plan::Plan& plan, const Baselines& baselines, const Inputs& inputs) {
  Report rep;
  rep.inputs = inputs;
  rep.plan = plan;
  sim::Options options;
  options.sequences = inputs.sequences;
  rep.sim = sim::simulate(plan, options);
  sim::Options ideal;
  ideal.ideal_network = true;
  rep.ideal_sim = sim::simulate(plan, ideal);

  const std::int64_t full = family_layers(model_family(plan.graph));
  std::string why_not;
  if (full > plan.graph.layers) {
    try {
      const plan::Plan deep = replicate_layers(plan, full);
      const sim::Result r = sim::simulate(deep, options);
      const int fpgas = static_cast<int>(deep.cluster.nodes.size());
      rep.fpga = fpga_result(
          deep, r,
          fmt::format("{} layers on {} x {} (the plan's {}-layer split repeated per layer)", full,
                      fpgas, plan.cluster.nodes.front().device.name, plan.graph.layers));
    } catch (const core::Error& e) {
      // A graph not built by the encoder builder cannot be deepened; compare it as it is.
      why_not = fmt::format("; not extended to {} layers: {}", full, e.what());
    }
  }
  if (rep.fpga.label.empty()) {
    rep.fpga = fpga_result(
        plan, rep.sim, fmt::format("the plan as given ({} layers){}", plan.graph.layers, why_not));
  }
  rep.comparisons = compare(rep.fpga, baselines, inputs);
  return rep;
}

}  // namespace atl::report
