// The grouping of Cluster Builder's eight sub-layers into Galapagos clusters when no config.json
// gives one (docs/mapping.md, "Galapagos clusters"). Every cluster numbers its kernels from 1 in
// an 8-bit TDEST (kernel 0 is the GMI node), so a grouping fits only if no cluster needs more
// than the 256 IDs 0..255. The mapper prefers the coarsest grouping that fits: fewest clusters, so
// fewest GMI nodes and virtual kernels, and the within-cluster comm kernels Cluster Builder uses.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "graph/sublayer.h"

namespace atl::map {

// How many kernel IDs (kernel 0 included) the largest cluster of `grouping` needs, or throws
// core::Error of kind does_not_fit when some cluster needs more than 256. The plan's Galapagos
// numbering gives it (plan/ sits below map/ in the data flow, so the caller passes it in).
using ClusterIds = std::function<std::size_t(const graph::Grouping& grouping)>;

// Among the groupings into runs of consecutive sub-layers (data-flow order, as Cluster Builder's
// numbering needs), the one with the fewest clusters that fits; among those, the one whose
// largest cluster needs the fewest IDs; then the one whose first cut comes earliest. Throws
// core::Error of kind does_not_fit when even one sub-layer per cluster does not fit, with the
// numbering's reason.
graph::Grouping choose_grouping(const ClusterIds& ids);

// The 128 groupings into runs of consecutive sub-layers, by number of clusters, then in the
// order of their cut positions (1 cluster first, 8 clusters last).
std::vector<graph::Grouping> consecutive_groupings();

}  // namespace atl::map
