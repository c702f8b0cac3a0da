// simulate(): checks, builds the model, runs one sequence alone (latency, critical path) and
// then `sequences` back to back (throughput, utilisation), and gathers the results.
#include <utility>

#include "plan/check.h"
#include "sim/critical_path.h"
#include "sim/limits.h"
#include "sim/model.h"
#include "sim/network.h"
#include "sim/run.h"
#include "sim/sim.h"

namespace atl::sim {

Result simulate(const plan::Plan& plan, const Options& options) {
  plan::require_encoder(plan, "simulate");
  check_simulation(plan, options);
  const Network net = build_network(plan.cluster);
  const Model model = build_model(plan, net, options);
  check_memory(plan, model, options);
  const graph::Graph& g = plan.graph;
  const std::int64_t S = g.seq_len;

  Result res;
  res.ideal_network = options.ideal_network;
  res.sequences = options.sequences;
  res.kernels.resize(g.kernels.size());
  {
    // Latency: one sequence alone in the cluster, recording what bound every row.
    Options quiet = options;
    quiet.progress = nullptr;
    Run alone(g, model, net, quiet, 1, true);
    alone.run();
    res.latency = alone.done()[0] - alone.injected()[0];
    res.critical_path = critical_path(g, net, model, alone.recording());
    res.events = alone.events();
    const std::vector<Picos>& accept = alone.recording().accept;
    for (std::size_t k = 0; k < g.kernels.size(); ++k) {
      const KernelModel& km = model.kernels[k];
      res.kernels[k].first_start = accept[k * S];
      res.kernels[k].last_end = accept[k * S + S - 1] + km.cpt + km.fill;
    }
  }

  // Throughput and utilisation: `sequences` back to back.
  Run stream(g, model, net, options, options.sequences, false);
  stream.run();
  res.events += stream.events();
  const auto& done = stream.done();
  const auto& injected = stream.injected();
  const std::int64_t n = options.sequences;
  res.makespan = done[n - 1] - injected[0];
  res.sequence_done = done;
  if (n == 1) {
    res.throughput_seq_per_s = 1e12 / static_cast<double>(res.latency);
  } else {
    // Steady state: the second half of the stream, after the pipeline has filled.
    const std::int64_t h = (n - 1) / 2;
    res.throughput_seq_per_s =
        static_cast<double>(n - 1 - h) * 1e12 / static_cast<double>(done[n - 1] - done[h]);
  }
  double sum = 0;
  for (std::int64_t s = 0; s < n; ++s) sum += static_cast<double>(done[s] - injected[s]);
  res.mean_latency_in_stream_us = sum / static_cast<double>(n) / 1e6;

  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    const KernelRun& ks = stream.kernels()[k];
    KernelStats& st = res.kernels[k];
    st.name = g.kernels[k].name;
    st.node = plan.node_of_kernel[k];
    st.rows = ks.next_row;
    st.busy = ks.busy;
    st.starved = ks.starved;
    st.blocked = ks.blocked;
  }
  const Transfers& links = stream.transfers();
  for (std::size_t l = 0; l < net.links.size(); ++l) {
    LinkStats ls;
    ls.name = net.links[l].name;
    ls.busy = links.busy()[l];
    ls.bytes = links.bytes()[l];
    ls.rows = links.rows()[l];
    ls.utilisation = res.makespan > 0 ? static_cast<double>(ls.busy) / res.makespan : 0;
    res.links.push_back(std::move(ls));
  }
  return res;
}

}  // namespace atl::sim
