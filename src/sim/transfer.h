// Rows on their way across the network. Each link serialises one row's packets at a time at its
// bandwidth, first come first served, so senders to one node queue on its switch output port
// (switch contention). Links shared by several producers must serve rows in arrival order, hence
// an event per row and shared link; a private link (one producer) is served at once.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/event_queue.h"
#include "sim/model.h"
#include "sim/network.h"

namespace atl::sim {

// Event payloads: a kernel index, or kHopBit | a flight (a row reaching its next shared link).
constexpr std::uint32_t kHopBit = 1u << 23;

// A row that has crossed its last link.
struct Arrival {
  int group = 0;
  std::int64_t row = 0;
  Picos at = 0;
};

class Transfers {
 public:
  Transfers(const Model& model, const Network& net);

  // Row `row` of group `group` leaves its producer's port at `depart`. Returns its arrival when
  // every link of the route is private; otherwise it queues a hop event and returns nullopt.
  std::optional<Picos> send(int group, std::int64_t row, Picos depart, EventQueue& queue);
  // A hop event of flight `f` at `now`: returns the arrival once the row has crossed its route.
  std::optional<Arrival> hop(std::uint32_t f, Picos now, EventQueue& queue);

  // Per link, over the run: time spent serialising, bytes, rows.
  const std::vector<Picos>& busy() const { return busy_; }
  const std::vector<std::int64_t>& bytes() const { return bytes_; }
  const std::vector<std::int64_t>& rows() const { return rows_; }

 private:
  struct Flight {
    int group = 0;
    std::int64_t row = 0;
    int hop = 0;  // index of the next link on the route
  };
  std::optional<Picos> travel(std::uint32_t f, Picos head, EventQueue& queue);

  const Model& model_;
  const Network& net_;
  std::vector<Picos> free_at_, busy_;
  std::vector<std::int64_t> bytes_, rows_;
  std::vector<Flight> flights_;
  std::vector<std::uint32_t> free_flights_;
};

}  // namespace atl::sim
