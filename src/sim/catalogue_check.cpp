#include <fmt/format.h>

#include <string>
#include <variant>

#include "core/error.h"
#include "sim/sim.h"

namespace atl::sim {

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
    // The figures a timing, fit or energy estimate depends on (hw::DeviceField::checked).
    for (const hw::DeviceField& f : hw::device_fields()) {
      if (!f.checked) continue;
      const hw::FieldValue ours = hw::get(f, node.device), theirs = hw::get(f, it->second);
      if (ours == theirs) continue;
      auto text = [](const hw::FieldValue& v) {
        return std::visit([](const auto& x) { return fmt::format("{}", x); }, v);
      };
      throw core::Error(fmt::format(
          "plan: cluster.nodes[{}] ({}): device '{}' has {} = {} but the catalogue says {} (edit "
          "the catalogue, re-map, or pass --allow-device-edits)",
          i, node.name, node.device.name, hw::yaml_path(f), text(ours), text(theirs)));
    }
  }
}

}  // namespace atl::sim
