// Rows on their way across the network. Each link serialises one row's packets at a time at its
// bandwidth, first come first served, so senders to one node queue on its switch output port
// (switch contention). Links shared by several producers must serve rows in arrival order, hence
// an event per row and shared link; a private link (one producer) is served at once.
//
// Header-only, like the event queue: it is on the per-row path of the event loop, and calls
// into another translation unit made the 72-FPGA benchmark 8 % slower.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/error.h"
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
  Transfers(const Model& model, const Network& net)
      : model_(model),
        net_(net),
        free_at_(net.links.size(), 0),
        busy_(net.links.size(), 0),
        bytes_(net.links.size(), 0),
        rows_(net.links.size(), 0) {}

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

inline std::optional<Picos> Transfers::send(int group, std::int64_t row, Picos depart,
                                            EventQueue& queue) {
  std::uint32_t f;
  if (free_flights_.empty()) {
    f = static_cast<std::uint32_t>(flights_.size());
    if (f >= kHopBit) {
      throw core::Error(core::ErrorKind::does_not_fit,
                        "simulation: more than 8M rows in flight at once");
    }
    flights_.push_back({group, row, 0});
  } else {
    f = free_flights_.back();
    free_flights_.pop_back();
    flights_[f] = {group, row, 0};
  }
  if (model_.private_link[model_.groups[group].route.front()]) return travel(f, depart, queue);
  queue.push(depart, kHopBit | f);
  return std::nullopt;
}

inline std::optional<Arrival> Transfers::hop(std::uint32_t f, Picos now, EventQueue& queue) {
  const Flight fl = flights_[f];
  const std::optional<Picos> at = travel(f, now, queue);
  if (!at) return std::nullopt;
  return Arrival{fl.group, fl.row, *at};
}

// The head of the row's packets reaches its next link at `head`: it waits for the link to be
// free, then occupies it for the serialisation. Private links that follow are served at once; a
// shared one gets an event at the time the head reaches it, so that senders are served in time
// order.
inline std::optional<Picos> Transfers::travel(std::uint32_t f, Picos head, EventQueue& queue) {
  Flight& fl = flights_[f];
  const Group& grp = model_.groups[fl.group];
  const bool first = fl.row % model_.seq_len == 0;
  const Picos ser = first ? grp.ser_first : grp.ser;
  const std::int64_t bytes = first ? grp.bytes_first : grp.bytes;
  for (;;) {
    const int link = grp.route[fl.hop];
    const Picos start = std::max(head, free_at_[link]);
    free_at_[link] = start + ser;
    busy_[link] += ser;
    bytes_[link] += bytes;
    ++rows_[link];
    head = start + net_.links[link].latency;
    if (++fl.hop == static_cast<int>(grp.route.size())) break;
    if (!model_.private_link[grp.route[fl.hop]]) {
      queue.push(head, kHopBit | f);
      return std::nullopt;
    }
  }
  free_flights_.push_back(f);
  return head + ser;
}

}  // namespace atl::sim
