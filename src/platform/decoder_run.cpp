#include "platform/decoder_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <optional>

#include "core/error.h"
#include "graph/decoder_blocks.h"
#include "plan/check.h"
#include "platform/buffer_pool.h"
#include "platform/inproc_transport.h"
#include "platform/message.h"
#include "platform/router.h"
#include "platform/routing.h"

namespace atl::platform {
namespace {

// Kernel k of the graph has the Galapagos address (k / 255, k % 255 + 1): 8-bit IDs, kernel 0
// of every cluster left to its PacketDecoder (gmi_skew.h).
constexpr int kIdsPerCluster = 255;
plan::GalapagosAddress address_of(int k) {
  return {k / kIdsPerCluster, static_cast<std::uint32_t>(k % kIdsPerCluster + 1)};
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The graph's streams into each kernel (graph order: a port's streams concatenate in this order;
// a packet's TID is the stream's place here).
struct Wires {
  std::vector<std::vector<int>> in;
  std::vector<std::uint32_t> tid;  // per stream: its place among its consumer's input streams
  std::vector<int> order;          // topological
  RoutingTable routes;
  int source = -1, sink = -1;
};

Wires wire(const plan::Plan& plan) {
  const graph::Graph& g = plan.graph;
  Wires w;
  w.in.resize(g.kernels.size());
  for (std::size_t s = 0; s < g.streams.size(); ++s) {
    auto& in = w.in[static_cast<std::size_t>(g.streams[s].consumer)];
    w.tid.push_back(static_cast<std::uint32_t>(in.size()));
    in.push_back(static_cast<int>(s));
  }
  w.order = graph::topological_order(g);
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    add_route(w.routes, address_of(static_cast<int>(k)), plan.node_of_kernel[k]);
    if (graph::is_source(g.kernels[k].role)) w.source = static_cast<int>(k);
    if (graph::is_sink(g.kernels[k].role)) w.sink = static_cast<int>(k);
  }
  return w;
}

struct LocalNode;

// Where the row of input stream j of a task goes: port `port`, from byte `offset` of the port's
// row (a port's streams concatenate in graph order).
struct InWire {
  std::size_t port = 0;
  std::size_t offset = 0;
};

// A kernel task of a node: the kernel, its state and its input FIFO.
struct Task {
  int kernel = -1;
  std::optional<DecoderKernel> compute;  // none for the host's sink
  std::unique_ptr<Fifo<Packet>> inbox;
  std::vector<InWire> in;               // per input stream
  std::vector<std::size_t> port_bytes;  // per port: the bytes of one row
  // Reused every step: one reader per input stream, the packets taken from the inbox.
  std::vector<MessageReader> readers;
  std::vector<Packet> arrived;
};

// A stream out of a kernel, resolved once: the bytes of the producer's row it carries, and its
// consumer: a reader of a task on the same node (an on-chip stream), another node of this
// process, or a node elsewhere (through the transport).
struct OutWire {
  std::size_t offset = 0, bytes = 0;
  std::uint32_t tid = 0;            // its place among the consumer's input streams
  plan::GalapagosAddress to;        // the consumer
  MessageReader* reader = nullptr;  // the consumer's reader, on the same node
  LocalNode* there = nullptr;       // the consumer's node, another one of this process
};

struct LocalNode {
  int node = -1;
  std::unique_ptr<Router> router;
  std::vector<std::unique_ptr<Task>> tasks;  // its kernels' (the sink's, the host's, apart)
  std::unique_ptr<Task> sink;
  Attachment attachment;
};

class Generator {
 public:
  Generator(const plan::Plan& plan, const DecoderTables& tables, std::span<const int> local,
            Transport& transport, const DecoderRunOptions& options)
      : g_(plan.graph),
        options_(options),
        wires_(wire(plan)),
        transport_(transport),
        task_of_(plan.graph.kernels.size(), nullptr),
        node_of_(plan.node_of_kernel) {
    std::vector<LocalNode*> here(plan.cluster.nodes.size(), nullptr);
    for (int n : local) {
      if (n < 0 || n >= static_cast<int>(plan.cluster.nodes.size())) {
        throw core::Error(fmt::format("run: node index {} outside the cluster's {} nodes", n,
                                      plan.cluster.nodes.size()));
      }
      auto node = std::make_unique<LocalNode>();
      node->node = n;
      // A generation reports no traffic: its routers count none.
      node->router =
          std::make_unique<Router>(n, plan.cluster.nodes[static_cast<std::size_t>(n)].name,
                                   wires_.routes, transport, TrafficCounting::off);
      here[static_cast<std::size_t>(n)] = node.get();
      nodes_.push_back(std::move(node));
    }
    // The local kernels in the graph's topological order: each finds its inputs sent when it
    // runs (by a kernel before it here, or it waits for another process's), so one thread runs
    // them all.
    const std::size_t max_rows = static_cast<std::size_t>(g_.seq_len);
    for (int k : wires_.order) {
      LocalNode* node =
          here[static_cast<std::size_t>(plan.node_of_kernel[static_cast<std::size_t>(k)])];
      const graph::Kernel& kernel = g_.kernels[static_cast<std::size_t>(k)];
      if (node == nullptr || graph::is_source(kernel.role)) continue;
      auto t = std::make_unique<Task>();
      t->kernel = k;
      // Room for a whole step from every source: a sender never waits for the receiver.
      const std::vector<int>& ins = wires_.in[static_cast<std::size_t>(k)];
      t->inbox = std::make_unique<Fifo<Packet>>(
          fmt::format("input of '{}' on node {}", kernel.name, node->router->name()),
          std::max<std::size_t>(64, ins.size() * (max_rows + 1)));
      node->router->attach(address_of(k), *t->inbox);
      t->port_bytes.assign(
          static_cast<std::size_t>(std::max(graph::role_info(kernel.role).ports, 1)), 0);
      if (ports_.size() < t->port_bytes.size()) ports_.resize(t->port_bytes.size());
      for (int si : ins) {
        const graph::Stream& st = g_.streams[static_cast<std::size_t>(si)];
        const auto port = static_cast<std::size_t>(st.port);
        const auto bytes = static_cast<std::size_t>(st.bytes_per_token);
        t->readers.emplace_back(bytes, static_cast<std::uint32_t>(max_rows), stream_name(st));
        t->in.push_back({port, t->port_bytes.at(port)});
        t->port_bytes[port] += bytes;
      }
      task_of_[static_cast<std::size_t>(k)] = t.get();
      if (graph::is_sink(kernel.role)) {
        node->sink = std::move(t);
        host_ = node;
      } else {
        t->compute.emplace(kernel, tables);
        order_.emplace_back(node, t.get());
        node->tasks.push_back(std::move(t));
      }
    }
    // The streams out of every kernel that runs here, and out of the source where the host is:
    // the host sends the token ids from the node holding the sink, wherever the plan put the
    // source kernel.
    outs_.resize(g_.kernels.size());
    for (std::size_t si = 0; si < g_.streams.size(); ++si) {
      const graph::Stream& st = g_.streams[si];
      const auto from = static_cast<std::size_t>(st.producer);
      const auto to = static_cast<std::size_t>(st.consumer);
      LocalNode* node = graph::is_source(g_.kernels[from].role)
                            ? host_
                            : here[static_cast<std::size_t>(node_of_[from])];
      if (node == nullptr) continue;
      OutWire w{static_cast<std::size_t>(st.offset), static_cast<std::size_t>(st.bytes_per_token),
                wires_.tid[si], address_of(st.consumer)};
      if (node_of_[to] == node->node) {
        w.reader = &task_of_[to]->readers[w.tid];
      } else {
        w.there = here[static_cast<std::size_t>(node_of_[to])];
      }
      outs_[from].push_back(w);
    }
    for (auto& node : nodes_) {
      node->attachment = transport.attach(node->node, *node->router, failure_);
    }
  }

  Generation run(std::span<const std::int64_t> prompt, std::int64_t new_tokens) {
    deadline_ = Clock::now() + options_.timeout;
    transport_.barrier(deadline_, stop_);
    Generation result;
    result.host = host_ != nullptr;
    std::vector<std::int32_t> ids(prompt.begin(), prompt.end());
    std::int64_t first = 0;
    for (std::int64_t step = 0; step < new_tokens; ++step) {
      const auto t0 = Clock::now();
      const Step s{first, static_cast<std::int64_t>(ids.size())};
      if (host_) send(*host_, wires_.source, s, ids);
      for (const auto& [node, task] : order_) compute(*node, *task);
      if (!host_) continue;
      try {
        receive(*host_->sink, s);
      } catch (const core::Error& e) {
        fail(fmt::format("host: the token of step {} (position {}): {}", step, first + s.rows - 1,
                         e.what()));
      }
      (step == 0 ? result.prefill_ms : result.decode_ms.emplace_back()) =
          ms_between(t0, Clock::now());
      const std::int32_t token = ports_[0].back();
      result.tokens.push_back(token);
      first += s.rows;
      ids.assign(1, token);
    }
    return result;
  }

  ~Generator() {
    for (auto& node : nodes_) node->attachment = Attachment();  // detach before the FIFOs go
  }

 private:
  // One step of a kernel: its inputs, its computation, its outputs; a failure stops the run
  // (the transport's waits too) and throws the first error recorded.
  void compute(LocalNode& node, Task& t) {
    const graph::Kernel& kernel = g_.kernels[static_cast<std::size_t>(t.kernel)];
    try {
      Step s;
      receive(t, &s);
      if (options_.before_compute) options_.before_compute(kernel, s);
      send(node, t.kernel, s,
           t.compute->run(s, std::span(ports_).first(t.port_bytes.size()), scratch_));
    } catch (const std::exception& e) {
      fail(fmt::format("node {} kernel '{}': {}", node.router->name(), kernel.name, e.what()));
    }
  }

  [[noreturn]] void fail(const std::string& what) {
    failure_.record(what);  // keeps the first: a receive the failure woke says less
    throw core::Error(core::ErrorKind::failed, *failure_.first());
  }

  // One message per input stream of the task, assembled per port into ports_ (the port's
  // streams concatenated row by row, int32). `step` gets the step they carry (all must agree);
  // with `expect`, the host checks it. The packets' payloads go back to the pool.
  void receive(Task& t, Step* step) {
    const std::vector<int>& ins = wires_.in[static_cast<std::size_t>(t.kernel)];
    std::vector<MessageReader>& readers = t.readers;
    // The streams from kernels on this node have written their messages already.
    auto done = static_cast<std::size_t>(
        std::count_if(readers.begin(), readers.end(), [](const auto& r) { return r.complete(); }));
    while (done < ins.size()) {
      t.arrived.clear();
      try {
        t.inbox->pop_all(t.arrived, deadline_, stop_);
      } catch (const core::Error& e) {
        if (e.kind() != core::ErrorKind::timeout) throw;
        std::string missing;
        for (std::size_t j = 0; j < ins.size(); ++j) {
          if (readers[j].complete()) continue;
          missing +=
              (missing.empty() ? "" : ", ") +
              fmt::format("'{}'",
                          g_.kernels[static_cast<std::size_t>(
                                         g_.streams[static_cast<std::size_t>(ins[j])].producer)]
                              .name);
        }
        throw core::Error(core::ErrorKind::timeout,
                          fmt::format("timed out waiting for input from {}", missing));
      }
      for (Packet& p : t.arrived) {
        if (p.id >= ins.size() || readers[p.id].complete()) {
          throw core::Error(
              fmt::format("a packet with TID {} arrived, expected one of 0..{} "
                          "still open",
                          p.id, ins.size() - 1));
        }
        if (readers[p.id].add(p)) ++done;
        payloads_.give(std::move(p.data));
      }
    }
    const MessageHeader& h = readers[0].message().header;
    *step = {h.first_position, h.rows};
    std::vector<std::vector<std::int32_t>>& out = ports_;
    for (std::size_t p = 0; p < t.port_bytes.size(); ++p) {
      out[p].resize(h.rows * t.port_bytes[p] / 4);
    }
    for (std::size_t j = 0; j < ins.size(); ++j) {
      const Message& m = readers[j].message();
      if (m.header.rows != h.rows || m.header.first_position != h.first_position) {
        throw core::Error(fmt::format(
            "stream {} brought the step at position {} ({} rows), stream {} the step at {} ({} "
            "rows)",
            stream_name(g_.streams[static_cast<std::size_t>(ins[0])]), h.first_position, h.rows,
            stream_name(g_.streams[static_cast<std::size_t>(ins[j])]), m.header.first_position,
            m.header.rows));
      }
      const InWire w = t.in[j];
      auto* port = reinterpret_cast<std::uint8_t*>(out[w.port].data());
      for (std::uint32_t r = 0; r < h.rows; ++r) {
        std::memcpy(port + r * t.port_bytes[w.port] + w.offset, m.data.data() + r * m.row_bytes,
                    m.row_bytes);
      }
      readers[j].next();
    }
  }
  void receive(Task& t, Step expect) {
    Step s;
    receive(t, &s);
    if (s.first != expect.first || s.rows != expect.rows) {
      throw core::Error(
          fmt::format("expected the step at position {}, got position {}", expect.first, s.first));
    }
  }

  // The kernel's output rows to every stream out of it, each the stream's bytes of the row.
  void send(LocalNode& node, int kernel, Step s, const std::vector<std::int32_t>& rows) {
    const graph::Kernel& k = g_.kernels[static_cast<std::size_t>(kernel)];
    const auto row_bytes = static_cast<std::size_t>(k.out_bytes_per_token);
    if (rows.size() * 4 != static_cast<std::size_t>(s.rows) * row_bytes) {
      throw core::Error(core::ErrorKind::internal,
                        fmt::format("kernel '{}': {} int32 out for {} rows of {} bytes", k.name,
                                    rows.size(), s.rows, row_bytes));
    }
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(rows.data());
    const auto n = static_cast<std::uint32_t>(s.rows);
    for (const OutWire& w : outs_[static_cast<std::size_t>(kernel)]) {
      const MessageHeader header{n, static_cast<std::uint32_t>(w.bytes / 4), n,
                                 static_cast<std::uint32_t>(s.first)};
      const auto row = [&](std::uint32_t r) {
        return std::span<const std::uint8_t>(bytes + r * row_bytes + w.offset, w.bytes);
      };
      if (w.reader) {
        // A stream inside the node (on the FPGA, an on-chip AXI-Stream: it never reaches the
        // network): the rows go straight into the consumer's reader, without packets.
        std::uint8_t* at = w.reader->write(header).data();
        for (std::uint32_t r = 0; r < n; ++r, at += w.bytes)
          std::memcpy(at, row(r).data(), w.bytes);
        continue;
      }
      // pack()'s packets, written into pooled payloads: one per row, the header in the first.
      outgoing_.clear();
      for (std::uint32_t r = 0; r < n; ++r) {
        Packet& p = outgoing_.emplace_back();
        p.data = payloads_.take();
        write_row_packet(p, row(r), w.tid, static_cast<std::uint32_t>(w.to.id),
                         r == 0 ? &header : nullptr);
        p.cluster = w.to.cluster;
      }
      if (w.there) {
        // Another node of this process: one thread runs them all and they stay attached until
        // the generator goes, so the burst goes straight to that node's router (as the
        // in-process transport would hand it over, without its link's lock).
        w.there->router->deliver(std::move(outgoing_), deadline_, stop_);
      } else {
        node.router->route(std::move(outgoing_), deadline_, stop_);
      }
    }
  }

  std::string stream_name(const graph::Stream& s) const {
    return fmt::format("'{}' -> '{}'", g_.kernels[static_cast<std::size_t>(s.producer)].name,
                       g_.kernels[static_cast<std::size_t>(s.consumer)].name);
  }

  const graph::Graph& g_;
  DecoderRunOptions options_;
  Wires wires_;
  Transport& transport_;
  Failure failure_;
  const std::stop_token stop_ = failure_.token();
  Deadline deadline_{};
  // Reused on the run's thread, by one kernel after the other (so they stay in the cache): packet
  // payloads (sent ones come back as they are read), a burst being sent, the ports' rows of the
  // kernel about to run and its working space.
  BufferPool payloads_{4096};
  std::vector<Packet> outgoing_;
  std::vector<std::vector<std::int32_t>> ports_;
  DecoderScratch scratch_;
  std::vector<std::unique_ptr<LocalNode>> nodes_;
  std::vector<std::pair<LocalNode*, Task*>> order_;  // local kernels, topological order
  std::vector<Task*> task_of_;                       // per kernel: its task here, or null
  std::vector<std::vector<OutWire>> outs_;           // per kernel: its streams, if it runs here
  std::vector<int> node_of_;                         // per kernel: its node
  // The local node holding the graph's sink, where the host's loop runs (its router sends the
  // token ids to the embedding kernels, wherever they are); null in the other processes.
  LocalNode* host_ = nullptr;
};

}  // namespace

void check_generation(const plan::Plan& plan, const DecoderTables& tables,
                      std::span<const std::int64_t> prompt, std::int64_t new_tokens) {
  const graph::Graph& g = plan.graph;
  const std::string where = "plan '" + g.model + "'";
  if (g.architecture == model::Architecture::ibert_encoder) {
    throw core::Error(
        fmt::format("{}: an {}, not a decoder", where, model::to_string(g.architecture)));
  }
  plan::validate(plan, where);
  plan::check_meaning(plan, where);
  const model::DecoderConfig& c = tables.config;
  if (c.architecture != g.architecture || c.layers != g.layers || c.dim != g.hidden ||
      c.heads != g.heads || c.kv_heads != g.kv_heads || c.hidden_dim != g.intermediate ||
      c.vocab != g.vocab || c.max_seq != g.seq_len) {
    throw core::Error(fmt::format(
        "weights of model '{}' ({}, {} layers, dim {}, {}/{} heads, FFN {}, vocab {}, context {}) "
        "do not fit {} ({}, {} layers, hidden {}, {}/{} heads, FFN {}, vocab {}, context {})",
        c.name, model::to_string(c.architecture), c.layers, c.dim, c.heads, c.kv_heads,
        c.hidden_dim, c.vocab, c.max_seq, where, model::to_string(g.architecture), g.layers,
        g.hidden, g.heads, g.kv_heads, g.intermediate, g.vocab, g.seq_len));
  }
  std::vector<int> fan_in(g.kernels.size(), 0);
  for (const graph::Stream& s : g.streams) {
    if (++fan_in[static_cast<std::size_t>(s.consumer)] > 255) {
      throw core::Error(core::ErrorKind::unsupported,
                        fmt::format("{}: kernel '{}' has more than 255 input streams; a packet's "
                                    "TID tells at most 255 apart",
                                    where, g.kernels[static_cast<std::size_t>(s.consumer)].name));
    }
  }
  if (prompt.empty()) throw core::Error("prompt: no token ids");
  if (new_tokens < 1) throw core::Error("--new-tokens: give at least 1");
  for (std::size_t i = 0; i < prompt.size(); ++i) {
    model::validate_token(c, prompt[i], fmt::format("prompt (item {})", i));
  }
  // Unsigned: new_tokens (>= 1) up to 2^63 - 1 plus the prompt does not overflow.
  const std::uint64_t positions = prompt.size() + static_cast<std::uint64_t>(new_tokens) - 1;
  if (positions > static_cast<std::uint64_t>(c.max_seq)) {
    throw core::Error(fmt::format(
        "prompt of {} and {} new tokens: {} positions are more than the context of model '{}' "
        "({})",
        prompt.size(), new_tokens, positions, c.name, c.max_seq));
  }
}

Generation generate_on_nodes(const plan::Plan& plan, const DecoderTables& tables,
                             std::span<const std::int64_t> prompt, std::int64_t new_tokens,
                             std::span<const int> local, Transport& transport,
                             const DecoderRunOptions& options) {
  check_generation(plan, tables, prompt, new_tokens);
  if (options.timeout.count() < 1) throw core::Error("run: the timeout must be at least 1 ms");
  Generator generator(plan, tables, local, transport, options);
  return generator.run(prompt, new_tokens);
}

Generation generate_on_nodes(const plan::Plan& plan, const DecoderTables& tables,
                             std::span<const std::int64_t> prompt, std::int64_t new_tokens,
                             const DecoderRunOptions& options) {
  std::vector<int> all(plan.cluster.nodes.size());
  std::iota(all.begin(), all.end(), 0);
  InprocTransport transport(static_cast<int>(all.size()));
  return generate_on_nodes(plan, tables, prompt, new_tokens, all, transport, options);
}

}  // namespace atl::platform
