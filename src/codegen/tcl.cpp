#include "codegen/tcl.h"

#include <fmt/format.h>

#include "codegen/ip.h"
#include "core/error.h"

namespace atl::codegen {

std::string build_ip_tcl(int cluster, std::uint32_t id, const hw::Device& device) {
  if (device.part.empty()) {
    throw core::Error(fmt::format(
        "board '{}': the device catalogue gives no part (field part of its {}.yaml), which "
        "Vitis HLS synthesises for",
        device.name, device.name));
  }
  const std::string name = ip_name(id);
  // The catalogue's kernel clock (clock.kernel_mhz, with its source in the YAML) as a period in ns.
  const double period_ns = 1000.0 / device.kernel_clock_mhz;
  return fmt::format(
      "# {0}/build_ip.tcl of cluster_{1}: written by atoll build, do not edit.\n"
      "# Synthesises {0} with Vitis HLS and exports it as the IP {2}:{3}:{0}:{4}, the VLNV\n"
      "# cluster_{1}/logical.xml names, for board {5} (part {6}, kernel clock {7} MHz).\n"
      "# Run in this folder: vitis_hls -f build_ip.tcl (Vitis HLS 2020.2 .. 2023.1; later:\n"
      "# vitis-run --mode hls --tcl build_ip.tcl). The IP lands in hls/solution/impl/ip.\n"
      "open_project -reset hls\n"
      "set_top {0}\n"
      "add_files top.cpp -cflags \"-std={8} -I../../include\"\n"
      "open_solution -reset solution -flow_target vivado\n"
      "set_part {{{6}}}\n"
      "create_clock -period {9} -name default\n"
      "csynth_design\n"
      "export_design -format ip_catalog -rtl verilog -vendor {2} -library {3} -version {4} "
      "-ipname {0}\n"
      "exit\n",
      name, cluster, kIpVendor, kIpLibrary, kIpVersion, device.name, device.part,
      device.kernel_clock_mhz, kHlsStd, fmt::format("{:.4g}", period_ns));
}

}  // namespace atl::codegen
