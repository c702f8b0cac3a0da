// A software FPGA node: its router and one task (std::jthread) per kernel placed on it, as
// libGalapagos runs software kernels (reference-system.md §1.6). A task receives one message
// per input stream (sorting packets by TID like the HLS arbiter), assembles each port (gather
// in source-ID order, or reduce), runs the kernel's role function and sends the result to its
// children by bcast/scatter, one packet per row.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "model/weights.h"
#include "plan/plan.h"
#include "platform/failure.h"
#include "platform/message.h"
#include "platform/ports.h"
#include "platform/router.h"

namespace atl::platform {

// What one node did in a run. Kernel-level counts include traffic between kernels of the same
// node; `network` counts only what crossed the transport (bridge header flits included).
struct NodeTraffic {
  std::string node;
  int kernels = 0;
  std::int64_t messages_sent = 0, packets_sent = 0, flits_sent = 0, bytes_sent = 0;
  std::int64_t messages_received = 0, packets_received = 0, flits_received = 0, bytes_received = 0;
  NetworkTraffic network;
  double busy_ms = 0;  // time its kernels spent in their role functions (summed over kernels)
  double done_ms = 0;  // from the start of the run until its last kernel finished
};

struct NodeOptions {
  // Called in a kernel's task just before it computes; tests inject faults by throwing here.
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

  // Starts every kernel task; each of their blocking waits gives up at `deadline`. The source
  // kernel, if on this node, injects `input`; the sink passes the message it receives to
  // `on_output` (from its own thread).
  void start(const Message* input, std::function<void(Message)> on_output, Deadline deadline);
  // Waits for every task; tasks end on completion, on their own error or on the run's stop.
  void join();

  NodeTraffic traffic() const;
  // Kernels inside their role function right now ("'l0.ffn1' on node fpga3"): when a run times
  // out, these are the ones it waited for.
  std::vector<std::string> computing() const;

 private:
  struct Task;
  void run_task(Task& task);
  // One message per input stream, assembled per port (gather / reduce).
  std::vector<Message> receive(Task& task);
  // `m` to every child of the task: row by row, bcast copies and scatter chunks.
  void emit(Task& task, const Message& m);

  const plan::Plan& plan_;
  const Wiring& wiring_;
  int node_;
  Failure& failure_;
  NodeOptions options_;
  Deadline deadline_;
  Clock::time_point started_;
  Router router_;
  const Message* input_ = nullptr;
  std::function<void(Message)> on_output_;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::vector<std::jthread> threads_;
};

}  // namespace atl::platform
