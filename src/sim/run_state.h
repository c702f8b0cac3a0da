// What a run knows as it goes, per kernel and per stream, and what it records of sequence 0 for
// the critical path.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "sim/event_queue.h"

namespace atl::sim {

constexpr Picos kPending = std::numeric_limits<Picos>::max();  // the row is in the network

enum class CauseKind : std::uint8_t { none, self, input, output, outport };

// Why a kernel accepted a row when it did: the constraint that was satisfied last.
struct Cause {
  CauseKind kind = CauseKind::none;
  int stream = -1;
  std::int64_t row = -1;  // input: producer row awaited; output: consumer row that freed room
};

struct KernelRun {
  std::int64_t next_row = 0;
  Picos last_accept = 0, outport_free = 0;
  bool pending = false;  // a step event is queued
  Cause blocker;         // what it last went to sleep on
  Picos busy = 0, starved = 0, blocked = 0;
};

struct StreamRun {
  std::vector<Picos> arrival;   // ring of `capacity` slots: when row r reached the consumer
  std::vector<Picos> freed_at;  // ring of `capacity` slots: when the consumer released row r
  std::int64_t emitted = 0, released = 0;
  // The row the sleeping consumer waits for (-1: awake); a sequence buffer wakes its consumer
  // only with the sequence's last row, not with every row.
  std::int64_t consumer_waits_for = -1;
  bool producer_waiting = false;
};

// Sequence 0 of the latency run: per kernel row, accept time and cause ([kernel * seq_len +
// row]); per stream row, departure from the producer's port and arrival at the consumer
// ([stream * seq_len + row]).
struct Recording {
  std::vector<Picos> accept;
  std::vector<Cause> cause;
  std::vector<Picos> depart, arrive;
};

}  // namespace atl::sim
