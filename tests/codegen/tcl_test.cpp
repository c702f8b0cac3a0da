#include "codegen/tcl.h"

#include <gtest/gtest.h>

#include "bundle_inputs.h"
#include "core/error.h"

namespace atl::codegen {
namespace {

TEST(BuildIpTcl, SynthesisesForTheCataloguePartAndClockAndExportsTheLogicalXmlVlnv) {
  const std::string tcl = build_ip_tcl(0, 30, test::catalogue().at("sidewinder-100"));
  EXPECT_EQ(tcl.substr(tcl.find("\nopen_project")),
            "\nopen_project -reset hls\n"
            "set_top kern_30\n"
            "add_files top.cpp -cflags \"-std=c++14 -I../../include\"\n"
            "open_solution -reset solution -flow_target vivado\n"
            "set_part {xczu19eg-ffvc1760-2-i}\n"
            "create_clock -period 5 -name default\n"
            "csynth_design\n"
            "export_design -format ip_catalog -rtl verilog -vendor yugao.com -library user "
            "-version 1.0 -ipname kern_30\n"
            "exit\n");
  EXPECT_EQ(tcl.rfind("# kern_30/build_ip.tcl of cluster_0: written by atoll build", 0), 0u);
}

TEST(BuildIpTcl, ClockPeriodFollowsTheBoard) {
  // u280: clock.kernel_mhz 300 (a planning value, data/devices/u280.yaml).
  const std::string tcl = build_ip_tcl(2, 7, test::catalogue().at("u280"));
  EXPECT_NE(
      tcl.find("\nset_part {xcu280-fsvh2892-2L-e}\ncreate_clock -period 3.333 -name default\n"),
      std::string::npos)
      << tcl;
}

TEST(BuildIpTcl, ABoardWithoutAPartIsOneError) {
  hw::Device d = test::catalogue().at("u280");
  d.part.clear();
  try {
    build_ip_tcl(0, 1, d);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(),
                 "board 'u280': the device catalogue gives no part (field part of its u280.yaml), "
                 "which Vitis HLS synthesises for");
  }
}

}  // namespace
}  // namespace atl::codegen
