#include "sim/limits.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "sim/run_state.h"
#include "sim/transfer.h"

namespace atl::sim {
namespace {

constexpr double kMaxClockMhz = 1e6;  // a cycle of 1 ps, the simulator's unit of time

double mib(double bytes) {
  return bytes / (1 << 20);
}

}  // namespace

void check_simulation(const plan::Plan& plan, const Options& o) {
  const graph::Graph& g = plan.graph;
  const std::string where = fmt::format("plan (model '{}')", g.model);
  plan::validate(plan, where);
  // plan::validate leaves the devices' figures to their users: the simulator needs the clocks.
  for (std::size_t i = 0; i < plan.cluster.nodes.size(); ++i) {
    const hw::Node& node = plan.cluster.nodes[i];
    const double mhz = node.device.kernel_clock_mhz;
    if (!(mhz > 0 && mhz <= kMaxClockMhz)) {
      throw core::Error(
          fmt::format("{}: cluster.nodes[{}] ({}).device.kernel_clock_mhz must be a clock in "
                      "(0, {:.0f}] MHz (a cycle of at least 1 ps), got {}",
                      where, i, node.name, kMaxClockMhz, mhz));
    }
  }
  if (o.sequences < 1) {
    throw core::Error(fmt::format("simulate: sequences must be >= 1, got {}", o.sequences));
  }
  if (o.fifo_rows < 1 || o.fifo_rows > kMaxFifoRows || o.sequence_buffers < 1 ||
      o.sequence_buffers > kMaxSequenceBuffers) {
    throw core::Error(fmt::format(
        "simulate: fifo_rows must be in 1..{} and sequence_buffers in 1..{}, got {} and {}",
        kMaxFifoRows, kMaxSequenceBuffers, o.fifo_rows, o.sequence_buffers));
  }
  if (g.kernels.size() >= kHopBit) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("{}: {} kernels, the simulator handles fewer than {}", where,
                                  g.kernels.size(), kHopBit));
  }
  // In double: the product of hostile values must not wrap before it is compared.
  const double per_sequence =
      static_cast<double>(g.kernels.size()) * static_cast<double>(g.seq_len);
  const double rows = per_sequence * static_cast<double>(o.sequences);
  const double limit = static_cast<double>(kMaxKernelRows);
  if (rows > limit) {
    const std::string advice = per_sequence > limit
                                   ? std::string("one sequence of this plan is already over it")
                                   : fmt::format("simulate at most {:.0f} sequences of this plan",
                                                 std::floor(limit / per_sequence));
    throw core::Error(
        core::ErrorKind::does_not_fit,
        fmt::format("simulate: {} sequences of {} rows through {} kernels are {:.4g} kernel rows "
                    "per run, over the simulator's limit of {} (2^30, about two minutes); {}",
                    o.sequences, g.seq_len, g.kernels.size(), rows, kMaxKernelRows, advice));
  }
}

void check_time(const plan::Plan& plan, const Network& net, const Model& model, std::int64_t rows) {
  const graph::Graph& g = plan.graph;
  double per_row = 0;  // ps
  int slowest = 0;
  for (std::size_t k = 0; k < model.kernels.size(); ++k) {
    const KernelModel& km = model.kernels[k];
    per_row += static_cast<double>(km.cpt) + static_cast<double>(km.fill);
    const KernelModel& worst = model.kernels[slowest];
    if (km.cpt + km.fill > worst.cpt + worst.fill) slowest = static_cast<int>(k);
  }
  std::vector<double> link_bytes(net.links.size(), 0);
  for (const Group& grp : model.groups) {
    per_row += static_cast<double>(grp.outport);
    for (int l : grp.route) {
      per_row += static_cast<double>(grp.ser_first) + static_cast<double>(net.links[l].latency);
      link_bytes[l] += static_cast<double>(grp.bytes_first);
    }
  }
  const double n = static_cast<double>(rows), limit = static_cast<double>(kMaxTime);
  if (per_row * n > limit) {
    const KernelModel& km = model.kernels[slowest];
    throw core::Error(
        core::ErrorKind::does_not_fit,
        fmt::format("simulation of plan '{}': {} rows per kernel could take up to {:g} ps, past "
                    "the simulator's limit of 2^62 ps (53 days of simulated time); the slowest "
                    "kernel is '{}' ({} ps per row on node {})",
                    g.model, rows, per_row * n, g.kernels[slowest].name, km.cpt + km.fill,
                    plan.cluster.nodes[plan.node_of_kernel[slowest]].name));
  }
  for (std::size_t l = 0; l < link_bytes.size(); ++l) {
    if (link_bytes[l] * n > limit) {
      throw core::Error(core::ErrorKind::does_not_fit,
                        fmt::format("simulation of plan '{}': link {} would carry {:g} bytes, "
                                    "over the simulator's limit of 2^62",
                                    g.model, net.links[l].name, link_bytes[l] * n));
    }
  }
}

void check_memory(const plan::Plan& plan, const Model& model, const Options& options) {
  const graph::Graph& g = plan.graph;
  const double S = static_cast<double>(model.seq_len);
  double fifos = 0;  // two rings of Picos per stream
  std::size_t largest = 0;
  for (std::size_t i = 0; i < model.streams.size(); ++i) {
    fifos += 2.0 * sizeof(Picos) * static_cast<double>(model.streams[i].capacity);
    if (model.streams[i].capacity > model.streams[largest].capacity) largest = i;
  }
  const double record =
      S * (static_cast<double>(model.kernels.size()) * (sizeof(Picos) + sizeof(Cause)) +
           static_cast<double>(model.streams.size()) * 2.0 * sizeof(Picos));
  const double sequences = 3.0 * sizeof(Picos) * static_cast<double>(options.sequences);
  const double total = fifos + record + sequences;
  if (total <= static_cast<double>(kMaxBufferBytes)) return;
  std::string fifo_note;
  if (!model.streams.empty()) {
    const StreamModel& s = model.streams[largest];
    fifo_note = fmt::format(", the largest stream {} -> {} holding {} rows",
                            g.kernels[s.producer].name, g.kernels[s.consumer].name, s.capacity);
  }
  throw core::Error(
      core::ErrorKind::does_not_fit,
      fmt::format("simulation of plan '{}' needs {:.0f} MiB: {:.0f} MiB of stream FIFOs{}, "
                  "{:.0f} MiB to record the latency run and {:.0f} MiB of per-sequence times; "
                  "the simulator's limit is {} MiB",
                  g.model, mib(total), mib(fifos), fifo_note, mib(record), mib(sequences),
                  kMaxBufferBytes >> 20));
}

}  // namespace atl::sim
