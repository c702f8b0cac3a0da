#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "sim/sim.h"

namespace atl::sim {
namespace {

// The device figures a timing or energy estimate depends on, by their catalogue names.
std::vector<std::pair<const char*, double>> figures(const hw::Device& d) {
  return {{"resources.lut", static_cast<double>(d.lut)},
          {"resources.ff", static_cast<double>(d.ff)},
          {"resources.dsp", static_cast<double>(d.dsp)},
          {"resources.bram_bytes", static_cast<double>(d.bram_bytes)},
          {"resources.uram_bytes", static_cast<double>(d.uram_bytes)},
          {"resources.aie_tiles", static_cast<double>(d.aie_tiles)},
          {"dsp.int8_macs_per_cycle", d.dsp_int8_macs_per_cycle},
          {"aie.int8_macs_per_cycle_per_tile", d.aie_int8_macs_per_cycle},
          {"aie.clock_mhz", d.aie_clock_mhz},
          {"network.ports", static_cast<double>(d.network_ports)},
          {"network.gbps_per_port", d.network_gbps_per_port},
          {"clock.kernel_mhz", d.kernel_clock_mhz},
          {"power.board_w", d.board_power_w}};
}

}  // namespace

void check_catalogue(const plan::Plan& plan, const hw::Catalogue& catalogue) {
  for (std::size_t i = 0; i < plan.cluster.nodes.size(); ++i) {
    const hw::Node& node = plan.cluster.nodes[i];
    auto it = catalogue.find(node.device.name);
    if (it == catalogue.end()) {
      std::string known;
      for (const auto& [name, _] : catalogue) known += (known.empty() ? "" : ", ") + name;
      throw core::Error(fmt::format(
          "plan: cluster.nodes[{}] ({}).device.name '{}' is not in the device catalogue "
          "(known: {})",
          i, node.name, node.device.name, known));
    }
    const auto ours = figures(node.device), theirs = figures(it->second);
    for (std::size_t f = 0; f < ours.size(); ++f) {
      if (ours[f].second == theirs[f].second) continue;
      throw core::Error(fmt::format(
          "plan: cluster.nodes[{}] ({}): device '{}' has {} = {} but the catalogue says {} (edit "
          "the catalogue, re-map, or pass --allow-device-edits)",
          i, node.name, node.device.name, ours[f].first, ours[f].second, theirs[f].second));
    }
  }
}

}  // namespace atl::sim
