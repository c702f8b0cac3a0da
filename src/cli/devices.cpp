// `atoll devices`: the device catalogue (data/devices/*.yaml) as a table.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/catalogue.h"
#include "cli/verbs.h"
#include "hw/device.h"

namespace atl::cli {
namespace {

void run(const CatalogueOptions& o) {
  const hw::Catalogue catalogue = o.load();
  fmt::print("{:<16} {:<24} {:>9} {:>7} {:>8} {:>8} {:>6} {:>11} {:>9} {:>7}\n", "name", "part",
             "LUT", "DSP", "BRAM MB", "URAM MB", "AIE", "network", "clock MHz", "power W");
  for (const auto& [name, d] : catalogue) {
    fmt::print("{:<16} {:<24} {:>9} {:>7} {:>8.1f} {:>8.1f} {:>6} {:>11} {:>9.0f} {:>7.0f}\n", name,
               d.part, d.resources.lut, d.resources.dsp,
               static_cast<double>(d.resources.bram_bytes) / 1e6,
               static_cast<double>(d.resources.uram_bytes) / 1e6, d.aie_tiles,
               fmt::format("{}x{:.0f}G", d.network_ports, d.network_gbps_per_port),
               d.kernel_clock_mhz, d.board_power_w);
  }
}

}  // namespace

void add_devices(CLI::App& app) {
  auto o = std::make_shared<CatalogueOptions>();
  CLI::App* cmd = app.add_subcommand("devices", "List the FPGA device catalogue");
  add_catalogue_option(*cmd, *o);
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
