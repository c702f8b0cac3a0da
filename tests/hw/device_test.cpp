#include "hw/device.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(a.lut, 1000);
  EXPECT_EQ(a.ff, 2000);
  EXPECT_EQ(a.dsp, 100);
  EXPECT_EQ(a.bram_bytes, 4608);
  EXPECT_EQ(a.uram_bytes, 36864);
  EXPECT_EQ(a.dsp_kind, "dsp48e2");
  EXPECT_EQ(a.dsp_int8_macs_per_cycle, 2);
  EXPECT_EQ(a.offchip_bytes, 1024);
  EXPECT_DOUBLE_EQ(a.offchip_gbytes_per_s, 19.2);
  EXPECT_EQ(a.network_ports, 2);
  EXPECT_EQ(a.network_gbps_per_port, 100);
  EXPECT_EQ(a.kernel_clock_mhz, 200);
  EXPECT_EQ(a.board_power_w, 75);
  EXPECT_EQ(c.at("beta").lut, 5000);
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
    EXPECT_GT(d.dsp, 0) << name;
    EXPECT_GT(d.bram_bytes + d.uram_bytes, 0) << name;
    EXPECT_GT(d.kernel_clock_mhz, 0) << name;
    EXPECT_EQ(d.dsp_kind == "dsp58", d.family == "versal") << name;
  }
  const Device& sw = c.at("sidewinder-100");
  EXPECT_EQ(sw.dsp, 1968);  // ZU19EG (reference-system.md §1.4)
  EXPECT_EQ(sw.part, "xczu19eg-ffvc1760-2-i");
}

TEST(Catalogue, DefaultDirHonoursEnvironment) {
  ::setenv("ATOLL_DATA", "/tmp/somewhere", 1);
  EXPECT_EQ(default_catalogue_dir(), std::filesystem::path("/tmp/somewhere/devices"));
  ::unsetenv("ATOLL_DATA");
  EXPECT_EQ(default_catalogue_dir(), std::filesystem::path(ATOLL_SOURCE_DIR) / "data/devices");
}

}  // namespace
}  // namespace atl::hw
