// Device: one FPGA board of the catalogue (data/devices/*.yaml). Every figure in the YAML carries
// its source; here only the values are kept.
//
// A device's figures are described once, by device_fields(): the catalogue reader (here), the
// plan's JSON writer and reader (plan/json.cpp) and the catalogue check of simulate and report
// all walk that table, so a new figure is one new row.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <variant>

#include "hw/resources.h"

namespace atl::hw {

struct Device {
  std::string name;  // catalogue key, e.g. "sidewinder-100", "u280"
  std::string description;
  std::string part;    // FPGA part number
  std::string family;  // "ultrascale_plus" | "versal"
  Resources resources;
  std::int64_t aie_tiles = 0;
  std::string dsp_kind;                // "dsp48e2" | "dsp58"
  double dsp_int8_macs_per_cycle = 2;  // packed int8 MACs per DSP per cycle
  double aie_int8_macs_per_cycle = 0;  // per AIE tile
  double aie_clock_mhz = 0;
  // The AI Engine array as the cost model sees it (hw/aie.h; docs/cost-model.md "AI Engines"):
  std::int64_t aie_data_memory_bytes = 0;  // data memory per tile
  std::int64_t aie_plio_in = 0;            // PL-to-AIE streams
  std::int64_t aie_plio_out = 0;           // AIE-to-PL streams
  std::int64_t aie_plio_bits = 0;          // width of one stream
  double aie_plio_mhz = 0;                 // clock of the PL side of the interface
  double aie_usable_fraction = 0;          // of the tiles a placed design may use
  double aie_efficiency = 0;               // achieved / peak MACs of a matmul on the tiles
  std::int64_t offchip_bytes = 0;
  double offchip_gbytes_per_s = 0;
  std::int64_t network_ports = 0;
  double network_gbps_per_port = 0;
  double kernel_clock_mhz = 0;
  double board_power_w = 0;
  friend bool operator==(const Device&, const Device&) = default;
};

// One figure of a device: where it lives in the catalogue YAML and in a plan's JSON, its type and
// the range every reader enforces.
struct DeviceField {
  enum class Presence {
    required,
    optional,   // catalogue YAML: may be absent (then 0 or "")
    aie,        // required when resources.aie_tiles > 0; else absent in YAML and 0 in JSON
    aie_array,  // required when resources.aie_tiles > 0; else absent in YAML and in JSON (0)
  };
  using Member = std::variant<std::string Device::*, std::int64_t Device::*, double Device::*,
                              std::int64_t Resources::*>;
  const char* section;  // YAML mapping holding it ("" = top level of the file)
  const char* key;      // its key in that mapping
  const char* json;     // its key in a plan's device object
  Member member;
  Presence presence = Presence::required;
  double lo = 0, hi = 0;          // numbers: inclusive range (whole numbers for integer members)
  const char* choices = nullptr;  // text: the allowed values, "a|b" (nullptr: any)
  bool checked = false;           // a figure timing, fit or energy depend on: simulate and report
                         // require it to equal the catalogue's (unless --allow-device-edits)
};

// The stated limits: counts (cells, DSPs, bytes) up to 2^50, so sums over thousands of devices
// stay far inside int64; clocks 1 MHz .. 10 GHz; see device.cpp for every field's range.
inline constexpr std::int64_t kMaxDeviceCount = std::int64_t{1} << 50;

std::span<const DeviceField> device_fields();

// "resources.lut", "name": the field's path in the catalogue YAML (messages, catalogue check).
std::string yaml_path(const DeviceField& field);

using FieldValue = std::variant<std::string, std::int64_t, double>;
FieldValue get(const DeviceField& field, const Device& device);
// Sets the field after checking `value` against its type and range; `at` (the file and path of
// the value) starts the error message. `aie_tiles` decides Presence::aie fields.
void set(const DeviceField& field, Device& device, const FieldValue& value, const std::string& at);

using Catalogue = std::map<std::string, Device>;

// Loads every *.yaml under `dir`; errors name the file and the field.
Catalogue load_catalogue(const std::filesystem::path& dir);

// atoll's data folder: $ATOLL_DATA if set, else the source tree's data/ (compiled in), else
// data/ next to the executable.
std::filesystem::path default_data_dir();

// The catalogue shipped with atoll: default_data_dir() / "devices".
std::filesystem::path default_catalogue_dir();

}  // namespace atl::hw
