// Export of a Plan to the two input files of the Galapagos middleware (reference-system.md §1.5):
// the LOGICALFILE (one <kernel> per kernel: name, ID, ports) and the MAPFILE (one <node> per
// FPGA with the IDs of the kernels it holds). Kernel IPs are named kern_<id>, as the Cluster
// Builder packages them. The XML is written directly: the format is small and flat.
#pragma once

#include <filesystem>
#include <string>

#include "plan/plan.h"

namespace atl::plan {

std::string galapagos_logical_xml(const Plan& plan);
// Node addresses are not part of a cluster YAML; the MAPFILE gets placeholder addresses
// (IP 10.0.<hi>.<lo> and locally administered MAC 02:00:00:00:<hi>:<lo> from n+1 for node n) to be
// edited for a real site.
std::string galapagos_map_xml(const Plan& plan);

// Writes <dir>/logical.xml and <dir>/map.xml (creating dir). Throws core::Error if the plan's IDs
// are not Galapagos-compatible (8-bit).
void write_galapagos_xml(const Plan& plan, const std::filesystem::path& dir);

}  // namespace atl::plan
