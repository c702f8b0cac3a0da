// The simulator's picture of a plan, built once and shared by the latency and the throughput
// run: per kernel its pace and fill in picoseconds, per stream its FIFO depth in rows, per
// producer and destination node the transfer group its rows travel in, per network link whether
// a single producer uses it.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan.h"
#include "sim/network.h"
#include "sim/sim.h"

namespace atl::sim {

struct KernelModel {
  Picos cpt = 0;             // one row per cpt (cycles_per_token at the node's clock)
  Picos fill = 0;            // a row comes out cpt + fill after it was accepted
  bool waits_port1 = false;  // first waits for the whole sequence on port 1 (K or V)
  std::vector<int> inputs;   // stream indices
  std::vector<int> groups;   // output transfer groups
};

struct StreamModel {
  int producer = 0, consumer = 0;
  int group = 0;                // the producer's transfer group that carries it
  std::int64_t capacity = 0;    // FIFO depth in rows (packets in flight included)
  bool whole_sequence = false;  // the consumer needs (and frees) a whole sequence at a time
};

// The rows one producer sends to the consumers it has on one destination node: a GMI scatter or
// broadcast to several kernels of one FPGA is one burst of packets.
struct Group {
  int producer = 0, dst_node = 0;
  std::vector<int> streams;
  Picos outport = 0;             // its flits through the producer's output port
  std::vector<int> route;        // network links; empty on chip (or with an ideal network)
  Picos ser = 0, ser_first = 0;  // per link; the first row of a sequence carries the header
  std::int64_t bytes = 0, bytes_first = 0;
};

struct Model {
  std::int64_t seq_len = 0;
  int source = -1, sink = -1;        // kernel indices
  std::vector<KernelModel> kernels;  // per graph kernel
  std::vector<StreamModel> streams;  // per graph stream
  std::vector<Group> groups;
  // Per network link: it carries one producer's rows only, so they reach it in that producer's
  // order, which is also their time order: it can serve them without events.
  std::vector<bool> private_link;
};

// Builds the model of `plan` (validated by check_simulation) on `net` with the FIFO depths of
// `options`. Throws core::Error of kind does_not_fit, naming the kernel and device or the
// stream, when a duration or the run of `options.sequences` could pass kMaxTime.
Model build_model(const plan::Plan& plan, const Network& net, const Options& options);

}  // namespace atl::sim
