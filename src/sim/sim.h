// Discrete-event timing simulation of a plan: how long one sequence takes on the mapped cluster,
// how many sequences per second it sustains, and where the time goes.
//
// The model, at token-row granularity (docs/simulation.md has the full account):
//  - A kernel is a pipelined process at its node's clock. It accepts row r once every input
//    stream has delivered row r, at most one row per cycles_per_token (cost/), and emits the row
//    fill_cycles + cycles_per_token later. Attention/context kernels first wait for the whole
//    sequence on port 1 (K or V).
//  - Streams are bounded FIFOs: a producer may emit row r only while the consumer has released
//    row r - depth (back-pressure, credits counted end to end, packets in flight included).
//  - A kernel's output port moves one 64-B flit per cycle; a row goes to its consumers one
//    stream after the other (GMI broadcast is serial replay).
//  - Rows that leave the FPGA cross the links of their route: each link serialises one row's
//    packets at a time at its bandwidth (wire bytes = flits incl. the 64-B Galapagos header per
//    packet + Ethernet/IP/UDP framing, from cost::stream_cost), plus the per-hop latency.
//    Switch contention is queueing on the destination's switch output port.
// Time is integer picoseconds; events are ordered by (time, sequence number): deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "sim/event_queue.h"

namespace atl::sim {

// What one simulate() call may take on. Both are checked before anything is allocated and
// exceeding them throws core::Error of kind does_not_fit.
//  - work: each of the two runs (latency, throughput) handles at most kMaxKernelRows kernel
//    rows (graph kernels x seq_len x sequences); about two minutes of one core.
//  - memory: stream FIFOs, the latency run's per-row record and the per-sequence times together
//    at most kMaxBufferBytes.
// Simulated time must stay below kMaxTime (sim/picos.h); durations that could pass it throw
// does_not_fit, naming the kernel and device or the link.
constexpr std::int64_t kMaxKernelRows = std::int64_t{1} << 30;
constexpr std::int64_t kMaxBufferBytes = std::int64_t{1} << 31;
// Ranges of Options::fifo_rows and Options::sequence_buffers.
constexpr std::int64_t kMaxFifoRows = std::int64_t{1} << 20;
constexpr std::int64_t kMaxSequenceBuffers = 64;

struct Options {
  std::int64_t sequences = 1;  // back-to-back sequences for the throughput run, >= 1
  // Zero latency and infinite bandwidth between FPGAs (on-chip transfers still take their
  // cycles): the setting under which the analytic estimate (plan.estimate) is comparable.
  bool ideal_network = false;
  // Depth in rows of an ordinary stream FIFO. Second operands (port 1: K, V, the residual) and
  // every input of a kernel that waits for a whole port-1 sequence are buffered a whole
  // sequence deep on chip, as the Cluster Builder kernels do (else the design deadlocks).
  std::int64_t fifo_rows = 4;
  // Whole sequences such a buffer holds: 2 = ping-pong, so sequence s+1 fills while s drains.
  std::int64_t sequence_buffers = 2;
  // Called now and then from the throughput run with the fraction done (0..1); may be empty.
  std::function<void(double)> progress;
};

struct KernelStats {
  std::string name;
  int node = 0;
  std::int64_t rows = 0;  // rows accepted in the throughput run
  Picos busy = 0;         // rows * cycles_per_token
  Picos starved = 0;      // waiting for an input row
  Picos blocked = 0;      // waiting for room downstream (back-pressure, output port)
  // Sequence 0 of the latency run (one sequence alone): first row accepted, last row out.
  Picos first_start = 0, last_end = 0;
};

struct LinkStats {
  std::string name;
  Picos busy = 0;  // serialising
  std::int64_t bytes = 0, rows = 0;
  double utilisation = 0;  // busy / throughput-run makespan
};

// What a step of the critical path is: a kernel processing rows, a row moving between two
// kernels of one FPGA, or a row crossing the network (the links of its route).
enum class StepKind { kernel, stream, link };

// One step of the critical path of the latency run, in time order.
struct PathStep {
  StepKind kind = StepKind::kernel;
  // kernel: its name; stream: "producer -> consumer"; link: the route's links, comma-separated.
  std::string name;
  std::int64_t first_row = 0, last_row = 0;
  Picos start = 0, end = 0;
};

struct Result {
  Picos latency = 0;                     // one sequence alone: first row in to last row out
  double throughput_seq_per_s = 0;       // steady state of the throughput run
  Picos makespan = 0;                    // throughput run: first row in to last row out
  double mean_latency_in_stream_us = 0;  // throughput run: mean over sequences (includes queueing)
  std::int64_t sequences = 0;
  std::int64_t events = 0;  // both runs
  bool ideal_network = false;
  std::vector<KernelStats> kernels;  // per graph kernel
  std::vector<LinkStats> links;
  std::vector<PathStep> critical_path;
  std::vector<Picos> sequence_done;  // throughput run: when each sequence's last row left
};

// Simulates `plan`, which must pass plan::validate (simulate calls it: a plan built in code is
// checked like a loaded one). Beyond that it throws core::Error naming the field, kernel or link
// for what plan::validate leaves to the simulator: clocks outside (0, 10^6] MHz, bad network
// figures (sim/network.h), Options out of range, the limits above, and a simulation that stops
// making progress (naming the waiting kernels).
Result simulate(const plan::Plan& plan, const Options& options = {});

// Throws core::Error naming the node and the figure unless every node's device is the catalogue's
// board of that name with the same figures (a plan made with another catalogue, or edited by
// hand). The CLI calls it unless told --allow-device-edits.
void check_catalogue(const plan::Plan& plan, const hw::Catalogue& catalogue);

}  // namespace atl::sim
