#include "hw/device.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <optional>
#include <system_error>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "hw/yaml_fields.h"

namespace atl::hw {
namespace {

using Presence = DeviceField::Presence;
constexpr double kMaxCount = static_cast<double>(kMaxDeviceCount);

// The schema is data/README.md: sections resources, dsp, memory, network, clock, power (and aie on
// Versal parts with AI Engines); every figure is {value, source, grade}. Presence::aie rows come
// after resources.aie_tiles, which decides them. `checked` rows keep the order in which the
// catalogue check reports the first difference.
const std::array<DeviceField, 27> kFields{{
    {"", "name", "name", &Device::name},
    {"", "description", "description", &Device::description, Presence::optional},
    {"", "part", "part", &Device::part},
    {"", "family", "family", &Device::family, Presence::required, 0, 0, "ultrascale_plus|versal"},
    {"resources", "lut", "lut", &Resources::lut, Presence::required, 1, kMaxCount, nullptr, true},
    {"resources", "ff", "ff", &Resources::ff, Presence::required, 0, kMaxCount, nullptr, true},
    {"resources", "dsp", "dsp", &Resources::dsp, Presence::required, 1, kMaxCount, nullptr, true},
    {"resources", "bram_bytes", "bram_bytes", &Resources::bram_bytes, Presence::required, 0,
     kMaxCount, nullptr, true},
    {"resources", "uram_bytes", "uram_bytes", &Resources::uram_bytes, Presence::required, 0,
     kMaxCount, nullptr, true},
    {"resources", "aie_tiles", "aie_tiles", &Device::aie_tiles, Presence::optional, 0, kMaxCount,
     nullptr, true},
    {"dsp", "kind", "dsp_kind", &Device::dsp_kind, Presence::required, 0, 0, "dsp48e2|dsp58"},
    // Packed int8 MACs per DSP per cycle: 2 (DSP48E2) or 3 (DSP58) today.
    {"dsp", "int8_macs_per_cycle", "dsp_int8_macs_per_cycle", &Device::dsp_int8_macs_per_cycle,
     Presence::required, 1, 64, nullptr, true},
    {"aie", "int8_macs_per_cycle_per_tile", "aie_int8_macs_per_cycle",
     &Device::aie_int8_macs_per_cycle, Presence::aie, 1, 1e4, nullptr, true},
    {"aie", "clock_mhz", "aie_clock_mhz", &Device::aie_clock_mhz, Presence::aie, 1, 1e4, nullptr,
     true},
    {"aie", "data_memory_bytes_per_tile", "aie_data_memory_bytes", &Device::aie_data_memory_bytes,
     Presence::aie_array, 1, kMaxCount, nullptr, true},
    {"aie", "plio_in", "aie_plio_in", &Device::aie_plio_in, Presence::aie_array, 1, 1e5, nullptr,
     true},
    {"aie", "plio_out", "aie_plio_out", &Device::aie_plio_out, Presence::aie_array, 1, 1e5, nullptr,
     true},
    {"aie", "plio_bits", "aie_plio_bits", &Device::aie_plio_bits, Presence::aie_array, 8, 1024,
     nullptr, true},
    {"aie", "plio_mhz", "aie_plio_mhz", &Device::aie_plio_mhz, Presence::aie_array, 1, 1e4, nullptr,
     true},
    {"aie", "usable_fraction", "aie_usable_fraction", &Device::aie_usable_fraction,
     Presence::aie_array, 1e-3, 1, nullptr, true},
    {"aie", "gemm_efficiency", "aie_efficiency", &Device::aie_efficiency, Presence::aie_array, 1e-3,
     1, nullptr, true},
    {"memory", "offchip_bytes", "offchip_bytes", &Device::offchip_bytes, Presence::optional, 0,
     kMaxCount},
    {"memory", "offchip_gbps", "offchip_gbytes_per_s", &Device::offchip_gbytes_per_s,
     Presence::optional, 0, 1e6},
    {"network", "ports", "network_ports", &Device::network_ports, Presence::required, 0, 1024,
     nullptr, true},
    {"network", "gbps_per_port", "network_gbps_per_port", &Device::network_gbps_per_port,
     Presence::required, 1e-3, 1e5, nullptr, true},
    {"clock", "kernel_mhz", "kernel_clock_mhz", &Device::kernel_clock_mhz, Presence::required, 1,
     1e4, nullptr, true},
    {"power", "board_w", "board_power_w", &Device::board_power_w, Presence::required, 0.1, 1e5,
     nullptr, true},
}};

bool is_aie(const DeviceField& f) {
  return f.presence == Presence::aie || f.presence == Presence::aie_array;
}

bool is_text(const DeviceField& f) {
  return std::holds_alternative<std::string Device::*>(f.member);
}

bool is_integer(const DeviceField& f) {
  return std::holds_alternative<std::int64_t Device::*>(f.member) ||
         std::holds_alternative<std::int64_t Resources::*>(f.member);
}

std::string text_of(const FieldValue& v) {
  return std::visit([](const auto& x) { return fmt::format("{}", x); }, v);
}

// The device file's field: text, a sourced figure, or absent (nullopt) when it may be.
std::optional<FieldValue> read_yaml(const DeviceField& f, const YAML::Node& root,
                                    const std::string& file, const Device& d) {
  if (is_aie(f) && d.aie_tiles == 0) return std::nullopt;  // no AI Engines: 0
  const bool optional = f.presence == Presence::optional;
  // (A YAML::Node assigned to another rebinds its contents, so the section is a new node.)
  const bool top = *f.section == '\0';
  const std::string at = top ? file : file + "." + f.section;
  const YAML::Node map = top ? root : root[f.section];
  if (!top) {
    if (!map && optional) return std::nullopt;
    if (!map || !map.IsMap()) throw core::Error(fmt::format("{}: missing mapping", at));
  }
  if (!map[f.key] && optional) return std::nullopt;
  if (is_text(f)) return text_field(map, f.key, at);
  return sourced_number(map, f.key, at);
}

Device load_device(const std::filesystem::path& path) {
  const std::string file = path.string();
  const YAML::Node root = load_yaml_map(path, "device description");
  Device d;
  for (const DeviceField& f : kFields) {
    if (const auto v = read_yaml(f, root, file, d)) {
      set(f, d, *v, fmt::format("{}.{}{}", file, yaml_path(f), is_text(f) ? "" : ".value"));
    }
  }
  if (d.name != path.stem().string()) {
    throw core::Error(fmt::format("{}.name: '{}' must equal the file name '{}'", file, d.name,
                                  path.stem().string()));
  }
  return d;
}

}  // namespace

std::span<const DeviceField> device_fields() {
  return kFields;
}

std::string yaml_path(const DeviceField& field) {
  return *field.section == '\0' ? field.key : fmt::format("{}.{}", field.section, field.key);
}

FieldValue get(const DeviceField& field, const Device& d) {
  return std::visit(
      [&](auto member) -> FieldValue {
        using M = decltype(member);
        if constexpr (std::is_same_v<M, std::int64_t Resources::*>) {
          return d.resources.*member;
        } else {
          return d.*member;
        }
      },
      field.member);
}

void set(const DeviceField& f, Device& d, const FieldValue& value, const std::string& at) {
  if (is_text(f)) {
    const auto* s = std::get_if<std::string>(&value);
    if (s == nullptr) throw core::Error(fmt::format("{}: expected a string", at));
    if (f.choices != nullptr) {
      std::string choices = f.choices;
      bool known = false;
      for (std::size_t b = 0, e = 0; e != std::string::npos; b = e + 1) {
        e = choices.find('|', b);
        known = known || choices.substr(b, e - b) == *s;
      }
      if (!known) {
        std::replace(choices.begin(), choices.end(), '|', ',');
        throw core::Error(fmt::format("{}: expected one of {}, got '{}'", at, choices, *s));
      }
    }
    d.*std::get<std::string Device::*>(f.member) = *s;
    return;
  }
  if (std::holds_alternative<std::string>(value)) {
    throw core::Error(fmt::format("{}: expected a number", at));
  }
  const double v = std::holds_alternative<double>(value)
                       ? std::get<double>(value)
                       : static_cast<double>(std::get<std::int64_t>(value));
  // Presence::aie figures of a board without AI Engines are 0.
  const double lo = is_aie(f) && d.aie_tiles == 0 ? 0 : f.lo;
  if (lo > 0 && v <= 0) throw core::Error(fmt::format("{}: must be positive, got {}", at, v));
  if (!(v >= lo && v <= f.hi)) {
    throw core::Error(fmt::format("{}: expected {} in [{}, {}], got {}", at,
                                  is_integer(f) ? "a whole number" : "a number", lo, f.hi,
                                  text_of(value)));
  }
  // In range, so an integer member's value fits int64 (and a double's whole part is exact).
  const std::int64_t whole = std::holds_alternative<std::int64_t>(value)
                                 ? std::get<std::int64_t>(value)
                                 : static_cast<std::int64_t>(v);
  if (is_integer(f) && static_cast<double>(whole) != v) {
    throw core::Error(fmt::format("{}: expected a whole number, got {}", at, v));
  }
  std::visit(
      [&](auto member) {
        using M = decltype(member);
        if constexpr (std::is_same_v<M, std::int64_t Resources::*>) {
          d.resources.*member = whole;
        } else if constexpr (std::is_same_v<M, std::int64_t Device::*>) {
          d.*member = whole;
        } else if constexpr (std::is_same_v<M, double Device::*>) {
          d.*member = v;
        }
      },
      f.member);
}

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
