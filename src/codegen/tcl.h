// kern_<id>/build_ip.tcl: the Vitis HLS script that synthesises one IP of a bundle and exports
// it as the VLNV its logical.xml names (codegen/ip.h), for the board's part and kernel clock
// from the device catalogue. Written for the vitis_hls Tcl flow of Vitis HLS 2020.2 to 2023.1
// (UG1399: open_project, set_top, add_files -cflags, open_solution -flow_target vivado, set_part,
// create_clock, csynth_design, export_design -format ip_catalog -vendor -library -version
// -ipname); 2023.2 and later deprecate vitis_hls but still run the script with
// `vitis-run --mode hls --tcl build_ip.tcl`.
#pragma once

#include <cstdint>
#include <string>

#include "hw/device.h"

namespace atl::codegen {

// The C++ standard the generated code is written in: what Vitis HLS compiles ("supports C/C++
// 11/14", UG1399 "Migrating from Vivado HLS to Vitis HLS").
inline constexpr const char* kHlsStd = "c++14";

// The script of IP kern_<id> of cluster `cluster` on `device` (its part and kernel clock). Run in
// the kernel's folder; the IP lands in hls/solution/impl/ip. Throws core::Error naming the board
// when the device has no part.
std::string build_ip_tcl(int cluster, std::uint32_t id, const hw::Device& device);

}  // namespace atl::codegen
