#include "sim/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "core/error.h"
#include "cost/cost.h"
#include "cost/estimate.h"
#include "sim/limits.h"
#include "sim/picos.h"

namespace atl::sim {
namespace {

[[noreturn]] void out_of_range(const std::string& what, double ps) {
  throw core::Error(core::ErrorKind::does_not_fit,
                    fmt::format("{} take {:g} ps, outside the simulator's range of 0..2^62 ps "
                                "(53 days of simulated time)",
                                what, ps));
}

// `cycles` at the clock of `node` in picoseconds: every duration is converted once, rounded.
Picos cycles_to_ps(std::int64_t cycles, const hw::Node& node, std::string_view owner,
                   std::string_view what) {
  const double mhz = node.device.kernel_clock_mhz;
  const double ps = static_cast<double>(cycles) * 1e6 / mhz;
  if (const auto t = to_picos(ps)) return *t;
  out_of_range(fmt::format("{}: {} {} at {} MHz (node {}, device '{}')", owner, cycles, what, mhz,
                           node.name, node.device.name),
               ps);
}

// a + b for the sums of durations and byte counts of a transfer group, which stay below kMaxTime.
std::int64_t add(std::int64_t a, std::int64_t b, const graph::Graph& g, const Group& grp,
                 std::string_view what) {
  if (b >= 0 && a <= kMaxTime - b) return a + b;
  throw core::Error(
      core::ErrorKind::does_not_fit,
      fmt::format("kernel '{}': {} of its rows to node {} add up to more than 2^62 (got {} + {})",
                  g.kernels[grp.producer].name, what, grp.dst_node, a, b));
}

}  // namespace

Model build_model(const plan::Plan& plan, const Network& net, const Options& opt) {
  const graph::Graph& g = plan.graph;
  const std::int64_t S = g.seq_len;
  const int nk = static_cast<int>(g.kernels.size());
  Model m;
  m.seq_len = S;
  m.kernels.resize(nk);
  // The same per-kernel costs as the analytic estimate (source and sink, the host's ends, cost
  // nothing), so the two models differ only in how they combine them.
  const std::vector<cost::KernelCost> costs =
      cost::kernel_costs(g, plan.cluster, plan.node_of_kernel);
  for (int k = 0; k < nk; ++k) {
    const graph::Kernel& kernel = g.kernels[k];
    const hw::Node& node = plan.cluster.nodes[plan.node_of_kernel[k]];
    const cost::KernelCost& c = costs[k];
    const std::string owner = fmt::format("kernel '{}'", kernel.name);
    m.kernels[k].cpt = cycles_to_ps(c.cycles_per_token, node, owner, "cycles per row");
    m.kernels[k].fill = cycles_to_ps(c.fill_cycles, node, owner, "fill cycles");
    m.kernels[k].waits_port1 = c.waits_for_port1_sequence;
    if (graph::is_sink(kernel.role)) m.sink = k;
    if (graph::is_source(kernel.role)) m.source = k;
  }

  m.streams.resize(g.streams.size());
  for (std::size_t i = 0; i < g.streams.size(); ++i) {
    const graph::Stream& s = g.streams[i];
    StreamModel& st = m.streams[i];
    st.producer = s.producer;
    st.consumer = s.consumer;
    const bool consumer_buffers = m.kernels[s.consumer].waits_port1;
    st.whole_sequence = consumer_buffers && s.port == 1;
    st.capacity = (s.port == 1 || consumer_buffers) ? opt.sequence_buffers * S : opt.fifo_rows;
    m.kernels[s.consumer].inputs.push_back(static_cast<int>(i));

    // Find or open the producer's group for the consumer's node.
    const int dst = plan.node_of_kernel[s.consumer];
    KernelModel& pk = m.kernels[s.producer];
    int gi = -1;
    for (int cand : pk.groups) {
      if (m.groups[cand].dst_node == dst) gi = cand;
    }
    if (gi < 0) {
      gi = static_cast<int>(m.groups.size());
      Group fresh;
      fresh.producer = s.producer;
      fresh.dst_node = dst;
      m.groups.push_back(std::move(fresh));
      pk.groups.push_back(gi);
    }
    Group& grp = m.groups[gi];
    grp.streams.push_back(static_cast<int>(i));
    st.group = gi;

    const int src = plan.node_of_kernel[s.producer];
    const hw::Node& snode = plan.cluster.nodes[src];
    cost::StreamCost on_chip = cost::stream_cost(s, g, plan.cluster.network, 0);
    const std::string owner = fmt::format("stream {} ({} -> {})", i, g.kernels[s.producer].name,
                                          g.kernels[s.consumer].name);
    grp.outport = add(
        grp.outport,
        cycles_to_ps(on_chip.on_chip_cycles_per_token, snode, owner, "output port cycles per row"),
        g, grp, "output port times");
    if (src != dst && !opt.ideal_network) {
      cost::StreamCost wire =
          cost::stream_cost(s, g, plan.cluster.network, hw::hops(plan.cluster, src, dst));
      if (grp.route.empty()) grp.route = net.route(src, dst);
      grp.bytes = add(grp.bytes, wire.wire_bytes_per_token, g, grp, "wire bytes");
      grp.bytes_first =
          add(grp.bytes_first,
              add(wire.wire_bytes_per_token, wire.message_header_flits * 64, g, grp, "wire bytes"),
              g, grp, "wire bytes");
    }
  }
  // A link that carries one producer's rows only sees them in that producer's order.
  std::vector<int> owner(net.links.size(), -1);
  for (const Group& grp : m.groups) {
    for (int l : grp.route)
      owner[l] = owner[l] == -1 || owner[l] == grp.producer ? grp.producer : -2;
  }
  m.private_link.assign(net.links.size(), false);
  for (std::size_t l = 0; l < owner.size(); ++l) m.private_link[l] = owner[l] >= 0;
  for (Group& grp : m.groups) {
    if (grp.route.empty()) continue;
    const Link& first = net.links[grp.route.front()];
    auto serialise = [&](std::int64_t bytes) {
      const double ps = static_cast<double>(bytes) * first.ps_per_byte;
      if (const auto t = to_picos(ps)) return *t;
      out_of_range(fmt::format("kernel '{}': rows of {} bytes to node {} on link {}",
                               g.kernels[grp.producer].name, bytes, grp.dst_node, first.name),
                   ps);
    };
    grp.ser = serialise(grp.bytes);
    grp.ser_first = serialise(grp.bytes_first);
  }
  // Every duration is known: the rest of the build and the runs add them up.
  check_time(plan, net, m, opt.sequences * S);

  for (const Group& grp : m.groups) {
    if (grp.route.empty()) continue;
    // Galapagos sends UDP with no flow control across the network, so a receive FIFO must hold
    // what is in flight (the bandwidth-delay product) or it drops packets. Credits here count
    // rows in flight, so a network stream gets that many rows on top of its FIFO depth; without
    // them a fast producer would be throttled to one FIFO-full per hop round trip.
    Picos latency = grp.ser;
    for (int l : grp.route) latency += net.links[l].latency;
    const Picos interval = std::max({m.kernels[grp.producer].cpt, grp.ser, grp.outport, Picos{1}});
    for (int si : grp.streams) m.streams[si].capacity += (latency + interval - 1) / interval;
  }
  return m;
}

}  // namespace atl::sim
