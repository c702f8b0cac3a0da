// The device catalogue options, declared once for every verb that reads the catalogue: `map`,
// `devices` and `demo` take --catalogue; `simulate` and `report`, which check a plan's devices
// against it, also take --allow-device-edits.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "hw/device.h"
#include "plan/plan.h"

namespace atl::cli {

struct CatalogueOptions {
  std::string dir;  // --catalogue; empty: hw::default_catalogue_dir()
  bool allow_device_edits = false;

  hw::Catalogue load() const;
};

// --catalogue DIR.
void add_catalogue_option(CLI::App& cmd, CatalogueOptions& o);
// --catalogue DIR and --allow-device-edits.
void add_device_check_options(CLI::App& cmd, CatalogueOptions& o);

// Unless --allow-device-edits: every device of `plan` must be the catalogue's board of that name
// with the same figures (sim::check_catalogue).
void check_plan_devices(const plan::Plan& plan, const CatalogueOptions& o);

}  // namespace atl::cli
