#include "codegen/makefile.h"

#include <fmt/format.h>

#include "codegen/ip.h"

namespace atl::codegen {

std::string bundle_makefile(const std::vector<ClusterView>& clusters) {
  std::string ips;
  for (const ClusterView& v : clusters) {
    for (const plan::GalapagosKernel& k : v.cluster->kernels)
      if (has_ip(k)) ips += fmt::format(" \\\n  cluster_{}/{}", v.index, ip_name(k.id));
  }
  // Recipes start with a tab. A stamp file kern_<id>/ip.done marks an IP that Vitis HLS exported.
  return fmt::format(
      "# Written by atoll build, do not edit.\n"
      "#   make         every IP with Vitis HLS, in parallel under -j (or ./build.sh); the IP of\n"
      "#                cluster_<C>/kern_<id> lands in cluster_<C>/kern_<id>/hls/solution/impl/ip\n"
      "#   make csim    the C simulation of the whole bundle (csim/Makefile)\n"
      "#   make clean   removes what Vitis HLS wrote\n"
      "VITIS_HLS ?= vitis_hls\n"
      "IPS :={}\n"
      "HEADERS := $(wildcard include/*.h include/*/*.h include/*/*/*.h)\n\n"
      ".PHONY: all csim clean\n"
      "all: $(addsuffix /ip.done,$(IPS))\n\n"
      "%/ip.done: %/build_ip.tcl %/top.cpp %/parameters.hpp %/weights.hpp $(HEADERS)\n"
      "\tcd $* && $(VITIS_HLS) -f build_ip.tcl > vitis_hls.log 2>&1 || "
      "{{ echo \"$*: Vitis HLS failed, see $*/vitis_hls.log\" >&2; exit 1; }}\n"
      "\ttouch $@\n\n"
      "csim:\n"
      "\t$(MAKE) -C csim\n\n"
      "clean:\n"
      "\trm -rf $(addsuffix /hls,$(IPS)) $(addsuffix /vitis_hls.log,$(IPS)) "
      "$(addsuffix /ip.done,$(IPS))\n",
      ips);
}

std::string build_sh() {
  return R"sh(#!/bin/sh
# Written by atoll build, do not edit. Builds every IP of this bundle with Vitis HLS, in parallel
# (make -j, one job per CPU); arguments go to make (e.g. ./build.sh cluster_0/kern_5/ip.done).
set -eu
cd "$(dirname "$0")"
if ! command -v vitis_hls >/dev/null 2>&1; then
  echo "build.sh: vitis_hls is not on PATH (source the settings64.sh of a Vitis HLS 2020.2 .. 2023.1 install first)" >&2
  exit 1
fi
exec make -j"$(nproc)" "$@"
)sh";
}

}  // namespace atl::codegen
