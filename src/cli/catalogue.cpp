#include "cli/catalogue.h"

#include "sim/sim.h"

namespace atl::cli {

hw::Catalogue CatalogueOptions::load() const {
  return hw::load_catalogue(dir.empty() ? hw::default_catalogue_dir() : std::filesystem::path(dir));
}

void add_catalogue_option(CLI::App& cmd, CatalogueOptions& o) {
  cmd.add_option("--catalogue", o.dir, "Device catalogue directory (default data/devices)");
}

void add_device_check_options(CLI::App& cmd, CatalogueOptions& o) {
  add_catalogue_option(cmd, o);
  cmd.add_flag("--allow-device-edits", o.allow_device_edits,
               "Accept devices whose figures differ from the catalogue (what-if studies)");
}

void check_plan_devices(const plan::Plan& plan, const CatalogueOptions& o) {
  if (!o.allow_device_edits) sim::check_catalogue(plan, o.load());
}

}  // namespace atl::cli
