// What every IP of a deployment bundle is packaged as, and so what its logical.xml asks for:
// Cluster Builder's values (python_scripts/tcl.py, create_ip: `ipx::package_project -vendor
// yugao.com -library user`, `set_property name kern_<id>`, Vivado's default version 1.0; the
// block design's ports in_r, out_r, ap_clk, ap_rst_n). Whatever builds the IPs of a bundle
// packages them with these names.
#pragma once

#include <cstdint>
#include <string>

namespace atl::codegen {

inline constexpr const char* kIpVendor = "yugao.com";
inline constexpr const char* kIpLibrary = "user";
inline constexpr const char* kIpVersion = "1.0";
inline constexpr const char* kIpClock = "ap_clk";
inline constexpr const char* kIpReset = "ap_rst_n";
inline constexpr const char* kIpInput = "in_r";    // AXI-Stream slave, global scope
inline constexpr const char* kIpOutput = "out_r";  // AXI-Stream master, global scope

// "kern_<id>": the IP's name and its folder in the bundle.
inline std::string ip_name(std::uint32_t id) {
  return "kern_" + std::to_string(id);
}

}  // namespace atl::codegen
