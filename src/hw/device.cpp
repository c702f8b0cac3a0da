#include "hw/device.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "hw/yaml_fields.h"

namespace atl::hw {
namespace {

std::int64_t count(const YAML::Node& root, const char* field, const std::string& at,
                   bool optional = false) {
  const double v = sourced_number(root, field, at, optional, 0);
  if (v < 0 || v != static_cast<double>(static_cast<std::int64_t>(v))) {
    throw core::Error(
        fmt::format("{}.{}.value: expected a whole number >= 0, got {}", at, field, v));
  }
  return static_cast<std::int64_t>(v);
}

double positive(const YAML::Node& root, const char* field, const std::string& at) {
  const double v = sourced_number(root, field, at);
  if (v <= 0) throw core::Error(fmt::format("{}.{}.value: must be positive, got {}", at, field, v));
  return v;
}

// A mapping inside the device file, e.g. `resources:`; `at` becomes "file.resources".
YAML::Node section(const YAML::Node& root, const char* name, std::string& at,
                   const std::string& file) {
  at = file + "." + name;
  YAML::Node node = root[name];
  if (!node || !node.IsMap()) throw core::Error(fmt::format("{}: missing mapping", at));
  return node;
}

// The schema is data/README.md: sections resources, dsp, memory, network, clock, power (and aie on
// Versal parts); every figure is {value, source, grade}.
Device load_device(const std::filesystem::path& path) {
  const std::string file = path.string();
  const YAML::Node root = load_yaml_map(path, "device description");
  Device d;
  d.name = text_field(root, "name", file);
  if (d.name != path.stem().string()) {
    throw core::Error(fmt::format("{}.name: '{}' must equal the file name '{}'", file, d.name,
                                  path.stem().string()));
  }
  d.description = root["description"] ? text_field(root, "description", file) : "";
  d.part = text_field(root, "part", file);
  d.family = text_field(root, "family", file);
  if (d.family != "ultrascale_plus" && d.family != "versal") {
    throw core::Error(
        fmt::format("{}.family: expected ultrascale_plus or versal, got '{}'", file, d.family));
  }
  std::string at;
  const YAML::Node res = section(root, "resources", at, file);
  d.lut = count(res, "lut", at);
  d.ff = count(res, "ff", at);
  d.dsp = count(res, "dsp", at);
  d.bram_bytes = count(res, "bram_bytes", at);
  d.uram_bytes = count(res, "uram_bytes", at);
  d.aie_tiles = count(res, "aie_tiles", at, /*optional=*/true);
  if (d.lut == 0 || d.dsp == 0) {
    throw core::Error(fmt::format("{}: lut and dsp must be positive", at));
  }

  const YAML::Node dsp = section(root, "dsp", at, file);
  d.dsp_kind = text_field(dsp, "kind", at);
  if (d.dsp_kind != "dsp48e2" && d.dsp_kind != "dsp58") {
    throw core::Error(fmt::format("{}.kind: expected dsp48e2 or dsp58, got '{}'", at, d.dsp_kind));
  }
  d.dsp_int8_macs_per_cycle = positive(dsp, "int8_macs_per_cycle", at);

  if (d.aie_tiles > 0) {
    const YAML::Node aie = section(root, "aie", at, file);
    d.aie_int8_macs_per_cycle = positive(aie, "int8_macs_per_cycle_per_tile", at);
    d.aie_clock_mhz = positive(aie, "clock_mhz", at);
  }

  const YAML::Node mem = section(root, "memory", at, file);
  d.offchip_bytes = count(mem, "offchip_bytes", at, /*optional=*/true);
  d.offchip_gbytes_per_s = sourced_number(mem, "offchip_gbps", at, /*optional=*/true, 0);

  const YAML::Node net = section(root, "network", at, file);
  d.network_ports = static_cast<int>(count(net, "ports", at));
  d.network_gbps_per_port = positive(net, "gbps_per_port", at);

  const YAML::Node clock = section(root, "clock", at, file);
  d.kernel_clock_mhz = positive(clock, "kernel_mhz", at);
  const YAML::Node power = section(root, "power", at, file);
  d.board_power_w = positive(power, "board_w", at);
  return d;
}

}  // namespace

Catalogue load_catalogue(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw core::Error(
        fmt::format("{}: device catalogue directory not found (set ATOLL_DATA to the "
                    "folder holding devices/)",
                    dir.string()));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // deterministic order of errors
  Catalogue catalogue;
  for (const auto& file : files) {
    Device d = load_device(file);
    catalogue.emplace(d.name, std::move(d));
  }
  if (catalogue.empty()) throw core::Error(fmt::format("{}: no *.yaml device files", dir.string()));
  return catalogue;
}

std::filesystem::path default_data_dir() {
  if (const char* env = std::getenv("ATOLL_DATA"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
#ifdef ATOLL_DATA_DIR
  // The source tree's data/, compiled in so a build runs from anywhere on this machine.
  if (std::filesystem::is_directory(ATOLL_DATA_DIR, ec)) return ATOLL_DATA_DIR;
#endif
  // An installed or copied atoll: data/ beside the executable.
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return exe.parent_path() / "data";
  return "data";
}

std::filesystem::path default_catalogue_dir() {
  return default_data_dir() / "devices";
}

}  // namespace atl::hw
