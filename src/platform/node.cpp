#include "platform/node.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <optional>

#include "core/error.h"
#include "platform/arbiter.h"
#include "platform/comm_kernel.h"
#include "platform/gmi_skew.h"
#include "platform/stage_pipeline.h"

namespace atl::platform {

struct Node::Task {
  const TaskPorts& ports;
  const graph::Kernel* kernel;            // compute tasks: the graph kernel
  std::optional<StagePipeline> pipeline;  // compute tasks
  Fifo<Packet> inbox;
  // Kernel-level traffic of the last sequence: written by this task's thread, reset by post()
  // and read after wait(), when the task is idle.
  std::int64_t messages_sent = 0, packets_sent = 0, flits_sent = 0;
  std::int64_t messages_received = 0, packets_received = 0, flits_received = 0;
  double busy_ms = 0;
  Clock::time_point finished{};
  std::int64_t done = 0;  // the last sequence this task finished (guarded by the node's mutex_)
  std::atomic<bool> computing{false};  // inside the kernel's stages (read by other threads)
};

namespace {

// Room for one whole sequence from every source, so a node's network receiver never stalls
// behind a task that is still busy with a previous sequence; a FIFO never needs less.
std::size_t inbox_capacity(const TaskPorts& tp, std::uint32_t rows) {
  return std::max<std::size_t>(64, tp.sources.size() * (rows + 1));
}

bool is_host(const TaskPorts& tp) {
  return tp.kind == TaskKind::feed || tp.kind == TaskKind::drain;
}

}  // namespace

Node::Node(const plan::Plan& plan, const Wiring& wiring, int node,
           const model::EncoderWeights& weights, Transport& transport, Failure& failure,
           NodeOptions options)
    : plan_(plan),
      wiring_(wiring),
      node_(node),
      failure_(failure),
      options_(std::move(options)),
      router_(node, plan.cluster.nodes.at(static_cast<std::size_t>(node)).name, wiring.routes,
              transport) {
  for (const TaskPorts& tp : wiring.tasks) {
    if (tp.node != node) continue;
    const graph::Kernel* k = tp.kind == TaskKind::compute
                                 ? &plan.graph.kernels[static_cast<std::size_t>(tp.graph_kernel)]
                                 : nullptr;
    tasks_.push_back(std::unique_ptr<Task>(
        new Task{tp, k, k ? std::optional<StagePipeline>(std::in_place, *k, weights) : std::nullopt,
                 Fifo<Packet>(fmt::format("{} (input of {} on node {})", to_string(tp.address),
                                          tp.name, router_.name()),
                              inbox_capacity(tp, wiring.max_rows))}));
    // The feed receives nothing; its address is no route.
    if (tp.kind != TaskKind::feed) router_.attach(tp.address, tasks_.back()->inbox);
  }
  attachment_ = transport.attach(node, router_, failure_);
}

Node::~Node() {
  bool busy = false;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    for (const auto& t : tasks_) busy = busy || t->done < sequence_;
  }
  changed_.notify_all();
  // Tasks in the middle of a sequence wait on FIFOs, which only the stop wakes; the jthreads
  // then join.
  if (busy) {
    failure_.record(
        fmt::format("node {}: destroyed while its kernels were running", router_.name()));
  }
}

void Node::start(std::function<void(Message)> on_output) {
  if (!threads_.empty()) throw core::Error(fmt::format("node {}: started twice", router_.name()));
  on_output_ = std::move(on_output);
  for (auto& t : tasks_) threads_.emplace_back([this, task = t.get()] { serve(*task); });
}

void Node::check_idle(const char* what) const {
  for (const auto& t : tasks_) {
    if (t->done < sequence_) {
      throw core::Error(fmt::format("node {}: {} while {} is still on the previous sequence",
                                    router_.name(), what, t->ports.name));
    }
  }
}

void Node::reset_traffic() {
  std::lock_guard lock(mutex_);
  check_idle("traffic reset");
  // Idle tasks touch none of this until they see a new sequence number.
  for (const auto& t : tasks_) {
    t->messages_sent = t->packets_sent = t->flits_sent = 0;
    t->messages_received = t->packets_received = t->flits_received = 0;
    t->busy_ms = 0;
  }
  router_.reset_traffic();
}

void Node::post(const Message* input, Deadline deadline) {
  {
    std::lock_guard lock(mutex_);
    check_idle("a sequence was posted");
    input_ = input;
    deadline_ = deadline;
    started_ = Clock::now();
    ++sequence_;
  }
  changed_.notify_all();
}

void Node::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] {
    return std::all_of(tasks_.begin(), tasks_.end(),
                       [&](const auto& t) { return t->done >= sequence_; });
  });
}

void Node::serve(Task& t) {
  // OpenMP's thread count is per thread: this task's kernel gets its own (StagePipeline::threads).
  if (t.pipeline) {
    if (const int n = t.pipeline->threads(); n > 0) omp_set_num_threads(n);
  }
  for (std::int64_t seen = 0;;) {
    {
      std::unique_lock lock(mutex_);
      // Idle between sequences: not a wait for data, so no deadline; closing or a failure ends it.
      changed_.wait(lock, failure_.token(), [&] { return closing_ || sequence_ > seen; });
      if (closing_ || sequence_ == seen) {
        t.done = std::numeric_limits<std::int64_t>::max();  // ended: wait() need not wait for it
        lock.unlock();
        changed_.notify_all();
        return;
      }
      seen = sequence_;
    }
    const bool ok = run_task(t);
    {
      std::lock_guard lock(mutex_);
      t.done = ok ? seen : std::numeric_limits<std::int64_t>::max();
    }
    changed_.notify_all();
    if (!ok) return;
  }
}

void Node::send(Task& t, plan::GalapagosAddress to, const Message& m) {
  // One burst per dest: the same packets per stream as the row-by-row fan-out of the hardware,
  // at one hand-off per dest instead of one per packet.
  std::vector<Packet> burst = pack(m, t.ports.address.id, to.id);
  const bool other_cluster = to.cluster != t.ports.address.cluster;
  for (Packet& p : burst) {
    p.cluster = to.cluster;
    if (other_cluster) p = gmi_skew(p, to);
    t.flits_sent += static_cast<std::int64_t>(p.flit_count());
  }
  t.packets_sent += static_cast<std::int64_t>(burst.size());
  ++t.messages_sent;
  router_.route(std::move(burst), deadline_, failure_.token());
}

void Node::emit(Task& t, const Message& m) {
  for (const Dest& d : t.ports.dests) send(t, d.to, m);
}

std::vector<Message> Node::receive(Task& t) {
  const std::vector<Source>& sources = t.ports.sources;
  Arbiter arbiter(sources, wiring_.max_rows, t.ports.name);
  std::vector<Packet> burst;
  while (!arbiter.complete()) {
    burst.clear();
    try {
      t.inbox.pop_all(burst, deadline_, failure_.token());
    } catch (const core::Error& e) {
      if (e.kind() != core::ErrorKind::timeout) throw;
      // Name what never came: that is where to look.
      std::string missing;
      for (std::size_t s : arbiter.missing()) {
        const int node = node_of(wiring_.routes, sources[s].from);
        missing +=
            fmt::format("{}{} ({}, node {})", missing.empty() ? "" : ", ",
                        source_name(sources[s].from), to_string(sources[s].from),
                        node >= 0 ? plan_.cluster.nodes[static_cast<std::size_t>(node)].name : "?");
      }
      throw core::Error(core::ErrorKind::timeout,
                        fmt::format("timed out waiting for input from {}", missing));
    }
    for (const Packet& p : burst) {
      arbiter.add(p);
      ++t.packets_received;
      t.flits_received += static_cast<std::int64_t>(p.flit_count());
    }
  }
  t.messages_received += static_cast<std::int64_t>(sources.size());
  return arbiter.take();
}

std::string Node::source_name(plan::GalapagosAddress a) const {
  if (a.cluster == plan::GalapagosAddress::kHost) return "the host";
  for (const TaskPorts& tp : wiring_.tasks) {
    if (tp.address == a) return tp.kind == TaskKind::compute ? "'" + tp.name + "'" : tp.name;
  }
  return "?";
}

void Node::relay(Task& t, std::vector<Message> in) {
  const std::vector<Dest>& dests = t.ports.dests;
  std::vector<Message> out = comm_outputs(t.ports.op, std::move(in), dests.size());
  for (std::size_t d = 0; d < dests.size(); ++d) send(t, dests[d].to, out[d]);
}

bool Node::run_task(Task& t) {
  struct Finish {  // stamps the end time however the task ends
    Task& t;
    ~Finish() { t.finished = Clock::now(); }
  } finish{t};
  try {
    switch (t.ports.kind) {
      case TaskKind::feed:
        if (!input_) throw core::Error("the host's input started without an input sequence");
        emit(t, *input_);
        return true;
      case TaskKind::drain: {
        std::vector<Message> in = receive(t);
        if (on_output_) on_output_(std::move(in.at(0)));
        return true;
      }
      case TaskKind::comm:
        relay(t, receive(t));
        return true;
      case TaskKind::compute:
        break;
    }
    std::vector<Message> ports = receive(t);
    t.computing = true;
    if (options_.before_compute) options_.before_compute(*t.kernel);
    const auto t0 = Clock::now();
    Message out = t.pipeline->run(ports);
    t.computing = false;
    t.busy_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    emit(t, out);
    return true;
  } catch (const std::exception& e) {
    t.computing = false;
    failure_.record(
        fmt::format("node {} {} ({}): {}", router_.name(),
                    t.kernel ? fmt::format("kernel '{}'", t.kernel->name) : t.ports.name,
                    to_string(t.ports.address), e.what()));
    return false;
  }
}

std::vector<std::string> Node::computing() const {
  std::vector<std::string> names;
  for (const auto& t : tasks_) {
    if (t->computing)
      names.push_back(fmt::format("'{}' on node {}", t->kernel->name, router_.name()));
  }
  return names;
}

NodeTraffic Node::traffic() const {
  NodeTraffic n;
  n.node = router_.name();
  for (const auto& t : tasks_) {
    if (!is_host(t->ports)) ++n.kernels;
    n.messages_sent += t->messages_sent;
    n.packets_sent += t->packets_sent;
    n.flits_sent += t->flits_sent;
    n.messages_received += t->messages_received;
    n.packets_received += t->packets_received;
    n.flits_received += t->flits_received;
    n.busy_ms += t->busy_ms;
    n.done_ms = std::max(n.done_ms,
                         std::chrono::duration<double, std::milli>(t->finished - started_).count());
  }
  n.bytes_sent = n.flits_sent * static_cast<std::int64_t>(kFlitBytes);
  n.bytes_received = n.flits_received * static_cast<std::int64_t>(kFlitBytes);
  n.network = router_.traffic();
  return n;
}

}  // namespace atl::platform
