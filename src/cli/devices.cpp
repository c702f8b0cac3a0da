// `atoll devices`: the device catalogue (data/devices/*.yaml) as a table.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/verbs.h"
#include "hw/device.h"

namespace atl::cli {
namespace {

void run(const std::string& dir) {
  const hw::Catalogue catalogue =
      hw::load_catalogue(dir.empty() ? hw::default_catalogue_dir() : std::filesystem::path(dir));
  fmt::print("{:<16} {:<24} {:>9} {:>7} {:>8} {:>8} {:>6} {:>11} {:>9} {:>7}\n", "name", "part",
             "LUT", "DSP", "BRAM MB", "URAM MB", "AIE", "network", "clock MHz", "power W");
  for (const auto& [name, d] : catalogue) {
    fmt::print("{:<16} {:<24} {:>9} {:>7} {:>8.1f} {:>8.1f} {:>6} {:>11} {:>9.0f} {:>7.0f}\n", name,
               d.part, d.lut, d.dsp, static_cast<double>(d.bram_bytes) / 1e6,
               static_cast<double>(d.uram_bytes) / 1e6, d.aie_tiles,
               fmt::format("{}x{:.0f}G", d.network_ports, d.network_gbps_per_port),
               d.kernel_clock_mhz, d.board_power_w);
  }
}

}  // namespace

void add_devices(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("devices", "List the FPGA device catalogue");
  cmd->add_option("--catalogue", *dir, "Device catalogue directory (default data/devices)");
  cmd->callback([dir] { run(*dir); });
}

}  // namespace atl::cli
