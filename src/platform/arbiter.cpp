#include "platform/arbiter.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace atl::platform {

Arbiter::Arbiter(std::span<const Source> sources, std::uint32_t max_rows,
                 const std::string& receiver) {
  for (const Source& s : sources) {
    tids_.push_back(s.tid);
    readers_.emplace_back(s.row_bytes, max_rows,
                          fmt::format("{} -> {}", to_string(s.from), receiver));
  }
}

bool Arbiter::add(const Packet& p) {
  const auto it = std::find(tids_.begin(), tids_.end(), p.id);
  if (it == tids_.end()) {
    std::string tids;
    for (std::uint32_t t : tids_) tids += fmt::format("{}{}", tids.empty() ? "" : ", ", t);
    throw core::Error(fmt::format(
        "packet from kernel ID {}, which does not feed this kernel (its sources send with TID "
        "{})",
        p.id, tids));
  }
  if (readers_[static_cast<std::size_t>(it - tids_.begin())].add(p)) ++done_;
  return complete();
}

std::vector<std::size_t> Arbiter::missing() const {
  std::vector<std::size_t> out;
  for (std::size_t s = 0; s < readers_.size(); ++s) {
    if (!readers_[s].complete()) out.push_back(s);
  }
  return out;
}

std::vector<Message> Arbiter::take() {
  std::vector<Message> out;
  for (MessageReader& r : readers_) out.push_back(r.take());
  done_ = 0;
  return out;
}

}  // namespace atl::platform
