#include "map/grouping.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/error.h"

namespace atl::map {

std::vector<graph::Grouping> consecutive_groupings() {
  const std::vector<graph::Sublayer>& all = graph::all_sublayers();
  const std::size_t gaps = all.size() - 1;  // bit i of a mask: cut after sub-layer i
  std::vector<std::vector<unsigned>> by_cuts(gaps + 1);
  for (unsigned mask = 0; mask < (1u << gaps); ++mask) {
    by_cuts[static_cast<std::size_t>(__builtin_popcount(mask))].push_back(mask);
  }
  std::vector<graph::Grouping> out;
  for (auto& masks : by_cuts) {
    // Earliest first cut first: compare the cut positions in order.
    std::sort(masks.begin(), masks.end(), [&](unsigned a, unsigned b) {
      for (std::size_t i = 0; i < gaps; ++i) {
        const bool ca = a >> i & 1, cb = b >> i & 1;
        if (ca != cb) return ca;
      }
      return false;
    });
    for (unsigned mask : masks) {
      graph::Grouping g(1);
      for (std::size_t i = 0; i < all.size(); ++i) {
        g.back().push_back(all[i]);
        if (i < gaps && (mask >> i & 1)) g.emplace_back();
      }
      out.push_back(std::move(g));
    }
  }
  return out;
}

graph::Grouping choose_grouping(const ClusterIds& ids) {
  std::optional<graph::Grouping> best;
  std::size_t best_ids = 0;
  std::string last_error;
  for (const graph::Grouping& g : consecutive_groupings()) {
    if (best && g.size() > best->size()) break;  // a coarser grouping fits
    try {
      const std::size_t n = ids(g);
      if (!best || n < best_ids) {
        best = g;
        best_ids = n;
      }
    } catch (const core::Error& e) {
      if (e.kind() != core::ErrorKind::does_not_fit) throw;
      last_error = e.what();
    }
  }
  if (!best) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("no grouping of the eight sub-layers into Galapagos clusters "
                                  "fits the 8-bit kernel IDs, not even one sub-layer per "
                                  "cluster: {}",
                                  last_error));
  }
  return *best;
}

}  // namespace atl::map
