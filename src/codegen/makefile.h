// The bundle's top-level Makefile and build.sh:
//   make          every IP with Vitis HLS (cluster_<C>/kern_<id>/build_ip.tcl), in parallel
//                 under -j; an IP is rebuilt when its sources or the include/ headers change
//   make csim     the C simulation: $(MAKE) -C csim
//   make clean    removes what Vitis HLS wrote
// build.sh checks that vitis_hls is on PATH (one line and exit 1 otherwise), then runs
// make -j$(nproc).
#pragma once

#include <string>
#include <vector>

#include "codegen/cluster_view.h"

namespace atl::codegen {

std::string bundle_makefile(const std::vector<ClusterView>& clusters);
std::string build_sh();

}  // namespace atl::codegen
