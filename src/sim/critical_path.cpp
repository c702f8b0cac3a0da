#include "sim/critical_path.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace atl::sim {

std::vector<PathStep> critical_path(const graph::Graph& g, const Network& net, const Model& m,
                                    const Recording& rec) {
  const std::int64_t S = m.seq_len;
  std::vector<PathStep> steps;  // built backwards
  int k = m.sink;
  std::int64_t row = S - 1;
  auto kernel_step = [&](int kk, std::int64_t rr) {
    const Picos start = rec.accept[kk * S + rr];
    const Picos end = start + m.kernels[kk].cpt + m.kernels[kk].fill;
    if (!steps.empty() && steps.back().kind == StepKind::kernel &&
        steps.back().name == g.kernels[kk].name) {
      steps.back().first_row = rr;
      steps.back().start = start;
      return;
    }
    steps.push_back({StepKind::kernel, g.kernels[kk].name, rr, rr, start, end});
  };
  for (std::int64_t guard = 0; guard < static_cast<std::int64_t>(m.kernels.size()) * S * 4;
       ++guard) {
    kernel_step(k, row);
    const Cause& c = rec.cause[k * S + row];
    if (c.kind == CauseKind::none) break;
    if (c.kind == CauseKind::self || c.kind == CauseKind::outport) {
      --row;
    } else if (c.kind == CauseKind::input) {
      const StreamModel& st = m.streams[c.stream];
      const Group& grp = m.groups[st.group];
      std::string name;
      if (grp.route.empty()) {
        name = fmt::format("{} -> {}", g.kernels[st.producer].name, g.kernels[st.consumer].name);
      } else {
        for (int l : grp.route) name += (name.empty() ? "" : ", ") + net.links[l].name;
      }
      steps.push_back({grp.route.empty() ? StepKind::stream : StepKind::link, name, c.row, c.row,
                       rec.depart[c.stream * S + c.row], rec.arrive[c.stream * S + c.row]});
      k = st.producer;
      row = c.row;
    } else {  // output: the consumer freeing room
      k = m.streams[c.stream].consumer;
      row = c.row;
    }
    if (row < 0) break;
  }
  std::reverse(steps.begin(), steps.end());
  return steps;
}

}  // namespace atl::sim
