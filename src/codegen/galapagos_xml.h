// The Galapagos middleware's two inputs for one Galapagos cluster (reference-system.md §1.5), as
// the real parser of UofT-HPRC/galapagos branch yugao (middleware/python: cluster.py, kernel.py,
// node.py, read with xmltodict) reads them and turns them into a complete router table:
//
// - logical.xml: one <kernel> per ID, 0 first, once each (the router-table writer stops at the
//   first missing ID). An IP is <kernel> kern_<id> with <num>, <rep> 1, the VLNV it is packaged
//   as (codegen/ip.h), clock, reset and global in_r / out_r streams. A virtual kernel has no IP
//   (kernel 0 serves it): its <kernel> carries kernel 0's node's <ip> and <mac> and no node
//   lists it, so the router table is complete and no second IP is built. Only tags kernel.py
//   knows; no <type> (yugao's kernel.py refuses it).
// - map.xml: one <node> per FPGA holding IPs of the cluster: <type> hw, the Galapagos <board>
//   name (the catalogue name in a comment), <comm> udp, its IP IDs ascending, <mac>, <ip>. The
//   host has no IP. A node with one IP also lists kNoKernel: cluster.py iterates
//   the raw xmltodict value, which is a string, not a list, for a single <kernel>, so "31" would
//   be read as kernels 3 and 1; kNoKernel makes it a list and matches no kernel. A cluster
//   whose IPs all sit on one FPGA also gets the host as a `sw` node listing kNoKernel twice: a
//   map file with a single <node> is read key by key (a TypeError in the parser).
#pragma once

#include <cstdint>
#include <string>

#include "codegen/cluster_view.h"
#include "plan/plan.h"

namespace atl::codegen {

// Listed beside a node's single IP; above every 8-bit ID, so it is no kernel's.
inline constexpr std::uint32_t kNoKernel = 256;

std::string logical_xml(const plan::Plan& plan, const ClusterView& view);
std::string map_xml(const plan::Plan& plan, const ClusterView& view);

}  // namespace atl::codegen
