// Small device files and cluster files written to a fresh temporary folder, so the hw tests do
// not depend on the shipped catalogue's figures.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace atl::hw {

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            (std::string("atoll_hw_") + info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_ / "devices");
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return path_ / name;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A device file in the data/README.md schema with made-up round figures.
inline std::string device_yaml(const std::string& name, const std::string& lut = "1000") {
  auto fig = [](const std::string& v) { return "{value: " + v + ", source: test, grade: E}"; };
  return "name: " + name +
         "\npart: xtest\nfamily: ultrascale_plus\nresources:\n  lut: " + fig(lut) +
         "\n  ff: " + fig("2000") + "\n  dsp: " + fig("100") + "\n  bram_bytes: " + fig("4608") +
         "\n  uram_bytes: " + fig("36864") +
         "\ndsp:\n  kind: dsp48e2\n  int8_macs_per_cycle: " + fig("2") +
         "\nmemory:\n  offchip_bytes: " + fig("1024") + "\n  offchip_gbps: " + fig("19.2") +
         "\nnetwork:\n  ports: " + fig("2") + "\n  gbps_per_port: " + fig("100") +
         "\nclock:\n  kernel_mhz: " + fig("200") + "\npower:\n  board_w: " + fig("75") + "\n";
}

}  // namespace atl::hw
