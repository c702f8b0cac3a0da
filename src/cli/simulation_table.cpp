#include "cli/simulation_table.h"

#include <fmt/format.h>

namespace atl::cli {

void print_simulation(const plan::Plan& plan, const sim::Result& r) {
  const double latency_us = static_cast<double>(r.latency) / 1e6;
  fmt::print(
      "latency (one sequence): {:.2f} us   analytic estimate: {:.2f} us ({:+.1f} %)\n", latency_us,
      plan.estimate.latency_us,
      plan.estimate.latency_us > 0 ? (latency_us / plan.estimate.latency_us - 1) * 100 : 0.0);
  fmt::print("throughput ({} sequences): {:.1f} seq/s   analytic estimate: {:.1f} seq/s\n",
             r.sequences, r.throughput_seq_per_s, plan.estimate.throughput_seq_per_s);
  fmt::print("critical path:");
  for (const sim::PathStep& s : r.critical_path) {
    fmt::print(" {}[{}..{}]", s.name, s.first_row, s.last_row);
  }
  fmt::print("\nevents: {}\n", r.events);
}

}  // namespace atl::cli
