#include "codegen/senders.h"

#include <algorithm>
#include <utility>

namespace atl::codegen {

using plan::GalapagosAddress;

std::vector<GalapagosAddress> senders(const plan::Plan& plan, int cluster,
                                      const plan::GalapagosKernel& k) {
  const GalapagosAddress self{cluster, k.id};
  std::vector<GalapagosAddress> found;
  const auto& clusters = plan.galapagos.clusters;
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    for (const plan::GalapagosKernel& s : clusters[c].kernels) {
      if (s.kind == plan::GalapagosKind::gmi) continue;  // kernel 0 decodes; its virtuals send
      for (const GalapagosAddress& d : s.dests) {
        if (d == self) found.push_back({static_cast<int>(c), s.id});
      }
    }
  }
  const auto listed = [&](GalapagosAddress a) {
    const auto it = std::find_if(k.sources.begin(), k.sources.end(), [&](GalapagosAddress s) {
      return s == a || (s.cluster == GalapagosAddress::kHost && a.cluster == s.cluster);
    });
    return it - k.sources.begin();
  };
  for (const GalapagosAddress& s : k.sources) {
    if (s.cluster == GalapagosAddress::kHost) found.push_back({GalapagosAddress::kHost, 0});
  }
  std::stable_sort(found.begin(), found.end(), [&](GalapagosAddress a, GalapagosAddress b) {
    return std::pair{listed(a), a} < std::pair{listed(b), b};
  });
  return found;
}

}  // namespace atl::codegen
