#include "platform/ports.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace atl::platform {

std::size_t InPort::row_bytes() const {
  if (sources.empty()) return 0;
  if (reduce) return sources.front().row_bytes;
  std::size_t total = 0;
  for (const Source& s : sources) total += s.row_bytes;
  return total;
}

IdWidth id_width(const plan::Plan& plan) {
  return plan.galapagos_compatible_ids ? IdWidth::galapagos8 : IdWidth::wide32;
}

Wiring wire(const plan::Plan& plan, std::int64_t tokens) {
  const graph::Graph& g = plan.graph;
  if (tokens < 1 || tokens > g.seq_len) {
    throw core::Error(fmt::format("plan '{}': {} tokens per sequence, the graph holds 1..{}",
                                  g.model, tokens, g.seq_len));
  }
  Wiring w;
  w.id_width = id_width(plan);
  w.max_rows = static_cast<std::uint32_t>(g.seq_len);
  w.node_of_id = plan::routing_table(plan);
  w.kernels.resize(g.kernels.size());
  // A row's bytes on the wire: per-token figures from the graph, except that attention
  // probabilities have one column per token actually present.
  auto row_bytes = [&](int producer, std::int64_t graph_bytes) {
    return static_cast<std::size_t>(
        g.kernels[producer].role == graph::Role::attention ? tokens : graph_bytes);
  };
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    KernelPorts& kp = w.kernels[k];
    kp.kernel = static_cast<int>(k);
    kp.id = plan.kernel_id[k];
    kp.node = plan.node_of_kernel[k];
    kp.out_row_bytes = row_bytes(static_cast<int>(k), g.kernels[k].out_bytes_per_token);
  }
  for (const graph::Stream& s : g.streams) {
    KernelPorts& consumer = w.kernels[s.consumer];
    KernelPorts& producer = w.kernels[s.producer];
    if (consumer.inputs.size() <= static_cast<std::size_t>(s.port))
      consumer.inputs.resize(s.port + 1);
    InPort& in = consumer.inputs[s.port];
    const std::size_t bytes = row_bytes(s.producer, s.bytes_per_token);
    in.sources.push_back({s.producer, producer.id, bytes});
    in.reduce = s.pattern == graph::Pattern::reduce;
    in.lanes = g.kernels[s.producer].out_dtype == core::DType::i32 ? Lanes::i32 : Lanes::i8;
    producer.children.push_back({consumer.id, 0, bytes});
    producer.child_kernels.push_back(s.consumer);
  }
  for (KernelPorts& kp : w.kernels) {
    const std::string& name = g.kernels[kp.kernel].name;
    std::size_t next = 0;  // the next scatter chunk starts here
    for (Chunk& c : kp.children) {
      if (c.bytes == kp.out_row_bytes) continue;  // a whole-row copy (bcast / send)
      c.offset = next;
      next += c.bytes;
      if (next > kp.out_row_bytes) {
        throw core::Error(fmt::format("kernel '{}': scatter chunks need {} bytes of a {}-byte row",
                                      name, next, kp.out_row_bytes));
      }
    }
    // Packets are told apart by TID alone, so one producer may feed a consumer only once.
    for (std::size_t a = 0; a < kp.child_kernels.size(); ++a) {
      for (std::size_t b = a + 1; b < kp.child_kernels.size(); ++b) {
        if (kp.child_kernels[a] == kp.child_kernels[b]) {
          throw core::Error(fmt::format(
              "kernel '{}' feeds kernel '{}' through two streams; its packets could not be told "
              "apart by TID",
              name, g.kernels[kp.child_kernels[a]].name));
        }
      }
    }
    for (std::size_t p = 0; p < kp.inputs.size(); ++p) {
      InPort& in = kp.inputs[p];
      if (in.sources.empty()) {
        throw core::Error(fmt::format("kernel '{}': input port {} has no source", name, p));
      }
      std::sort(in.sources.begin(), in.sources.end(),
                [](const Source& a, const Source& b) { return a.id < b.id; });
      if (in.reduce && std::any_of(in.sources.begin(), in.sources.end(), [&](const Source& s) {
            return s.row_bytes != in.sources.front().row_bytes;
          })) {
        throw core::Error(
            fmt::format("kernel '{}': reduce on port {} over rows of different sizes", name, p));
      }
    }
  }
  return w;
}

}  // namespace atl::platform
