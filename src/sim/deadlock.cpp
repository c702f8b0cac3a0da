#include "sim/deadlock.h"

#include <fmt/format.h>

#include <string>

namespace atl::sim {

core::Error deadlock_error(const graph::Graph& g, const std::vector<KernelRun>& kernels,
                           std::int64_t total_rows, std::int64_t delivered, Picos now) {
  std::string waiting;
  int listed = 0;
  for (std::size_t k = 0; k < kernels.size() && listed < 5; ++k) {
    const KernelRun& ks = kernels[k];
    if (ks.next_row == total_rows) continue;
    const Cause& b = ks.blocker;
    std::string on = "nothing";
    if (b.stream >= 0) {
      const graph::Stream& s = g.streams[b.stream];
      on = fmt::format("{} row {} of stream {} -> {}",
                       b.kind == CauseKind::input ? "input" : "room for", b.row,
                       g.kernels[s.producer].name, g.kernels[s.consumer].name);
    }
    waiting += fmt::format("{}{} at row {} waits for {}", listed ? "; " : "", g.kernels[k].name,
                           ks.next_row, on);
    ++listed;
  }
  return core::Error(
      fmt::format("simulation of plan '{}' deadlocked at {} ps with {} of {} rows delivered: {}",
                  g.model, now, delivered, total_rows, waiting));
}

}  // namespace atl::sim
