#include "sim/transfer.h"

#include <algorithm>

#include "core/error.h"

namespace atl::sim {

Transfers::Transfers(const Model& model, const Network& net)
    : model_(model),
      net_(net),
      free_at_(net.links.size(), 0),
      busy_(net.links.size(), 0),
      bytes_(net.links.size(), 0),
      rows_(net.links.size(), 0) {}

std::optional<Picos> Transfers::send(int group, std::int64_t row, Picos depart, EventQueue& queue) {
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

std::optional<Arrival> Transfers::hop(std::uint32_t f, Picos now, EventQueue& queue) {
  const Flight fl = flights_[f];
  const std::optional<Picos> at = travel(f, now, queue);
  if (!at) return std::nullopt;
  return Arrival{fl.group, fl.row, *at};
}

// The head of the row's packets reaches its next link at `head`: it waits for the link to be
// free, then occupies it for the serialisation. Private links that follow are served at once; a
// shared one gets an event at the time the head reaches it, so that senders are served in time
// order.
std::optional<Picos> Transfers::travel(std::uint32_t f, Picos head, EventQueue& queue) {
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
