#include "map/engine_choice.h"

#include <fmt/format.h>

#include "core/error.h"
#include "hw/aie.h"

namespace atl::map {

Caps with_aie(Caps caps, const hw::Cluster& cluster) {
  for (const hw::Node& node : cluster.nodes) {
    if (hw::has_aie(node.device)) continue;
    throw core::Error(fmt::format(
        "--aie: node '{}' is a {}, which has no AI Engines (catalogue resources.aie_tiles = 0); "
        "AI Engines are on Versal AI Core boards such as vck190 and vck5000",
        node.name, node.device.name));
  }
  if (caps.aie <= 0) caps.aie = 1;
  return caps;
}

}  // namespace atl::map
