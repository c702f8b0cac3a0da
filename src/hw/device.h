// Device: one FPGA board of the catalogue (data/devices/*.yaml). Every figure in the YAML carries
// its source; here only the values are kept.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace atl::hw {

struct Device {
  std::string name;  // catalogue key, e.g. "sidewinder-100", "u280"
  std::string description;
  std::string part;    // FPGA part number
  std::string family;  // "ultrascale_plus" | "versal"
  std::int64_t lut = 0, ff = 0, dsp = 0;
  std::int64_t bram_bytes = 0, uram_bytes = 0;
  std::int64_t aie_tiles = 0;
  std::string dsp_kind;                // "dsp48e2" | "dsp58"
  double dsp_int8_macs_per_cycle = 2;  // packed int8 MACs per DSP per cycle
  double aie_int8_macs_per_cycle = 0;  // per AIE tile
  double aie_clock_mhz = 0;
  std::int64_t offchip_bytes = 0;
  double offchip_gbytes_per_s = 0;
  int network_ports = 0;
  double network_gbps_per_port = 0;
  double kernel_clock_mhz = 0;
  double board_power_w = 0;
  friend bool operator==(const Device&, const Device&) = default;
};

using Catalogue = std::map<std::string, Device>;

// Loads every *.yaml under `dir`; errors name the file and the field.
Catalogue load_catalogue(const std::filesystem::path& dir);

// atoll's data folder: $ATOLL_DATA if set, else the source tree's data/ (compiled in), else
// data/ next to the executable.
std::filesystem::path default_data_dir();

// The catalogue shipped with atoll: default_data_dir() / "devices".
std::filesystem::path default_catalogue_dir();

}  // namespace atl::hw
