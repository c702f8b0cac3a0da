// The event loop of simulate(): one run of the model over `sequences` back-to-back sequences.
// Two kinds of events, both in one EventQueue:
//  - a kernel "step": the kernel takes every next row whose inputs and downstream room are
//    already known (their times may lie ahead of the clock), then registers on the one stream it
//    is waiting for and sleeps until that stream wakes it. A row's accept time depends only on
//    those, so taking it early gives exactly the time a row-by-row loop would.
//  - a network "hop" (sim/transfer.h): a row's packets reach the next shared link of their route.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.h"
#include "sim/event_queue.h"
#include "sim/model.h"
#include "sim/network.h"
#include "sim/run_state.h"
#include "sim/sim.h"
#include "sim/transfer.h"

namespace atl::sim {

class Run {
 public:
  // With `record`, keeps the times and causes of sequence 0 (recording()).
  Run(const graph::Graph& graph, const Model& model, const Network& net, const Options& options,
      std::int64_t sequences, bool record);

  // Runs to the end. Throws core::Error naming the waiting kernels if the run stops with rows
  // undelivered (a deadlock).
  void run();

  std::int64_t events() const { return events_; }
  // Per sequence: when the source took its first row, when the sink took its last.
  const std::vector<Picos>& injected() const { return injected_; }
  const std::vector<Picos>& done() const { return done_; }
  const std::vector<KernelRun>& kernels() const { return kernels_; }
  const Transfers& transfers() const { return transfers_; }
  const Recording& recording() const { return record_; }

 private:
  void wake(int k, Picos when);
  void step(int k);
  void accept(int k, const Cause& cause, Picos at);
  void deliver(const Group& grp, std::int64_t row, Picos at);

  const graph::Graph& graph_;
  const Model& model_;
  const Options& opt_;
  const std::int64_t S_, total_;
  const bool recording_;

  std::vector<KernelRun> kernels_;
  std::vector<StreamRun> streams_;
  Transfers transfers_;
  EventQueue queue_;
  Picos now_ = 0;
  std::int64_t events_ = 0, sink_rows_ = 0;
  std::vector<Picos> done_, injected_;
  Recording record_;
};

}  // namespace atl::sim
