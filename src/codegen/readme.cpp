#include "codegen/readme.h"

#include <fmt/format.h>

#include "codegen/ip.h"

namespace atl::codegen {

std::string bundle_readme(const plan::Plan& plan, const std::vector<ClusterView>& clusters,
                          const PlanSource& source) {
  std::string s = fmt::format(
      "# Galapagos deployment bundle\n\n"
      "Written by `atoll build` from the plan `{}` (SHA-256 `{}`): model {} ({} encoder layers, "
      "{} tokens) on cluster {} ({} FPGAs).\n\n"
      "It is for the Galapagos middleware of UofT-HPRC/galapagos, branch `yugao` (the branch "
      "Galapagos Cluster Builder builds for), with IPs packaged as Cluster Builder packages "
      "them: `{}:{}:kern_<id>:{}`. Kernel IDs, dests and sources are Cluster Builder's "
      "numbering: kernel 0 of every cluster is the GMI node, which also serves the cluster's "
      "virtual kernels; the host has no IP.\n\n"
      "| folder | layer | sub-layers | IDs | IPs | virtual kernels (inside kern_0) | FPGAs |\n"
      "|---|---|---|---|---|---|---|\n",
      source.path, source.sha256, plan.graph.model, plan.graph.layers, plan.graph.seq_len,
      plan.cluster.name, plan.cluster.nodes.size(), kIpVendor, kIpLibrary, kIpVersion);
  for (const ClusterView& v : clusters) {
    std::string sublayers, virtuals, nodes;
    for (graph::Sublayer sl : v.cluster->sublayers)
      sublayers += (sublayers.empty() ? "" : ", ") + graph::to_string(sl);
    std::size_t ips = 0;
    for (const plan::GalapagosKernel& k : v.cluster->kernels) {
      if (has_ip(k)) {
        ++ips;
      } else {
        virtuals += (virtuals.empty() ? "" : ", ") + std::to_string(k.id);
      }
    }
    for (const ClusterNode& n : v.nodes)
      nodes +=
          (nodes.empty() ? "" : ", ") + plan.cluster.nodes[static_cast<std::size_t>(n.node)].name;
    s += fmt::format("| cluster_{} | {} | {} | 0..{} | {} | {} | {} |\n", v.index, v.cluster->layer,
                     sublayers, v.cluster->kernels.size() - 1, ips,
                     virtuals.empty() ? "none" : virtuals, nodes);
  }
  s += R"(
## Files

- `cluster_<C>/logical.xml`, `cluster_<C>/map.xml`: the middleware's LOGICALFILE and MAPFILE
  for Galapagos cluster C. Each kernel and node is preceded by a comment naming what it is in
  the plan. A virtual kernel has a `<kernel>` entry (so the router table has its ID) with kernel
  0's node's address, and no node lists it (so no IP is built for it). A node holding a single
  IP also lists kernel 256, which is no kernel: the yugao parser would otherwise read a lone
  two-digit ID digit by digit. A cluster on one FPGA also lists the host as a `sw` node (the
  parser misreads a map file with a single node); nothing is built for it.
- `cluster_<C>/kern_<id>/`: one folder per IP (kernel 0 and every compute, bypass and comm
  kernel) with its HLS sources and script:
  - `top.cpp`: the IP's top function `kern_<id>` (AXI-Stream `in_r`/`out_r`, `ap_ctrl_none`),
    one call of the wrapper of `include/kernels/hls/galapagos_kernels.h` for its kind and stages;
  - `parameters.hpp`: its ID, kind, dests and sources (with their clusters; -1 is the host), and
    for compute kernels each stage's dimensions and knobs (M, K, NUM_TILE, NUM_PE,
    UNROLL_FACTOR); kernel 0's lists the virtual kernels it serves;
  - `weights.hpp`: its weights and quantisation constants, its tensor-parallel part only;
  - `build_ip.tcl`: Vitis HLS (2020.2 .. 2023.1: `vitis_hls -f build_ip.tcl`) synthesises it for
    the board's part and exports it as the IP logical.xml names.
- `include/`: the headers the sources include (`shim/` stands in for Vitis HLS's `ap_int.h`,
  `ap_axi_sdata.h` and `hls_stream.h` when compiling with g++ alone).
- `Makefile`: `make -jN` builds every IP with Vitis HLS, N at a time; `make clean`. `build.sh`
  checks that `vitis_hls` is on PATH and runs `make -j$(nproc)`.
- `MANIFEST.sha256`: the SHA-256 of every other file; check with `sha256sum -c MANIFEST.sha256`
  in this folder.

## Use with Galapagos

1. Edit every `map.xml`: the `<ip>` and `<mac>` of each node are placeholders (10.0.x.y and
   02:00:00:00:x:y from the node's index in the plan; a node has the same address in every
   cluster). The manifest then no longer matches those files, as expected.
2. Run `./build.sh` here (Vitis HLS on PATH); copy each IP it exports
   (`cluster_<C>/kern_<id>/hls/solution/impl/ip`) into the Galapagos checkout's `userIP/`.
3. In a Galapagos checkout of branch `yugao` (with `GALAPAGOS_PATH` set), per cluster:
   `python3 middleware/python/globalFPGAParser.py --logicalFile=BUNDLE/cluster_0/logical.xml
   --mapFile=BUNDLE/cluster_0/map.xml --projectName=cluster_0`, then run the
   `projects/cluster_0/createCluster.sh` it writes.
4. To see the router tables without Vivado, run atoll's `scripts/check-galapagos.sh BUNDLE
   GALAPAGOS_DIR`: it runs that middleware on every cluster and checks that every kernel ID has
   an address.
)";
  return s;
}

}  // namespace atl::codegen
