#include "hw/device.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.h"
#include "hw_fixture.h"

namespace atl::hw {
namespace {

std::string error_of(const std::filesystem::path& dir) {
  try {
    load_catalogue(dir);
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Catalogue, LoadsValues) {
  TempDir t;
  t.write("devices/alpha.yaml", device_yaml("alpha"));
  t.write("devices/beta.yaml", device_yaml("beta", "5000"));
  t.write("devices/notes.txt", "ignored");
  const Catalogue c = load_catalogue(t.path() / "devices");
  ASSERT_EQ(c.size(), 2u);
  const Device& a = c.at("alpha");
  EXPECT_EQ(a.resources.lut, 1000);
  EXPECT_EQ(a.resources.ff, 2000);
  EXPECT_EQ(a.resources.dsp, 100);
  EXPECT_EQ(a.resources.bram_bytes, 4608);
  EXPECT_EQ(a.resources.uram_bytes, 36864);
  EXPECT_EQ(a.dsp_kind, "dsp48e2");
  EXPECT_EQ(a.dsp_int8_macs_per_cycle, 2);
  EXPECT_EQ(a.offchip_bytes, 1024);
  EXPECT_DOUBLE_EQ(a.offchip_gbytes_per_s, 19.2);
  EXPECT_EQ(a.network_ports, 2);
  EXPECT_EQ(a.network_gbps_per_port, 100);
  EXPECT_EQ(a.kernel_clock_mhz, 200);
  EXPECT_EQ(a.board_power_w, 75);
  EXPECT_EQ(c.at("beta").resources.lut, 5000);
}

TEST(Catalogue, ErrorsNameFileAndField) {
  TempDir t;
  const auto dev = t.path() / "devices";
  t.write("devices/alpha.yaml", device_yaml("alpha", "lots"));
  EXPECT_EQ(error_of(dev),
            (dev / "alpha.yaml").string() + ".resources.lut.value: expected a number, got 'lots'");
  std::string text = device_yaml("alpha");
  text.replace(text.find("kernel_mhz: {"),
               text.find('\n', text.find("kernel_mhz")) - text.find("kernel_mhz: {"),
               "kernel_mhz: 200");
  t.write("devices/alpha.yaml", text);
  EXPECT_EQ(error_of(dev), (dev / "alpha.yaml").string() +
                               ".clock.kernel_mhz: expected {value, source, grade}, got '200'");
  t.write("devices/alpha.yaml", device_yaml("gamma"));
  EXPECT_EQ(error_of(dev),
            (dev / "alpha.yaml").string() + ".name: 'gamma' must equal the file name 'alpha'");
  EXPECT_EQ(error_of(t.path() / "nowhere"),
            (t.path() / "nowhere").string() +
                ": device catalogue directory not found (set ATOLL_DATA to the folder holding "
                "devices/)");
}

// The shipped catalogue: every board the issue names loads, with the figures the cost model
// needs present and positive.
TEST(Catalogue, ShippedBoards) {
  const Catalogue c = load_catalogue(std::filesystem::path(ATOLL_SOURCE_DIR) / "data/devices");
  for (const char* name :
       {"sidewinder-100", "u200", "u250", "u280", "u55c", "v80", "vck5000", "vck190", "vhk158"}) {
    ASSERT_TRUE(c.count(name)) << name;
    const Device& d = c.at(name);
    EXPECT_GT(d.resources.dsp, 0) << name;
    EXPECT_GT(d.resources.bram_bytes + d.resources.uram_bytes, 0) << name;
    EXPECT_GT(d.kernel_clock_mhz, 0) << name;
    EXPECT_EQ(d.dsp_kind == "dsp58", d.family == "versal") << name;
  }
  const Device& sw = c.at("sidewinder-100");
  EXPECT_EQ(sw.resources.dsp, 1968);  // ZU19EG (reference-system.md §1.4)
  EXPECT_EQ(sw.part, "xczu19eg-ffvc1760-2-i");
  // The AI Engine array of the VC1902 cards (sources in the YAML; docs/cost-model.md).
  for (const char* name : {"vck5000", "vck190"}) {
    const Device& v = c.at(name);
    EXPECT_EQ(v.aie_tiles, 400) << name;
    EXPECT_EQ(v.aie_data_memory_bytes, 32768) << name;
    EXPECT_EQ(v.aie_plio_in, 312) << name;  // 39 interface tiles x 8 (AM009)
    EXPECT_EQ(v.aie_plio_out, 234) << name;
    EXPECT_EQ(v.aie_plio_bits, 64) << name;
    EXPECT_EQ(v.aie_plio_mhz, 625) << name;
    EXPECT_EQ(v.aie_usable_fraction, 0.9) << name;
    EXPECT_EQ(v.aie_efficiency, 0.6) << name;  // MaxEVA 77.01 / 128 TOPS
  }
  EXPECT_EQ(c.at("u55c").aie_plio_in, 0);
}

// One figure of alpha.yaml replaced: `key: {value: old, ...}` becomes `key: {value: text, ...}`.
std::string with_value(const std::string& key, const std::string& text) {
  std::string yaml = device_yaml("alpha");
  const std::size_t at = yaml.find("value: ", yaml.find(key + ": ")) + 7;
  return yaml.replace(at, yaml.find(',', at) - at, text);
}

// Every figure is read by walking device_fields(): types, ranges and allowed values come from
// the table, and errors name the file, the field and the range.
TEST(Catalogue, FieldsAreRangeChecked) {
  TempDir t;
  const auto dev = t.path() / "devices";
  const std::string file = (dev / "alpha.yaml").string();
  t.write("devices/alpha.yaml", with_value("lut", "0"));
  EXPECT_EQ(error_of(dev), file + ".resources.lut.value: must be positive, got 0");
  t.write("devices/alpha.yaml", with_value("ff", "-1"));
  EXPECT_EQ(error_of(dev),
            file + ".resources.ff.value: expected a whole number in [0, 1125899906842624], got -1");
  t.write("devices/alpha.yaml", with_value("dsp", "2.5"));
  EXPECT_EQ(error_of(dev), file + ".resources.dsp.value: expected a whole number, got 2.5");
  t.write("devices/alpha.yaml", with_value("ports", "4294967296"));
  EXPECT_EQ(error_of(dev),
            file + ".network.ports.value: expected a whole number in [0, 1024], got 4294967296");
  t.write("devices/alpha.yaml", with_value("kernel_mhz", "1e-300"));
  EXPECT_EQ(error_of(dev),
            file + ".clock.kernel_mhz.value: expected a number in [1, 10000], got 1e-300");
  std::string text = device_yaml("alpha");
  text.replace(text.find("ultrascale_plus"), 15, "stratix");
  t.write("devices/alpha.yaml", text);
  EXPECT_EQ(error_of(dev), file + ".family: expected one of ultrascale_plus,versal, got 'stratix'");
  // AI Engine tiles make the aie section required.
  text = device_yaml("alpha");
  text.replace(text.find("\ndsp:"), 0, "\n  aie_tiles: {value: 400, source: test, grade: E}");
  t.write("devices/alpha.yaml", text);
  EXPECT_EQ(error_of(dev), file + ".aie: missing mapping");
}

TEST(DeviceFields, OneRowPerFigureWithUniqueNames) {
  std::set<std::string> yaml, json;
  for (const DeviceField& f : device_fields()) {
    EXPECT_TRUE(yaml.insert(yaml_path(f)).second) << yaml_path(f);
    EXPECT_TRUE(json.insert(f.json).second) << f.json;
  }
  EXPECT_EQ(device_fields().size(), 27u);
  Device d;
  d.resources.bram_bytes = 7;
  d.board_power_w = 75;
  for (const DeviceField& f : device_fields()) {
    if (yaml_path(f) == "resources.bram_bytes") {
      EXPECT_EQ(get(f, d), FieldValue{std::int64_t{7}});
    }
    if (yaml_path(f) == "power.board_w") {
      EXPECT_EQ(get(f, d), FieldValue{75.0});
    }
  }
}

TEST(Catalogue, DefaultDirHonoursEnvironment) {
  ::setenv("ATOLL_DATA", "/tmp/somewhere", 1);
  EXPECT_EQ(default_catalogue_dir(), std::filesystem::path("/tmp/somewhere/devices"));
  ::unsetenv("ATOLL_DATA");
  EXPECT_EQ(default_catalogue_dir(), std::filesystem::path(ATOLL_SOURCE_DIR) / "data/devices");
}

}  // namespace
}  // namespace atl::hw
