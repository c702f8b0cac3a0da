#include "platform/ports.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/error.h"
#include "graph/arch_ibert.h"

namespace atl::platform {
namespace {

using plan::CommOp;
using plan::GalapagosAddress;
using plan::GalapagosKind;

// Addresses as a task's lists name them: every host address is the host.
bool same(GalapagosAddress a, GalapagosAddress b) {
  return a == b || (a.cluster == GalapagosAddress::kHost && b.cluster == GalapagosAddress::kHost);
}

int graph_kernel_of(const graph::Graph& g, graph::Role role) {
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    if (g.kernels[k].role == role) return static_cast<int>(k);
  }
  throw core::Error(fmt::format("plan '{}': the graph has no {} kernel", g.model, to_string(role)));
}

class Wirer {
 public:
  Wirer(const plan::Plan& plan, const plan::Galapagos& numbering, std::int64_t tokens)
      : plan_(plan), g_(plan.graph), tokens_(tokens) {
    w_.max_rows = static_cast<std::uint32_t>(g_.seq_len);
    add_kernels(numbering);
    add_host();
    add_senders();
    out_.assign(w_.tasks.size(), kUnknown);
    for (std::size_t t = 0; t < w_.tasks.size(); ++t) connect(w_.tasks[t]);
    for (const TaskPorts& t : w_.tasks) {
      if (t.kind == TaskKind::compute) check_against_graph(t);
    }
  }

  Wiring take() && { return std::move(w_); }

 private:
  static constexpr std::size_t kUnknown = ~std::size_t{0}, kBusy = kUnknown - 1;

  void add_kernels(const plan::Galapagos& numbering) {
    for (std::size_t c = 0; c < numbering.clusters.size(); ++c) {
      for (const plan::GalapagosKernel& k : numbering.clusters[c].kernels) {
        const GalapagosAddress a{static_cast<int>(c), k.id};
        add_route(w_.routes, a, k.node);
        if (k.kind == GalapagosKind::gmi) continue;
        TaskPorts t;
        t.address = a;
        t.node = k.node;
        t.op = k.op;
        if (k.kind == GalapagosKind::compute) {
          t.kind = TaskKind::compute;
          if (k.graph_kernel < 0 || k.graph_kernel >= static_cast<int>(g_.kernels.size())) {
            throw core::Error(
                fmt::format("Galapagos {}: compute kernel of graph kernel {}, the "
                            "graph has {} kernels",
                            to_string(a), k.graph_kernel, g_.kernels.size()));
          }
          t.graph_kernel = k.graph_kernel;
          t.name = g_.kernels[static_cast<std::size_t>(k.graph_kernel)].name;
          const int placed = plan_.node_of_kernel[static_cast<std::size_t>(k.graph_kernel)];
          if (k.node != placed) {
            throw core::Error(fmt::format(
                "Galapagos {}: compute kernel '{}' is on node index {}, the plan places it on {}",
                to_string(a), t.name, k.node, placed));
          }
        } else {
          t.kind = TaskKind::comm;
          t.name = fmt::format("{} kernel {} ({}) of Galapagos cluster {}", to_string(k.kind), k.id,
                               to_string(k.op), c);
        }
        for (const GalapagosAddress& d : k.dests) t.dests.push_back({d, 0});
        index_[a] = static_cast<int>(w_.tasks.size());
        w_.tasks.push_back(std::move(t));
        listed_.push_back(k.sources);
      }
    }
  }

  // The feed sends to the one kernel that names the host as a source; the drain receives what
  // the one kernel that names the host as a dest sends.
  void add_host() {
    TaskPorts feed;
    feed.address = {GalapagosAddress::kHost, 0};
    feed.kind = TaskKind::feed;
    feed.node =
        plan_.node_of_kernel[static_cast<std::size_t>(graph_kernel_of(g_, graph::ibert::source))];
    feed.name = "the host (input)";
    TaskPorts drain;
    drain.kind = TaskKind::drain;
    drain.node =
        plan_.node_of_kernel[static_cast<std::size_t>(graph_kernel_of(g_, graph::ibert::sink))];
    drain.name = "the host (output)";
    bool drained = false;
    for (std::size_t t = 0; t < w_.tasks.size(); ++t) {
      const TaskPorts& tp = w_.tasks[t];
      for (const GalapagosAddress& s : listed_[t]) {
        if (s.cluster != GalapagosAddress::kHost) continue;
        if (!feed.dests.empty()) throw twice("takes the input from the host", tp);
        feed.dests.push_back({tp.address, 0});
      }
      for (const Dest& d : tp.dests) {
        if (d.to.cluster != GalapagosAddress::kHost) continue;
        if (drained) throw twice("sends the output to the host", tp);
        drain.address = d.to;
        drained = true;
      }
    }
    if (feed.dests.empty() || !drained) {
      throw core::Error(fmt::format("Galapagos numbering of plan '{}': no kernel {} the host",
                                    g_.model,
                                    feed.dests.empty() ? "takes the input from" : "sends to"));
    }
    add_route(w_.routes, drain.address, drain.node);
    w_.tasks.push_back(std::move(feed));
    listed_.emplace_back();
    w_.tasks.push_back(std::move(drain));
    listed_.emplace_back();
  }

  core::Error twice(const char* what, const TaskPorts& t) const {
    return core::Error(fmt::format(
        "Galapagos numbering of plan '{}': {} {}, as another kernel does; one kernel must",
        g_.model, t.name, what));
  }

  // The task a dest names: for the host, the drain.
  std::size_t task_at(GalapagosAddress a) const {
    if (a.cluster == GalapagosAddress::kHost) return w_.tasks.size() - 1;
    auto it = index_.find(a);
    if (it == index_.end()) {
      throw core::Error(fmt::format("Galapagos numbering: no kernel {} to send to", to_string(a)));
    }
    return static_cast<std::size_t>(it->second);
  }

  // A task's sources are the kernels that name it as a dest (Cluster Builder's source lists of
  // comm kernels name some that never send, e.g. Q for the K scatter, and leave others out);
  // its listed sources give their order: the port order of a compute kernel, the concatenation
  // order of a gather. Senders it does not list follow, in address order. A compute kernel's
  // arbiter sends what comes from its first listed source to input 0 and everything else to
  // input 1 (src/modules.hpp), so that one must send to it.
  void add_senders() {
    incoming_.resize(w_.tasks.size());
    for (std::size_t s = 0; s < w_.tasks.size(); ++s) {
      for (std::size_t d = 0; d < w_.tasks[s].dests.size(); ++d) {
        const std::size_t t = task_at(w_.tasks[s].dests[d].to);
        w_.tasks[t].sources.push_back({w_.tasks[s].address, 0, 0});
        incoming_[t].push_back({s, d});
      }
    }
    for (std::size_t t = 0; t < w_.tasks.size(); ++t) {
      TaskPorts& tp = w_.tasks[t];
      const std::vector<GalapagosAddress>& listed = listed_[t];
      auto rank = [&](const Source& src) {
        const auto it = std::find_if(listed.begin(), listed.end(),
                                     [&](GalapagosAddress a) { return same(a, src.from); });
        return std::pair{it - listed.begin(), src.from};
      };
      std::vector<std::size_t> order(tp.sources.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return rank(tp.sources[a]) < rank(tp.sources[b]);
      });
      std::vector<Source> sources;
      std::vector<Incoming> incoming;
      for (std::size_t i : order) {
        sources.push_back(tp.sources[i]);
        incoming.push_back(incoming_[t][i]);
      }
      tp.sources = std::move(sources);
      incoming_[t] = std::move(incoming);
      if (tp.kind == TaskKind::compute) check_listed(tp, listed);
    }
  }

  void check_listed(const TaskPorts& tp, const std::vector<GalapagosAddress>& listed) const {
    if (listed.size() == tp.sources.size() && !listed.empty() &&
        same(listed[0], tp.sources[0].from)) {
      return;
    }
    std::string have, want;
    for (const Source& s : tp.sources) have += (have.empty() ? "" : ", ") + to_string(s.from);
    for (GalapagosAddress a : listed) want += (want.empty() ? "" : ", ") + to_string(a);
    throw core::Error(fmt::format(
        "Galapagos numbering: kernel '{}' ({}) lists sources [{}] but receives from [{}]", tp.name,
        to_string(tp.address), want, have));
  }

  // Bytes of one output row of task `t` (depth first over its sources; the numbering is
  // acyclic, the last layer sends to the host).
  std::size_t out_bytes(std::size_t t) {
    if (out_[t] == kBusy) {
      throw core::Error("Galapagos numbering: " + w_.tasks[t].name + " feeds itself");
    }
    if (out_[t] != kUnknown) return out_[t];
    out_[t] = kBusy;
    const TaskPorts& tp = w_.tasks[t];
    std::size_t bytes = 0;
    if (tp.kind == TaskKind::feed) {
      bytes = static_cast<std::size_t>(
          g_.kernels[static_cast<std::size_t>(graph_kernel_of(g_, graph::ibert::source))]
              .out_bytes_per_token);
    } else if (tp.kind == TaskKind::compute) {
      const graph::Kernel& k = g_.kernels[static_cast<std::size_t>(tp.graph_kernel)];
      bytes = static_cast<std::size_t>(k.role == graph::ibert::attention ? tokens_
                                                                         : k.out_bytes_per_token);
    } else if (tp.op == CommOp::gather || tp.op == CommOp::gather_broadcast) {
      for (std::size_t s = 0; s < tp.sources.size(); ++s) bytes += in_bytes(t, s);
    } else if (!tp.sources.empty()) {
      bytes = in_bytes(t, 0);
    }
    out_[t] = bytes;
    return bytes;
  }

  // What source `s` of task `t` sends it per row.
  std::size_t in_bytes(std::size_t t, std::size_t s) {
    const Incoming& in = incoming_[t][s];
    return dest_bytes(in.task, in.dest);
  }

  // What task `t` sends its dest `d` per row: the whole row; a scatter's chunk d; a forward's
  // message from source d.
  std::size_t dest_bytes(std::size_t t, std::size_t d) {
    const TaskPorts& tp = w_.tasks[t];
    if (tp.kind == TaskKind::comm && tp.op == CommOp::forward) return in_bytes(t, d);
    const std::size_t whole = out_bytes(t);
    if (tp.kind != TaskKind::comm || tp.op != CommOp::scatter) return whole;
    if (whole % tp.dests.size() != 0) {
      throw core::Error(
          fmt::format("Galapagos numbering: {} cannot cut {}-byte rows into {} equal chunks",
                      tp.name, whole, tp.dests.size()));
    }
    return whole / tp.dests.size();
  }

  void check_shape(const TaskPorts& t) const {
    const std::size_t ins = t.sources.size(), outs = t.dests.size();
    bool ok = outs >= 1 && (t.kind == TaskKind::feed ? ins == 0 : ins >= 1);
    if (t.kind == TaskKind::comm && t.op == CommOp::forward) ok = ok && ins == outs;
    if (t.kind == TaskKind::comm && (t.op == CommOp::broadcast || t.op == CommOp::scatter)) {
      ok = ok && ins == 1;
    }
    if (t.kind == TaskKind::drain) ok = ins == 1;
    if (!ok) {
      throw core::Error(
          fmt::format("Galapagos numbering: {} receives from {} kernel(s) and "
                      "sends to {}",
                      t.name, ins, outs));
    }
  }

  void connect(TaskPorts& tp) {
    check_shape(tp);
    const auto t = static_cast<std::size_t>(&tp - w_.tasks.data());
    tp.out_row_bytes = tp.kind == TaskKind::drain ? 0 : out_bytes(t);
    for (std::size_t s = 0; s < tp.sources.size(); ++s) {
      Source& src = tp.sources[s];
      src.row_bytes = in_bytes(t, s);
      src.tid = src.from.cluster == GalapagosAddress::kHost ? 0 : src.from.id;
      for (std::size_t o = 0; o < s; ++o) {
        if (tp.sources[o].tid == src.tid) {
          throw core::Error(fmt::format(
              "Galapagos numbering: {} receives from two kernels with TID {}; their packets "
              "could not be told apart",
              tp.name, src.tid));
        }
      }
    }
    for (std::size_t d = 0; d < tp.dests.size(); ++d) tp.dests[d].bytes = dest_bytes(t, d);
  }

  // A compute kernel's sources must bring what its graph kernel's input ports take.
  void check_against_graph(const TaskPorts& t) const {
    std::vector<std::size_t> port_bytes;
    for (const graph::Stream& s : g_.streams) {
      if (s.consumer != t.graph_kernel) continue;
      if (s.pattern == graph::Pattern::reduce) {
        throw core::Error(
            fmt::format("kernel '{}': a reduce stream has no Cluster Builder "
                        "collective; the software nodes cannot run it",
                        t.name));
      }
      if (port_bytes.size() <= static_cast<std::size_t>(s.port)) port_bytes.resize(s.port + 1);
      port_bytes[static_cast<std::size_t>(s.port)] += static_cast<std::size_t>(
          g_.kernels[static_cast<std::size_t>(s.producer)].role == graph::ibert::attention
              ? tokens_
              : s.bytes_per_token);
    }
    bool ok = port_bytes.size() == t.sources.size();
    for (std::size_t p = 0; ok && p < port_bytes.size(); ++p) {
      ok = port_bytes[p] == t.sources[p].row_bytes;
    }
    if (!ok) {
      std::string have, want;
      for (const Source& s : t.sources) {
        have += fmt::format("{}{}", have.empty() ? "" : ", ", s.row_bytes);
      }
      for (std::size_t b : port_bytes) want += fmt::format("{}{}", want.empty() ? "" : ", ", b);
      throw core::Error(fmt::format(
          "Galapagos {}: kernel '{}' receives rows of [{}] bytes from its sources, its input "
          "ports take [{}]",
          to_string(t.address), t.name, have, want));
    }
  }

  const plan::Plan& plan_;
  const graph::Graph& g_;
  std::int64_t tokens_;
  Wiring w_;
  std::map<GalapagosAddress, int> index_;
  std::vector<std::vector<GalapagosAddress>> listed_;  // per task: the numbering's sources
  struct Incoming {
    std::size_t task, dest;  // the sending task and its dest that names the receiver
  };
  std::vector<std::vector<Incoming>> incoming_;  // per task, parallel to its sources
  std::vector<std::size_t> out_;  // per task: output row bytes, kUnknown / kBusy while wiring
};

}  // namespace

Wiring wire(const plan::Plan& plan, const plan::Galapagos& numbering, std::int64_t tokens) {
  const graph::Graph& g = plan.graph;
  if (tokens < 1 || tokens > g.seq_len) {
    throw core::Error(fmt::format("plan '{}': {} tokens per sequence, the graph holds 1..{}",
                                  g.model, tokens, g.seq_len));
  }
  return Wirer(plan, numbering, tokens).take();
}

}  // namespace atl::platform
