#include "platform/node.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>

#include "core/error.h"
#include "platform/gmi.h"
#include "platform/stage_pipeline.h"

namespace atl::platform {

struct Node::Task {
  const graph::Kernel& kernel;
  const KernelPorts& ports;
  StagePipeline pipeline;
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

// Room for one whole sequence of every input stream, so a node's network receiver never
// stalls behind a kernel that is still busy with a previous sequence; a FIFO never needs less.
std::size_t inbox_capacity(const KernelPorts& kp, std::uint32_t rows) {
  std::size_t sources = 0;
  for (const InPort& in : kp.inputs) sources += in.sources.size();
  return std::max<std::size_t>(64, sources * (rows + 1));
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
      router_(node, plan.cluster.nodes.at(static_cast<std::size_t>(node)).name, wiring.node_of_id,
              wiring.id_width, transport) {
  for (const KernelPorts& kp : wiring.kernels) {
    if (kp.node != node) continue;
    const graph::Kernel& k = plan.graph.kernels[static_cast<std::size_t>(kp.kernel)];
    tasks_.push_back(std::unique_ptr<Task>(new Task{
        k, kp, StagePipeline(k, weights),
        Fifo<Packet>(
            fmt::format("{} (input of kernel '{}' on node {})", kp.id, k.name, router_.name()),
            inbox_capacity(kp, wiring.max_rows))}));
    router_.attach(kp.id, tasks_.back()->inbox);
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
      throw core::Error(
          fmt::format("node {}: {} while kernel '{}' is still on the previous sequence",
                      router_.name(), what, t->kernel.name));
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
  if (const int n = t.pipeline.threads(); n > 0) omp_set_num_threads(n);
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

void Node::emit(Task& t, const Message& m) {
  const std::span<const Chunk> children = t.ports.children;
  check_fan_out(m, children);
  // Child by child, each child's packets as one burst: the same packets per stream as the
  // row-by-row fan-out of the hardware, at one hand-off per child instead of one per packet.
  for (const Chunk& c : children) {
    std::vector<Packet> burst = chunk_packets(m, t.ports.id, c);
    for (const Packet& p : burst) t.flits_sent += static_cast<std::int64_t>(p.flit_count());
    t.packets_sent += static_cast<std::int64_t>(burst.size());
    router_.route(std::move(burst), deadline_, failure_.token());
  }
  t.messages_sent += static_cast<std::int64_t>(children.size());
}

std::vector<Message> Node::receive(Task& t) {
  // One reader per (port, source); a packet finds its reader by its TID, as the HLS arbiter
  // and GatherRecv sort packets.
  struct Stream {
    std::uint32_t id;
    std::size_t port;
    int source_kernel;
    MessageReader reader;
  };
  const std::stop_token stop = failure_.token();
  std::vector<Stream> streams;
  for (std::size_t p = 0; p < t.ports.inputs.size(); ++p) {
    for (const Source& src : t.ports.inputs[p].sources) {
      streams.push_back(
          {src.id, p, src.kernel,
           MessageReader(src.row_bytes, wiring_.max_rows,
                         fmt::format("'{}' -> '{}' port {}", plan_.graph.kernels[src.kernel].name,
                                     t.kernel.name, p))});
    }
  }
  std::vector<Packet> burst;
  for (std::size_t done = 0; done < streams.size();) {
    burst.clear();
    try {
      t.inbox.pop_all(burst, deadline_, stop);
    } catch (const core::Error& e) {
      if (e.kind() != core::ErrorKind::timeout) throw;
      // Name what never came: that is where to look.
      std::string missing;
      for (const Stream& s : streams) {
        if (s.reader.complete()) continue;
        missing += fmt::format("{}'{}' (ID {}, node {})", missing.empty() ? "" : ", ",
                               plan_.graph.kernels[s.source_kernel].name, s.id,
                               plan_.cluster.nodes[plan_.node_of_kernel[s.source_kernel]].name);
      }
      throw core::Error(core::ErrorKind::timeout,
                        fmt::format("timed out waiting for input from {}", missing));
    }
    for (const Packet& p : burst) {
      auto it = std::find_if(streams.begin(), streams.end(),
                             [&](const Stream& s) { return s.id == p.id; });
      if (it == streams.end()) {
        throw core::Error(
            fmt::format("packet from kernel ID {}, which does not feed this kernel", p.id));
      }
      ++t.packets_received;
      t.flits_received += static_cast<std::int64_t>(p.flit_count());
      if (it->reader.add(p)) ++done;
    }
  }
  t.messages_received += static_cast<std::int64_t>(streams.size());

  std::vector<Message> ports;
  for (std::size_t p = 0; p < t.ports.inputs.size(); ++p) {
    std::vector<Message> by_source;  // in source-ID order, as the sources are
    for (Stream& s : streams) {
      if (s.port == p) by_source.push_back(s.reader.take());
    }
    const InPort& in = t.ports.inputs[p];
    if (by_source.size() == 1) {
      ports.push_back(std::move(by_source[0]));
    } else if (in.reduce) {
      ports.push_back(reduce(by_source, in.lanes));
    } else {
      ports.push_back(gather(by_source));
    }
  }
  return ports;
}

bool Node::run_task(Task& t) {
  struct Finish {  // stamps the end time however the task ends
    Task& t;
    ~Finish() { t.finished = Clock::now(); }
  } finish{t};
  try {
    if (t.kernel.role == graph::Role::source) {
      if (!input_) throw core::Error("source kernel started without an input sequence");
      emit(t, *input_);
      return true;
    }
    std::vector<Message> ports = receive(t);
    if (t.kernel.role == graph::Role::sink) {
      if (on_output_) on_output_(std::move(ports.at(0)));
      return true;
    }
    t.computing = true;
    if (options_.before_compute) options_.before_compute(t.kernel);
    const auto t0 = Clock::now();
    Message out = t.pipeline.run(ports);
    t.computing = false;
    t.busy_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    emit(t, out);
    return true;
  } catch (const std::exception& e) {
    t.computing = false;
    failure_.record(fmt::format("node {} kernel '{}' (ID {}): {}", router_.name(), t.kernel.name,
                                t.ports.id, e.what()));
    return false;
  }
}

std::vector<std::string> Node::computing() const {
  std::vector<std::string> names;
  for (const auto& t : tasks_) {
    if (t->computing)
      names.push_back(fmt::format("'{}' on node {}", t->kernel.name, router_.name()));
  }
  return names;
}

NodeTraffic Node::traffic() const {
  NodeTraffic n;
  n.node = router_.name();
  n.kernels = static_cast<int>(tasks_.size());
  for (const auto& t : tasks_) {
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
