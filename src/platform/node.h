// A software FPGA node: its router and one task (std::jthread) per Galapagos kernel placed on it
// (ports.h), as libGalapagos runs software kernels (reference-system.md §1.6). A task receives
// one message per source (sorting packets by TID like Cluster Builder's arbiter), then a compute
// task runs its graph kernel's stages on them (source i = input port i) and a comm task does its
// CommOp (forward, broadcast, scatter, gather in source order, gather + broadcast); either sends
// the result to its dests, one packet per row, through kernel 0 of another cluster where a dest
// lies there (gmi_skew.h). The host's feed and drain are tasks of the nodes that hold the graph's
// source and sink. Tasks persist across sequences, like the kernels of a configured FPGA.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/weights.h"
#include "plan/plan.h"
#include "platform/failure.h"
#include "platform/link.h"
#include "platform/message.h"
#include "platform/ports.h"
#include "platform/router.h"

namespace atl::platform {

// What one node did in a run. Kernel-level counts include traffic between kernels of the same
// node; `network` counts only what crossed the transport (bridge header flits included).
struct NodeTraffic {
  std::string node;
  int kernels = 0;  // Galapagos kernels run as tasks (the host's ends not counted)
  std::int64_t messages_sent = 0, packets_sent = 0, flits_sent = 0, bytes_sent = 0;
  std::int64_t messages_received = 0, packets_received = 0, flits_received = 0, bytes_received = 0;
  NetworkTraffic network;
  double busy_ms = 0;  // time its kernels spent in their stages (summed over kernels)
  double done_ms = 0;  // from the start of the run until its last kernel finished
};

struct NodeOptions {
  // Called in a compute task just before it computes; tests inject faults by throwing here.
  std::function<void(const graph::Kernel&)> before_compute;
};

class Node {
 public:
  // Prepares the node's kernels (slices and reorders their weights) and attaches its router to
  // `transport`. Throws core::Error naming the kernel if its weights do not fit.
  Node(const plan::Plan& plan, const Wiring& wiring, int node, const model::EncoderWeights& weights,
       Transport& transport, Failure& failure, NodeOptions options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  Router& router() { return router_; }

  // Creates every kernel task (one thread each), idle until the first post(). Tasks live until
  // the node is destroyed and serve one sequence per post(): threads that already ran a kernel
  // compute it about twice as fast as new ones (OpenMP team, oneDNN thread state, scheduler
  // placement), and creating 34 threads while the first kernels compute delayed the last ones
  // by ~5 ms on a 2-core machine. The host's drain passes each message it receives to
  // `on_output` (from its own thread).
  void start(std::function<void(Message)> on_output);
  // Zeroes the traffic counters. Called on every node of the process before any is posted:
  // a node's first packets may arrive before its own post().
  void reset_traffic();
  // Starts the next sequence: the host's feed, if on this node, injects `*input` (which must
  // live until wait() returns); every blocking wait of the tasks gives up at `deadline`. The
  // previous sequence must be finished (wait()). Throws core::Error otherwise.
  void post(const Message* input, Deadline deadline);
  // Waits until every task has finished the posted sequence or ended on a failure. Bounded by
  // the tasks' own deadlines (and by a kernel that stalls inside its stages).
  void wait();

  // What the node did since reset_traffic().
  NodeTraffic traffic() const;
  // Kernels inside their stages right now ("'l0.ffn1' on node fpga3"): when a run times
  // out, these are the ones it waited for.
  std::vector<std::string> computing() const;

 private:
  struct Task;
  // A task's thread: one sequence per post() until the node closes or the run fails.
  void serve(Task& task);
  // One sequence; false when it failed (the failure is recorded).
  bool run_task(Task& task);
  // Throws unless every task finished the posted sequence (call with mutex_ held).
  void check_idle(const char* what) const;
  // One message per source, in source order.
  std::vector<Message> receive(Task& task);
  // `m` from the task to kernel `to`, one burst, through kernel 0 of `to`'s cluster when that is
  // another.
  void send(Task& task, plan::GalapagosAddress to, const Message& m);
  // `m` to every dest of the task.
  void emit(Task& task, const Message& m);
  // A comm task's CommOp on the messages of its sources.
  void relay(Task& task, std::vector<Message> in);
  // "'l0.q'", "comm kernel 34 (scatter) of Galapagos cluster 0": a source in errors.
  std::string source_name(plan::GalapagosAddress a) const;

  const plan::Plan& plan_;
  const Wiring& wiring_;
  int node_;
  Failure& failure_;
  NodeOptions options_;
  Router router_;
  std::function<void(Message)> on_output_;
  // The sequence in flight, guarded by mutex_: post() writes it, tasks read it once they see
  // the sequence number change; `done` of each task says which sequence it finished last.
  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::int64_t sequence_ = 0;
  bool closing_ = false;
  const Message* input_ = nullptr;
  Deadline deadline_;
  Clock::time_point started_;
  std::vector<std::unique_ptr<Task>> tasks_;
  // After the router and the tasks' FIFOs: the transport lets go of them before they go.
  Attachment attachment_;
  std::vector<std::jthread> threads_;
};

}  // namespace atl::platform
