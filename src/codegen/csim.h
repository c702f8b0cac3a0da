// The bundle's csim/ folder: a C simulation of the whole bundle with g++ (docs/build.md, "C
// simulation"). `make -C csim` compiles every cluster's IPs as one object (csim/cluster_<C>.cpp
// includes each IP's top.cpp, its top function named c<C>_kern_<id> through ATOLL_TOP, so that
// all clusters link into one program), links them with the generated csim/main.cpp and runs the
// program on an input .npy:
//
// - one thread per IP calls its top function once (one call = one sequence);
// - the main thread is every cluster's gateway and the host: it moves whole packets from each
//   IP's out_r to the in_r of the IP their TDEST names in the sender's cluster; a packet whose
//   TDEST is a cluster index the sender sends to (the skewed packets of contract item 2) to
//   that cluster's kernel 0, its TDEST rewritten to 0; a packet marked for the host to the
//   host. The host sends the input message as the software nodes' host does (skewed, TID 0, to
//   kernel 0 of the cluster of the input's virtual kernel) and writes the message it receives
//   as int8 [rows, row bytes] .npy, byte for byte as `atoll infer` writes its output;
// - no progress for ATOLL_CSIM_DEADLINE_S seconds (default 60) ends the run with exit status 1,
//   naming the kernels still running and the streams holding unread beats.
#pragma once

#include <vector>

#include "codegen/bundle.h"
#include "plan/plan.h"

namespace atl::codegen {

// csim/Makefile, csim/main.cpp and one csim/cluster_<C>.cpp per cluster with IPs of `plan`'s
// bundle. Throws core::Error (kind unsupported) naming the kernel when a packet's
// TDEST could not be told apart: a kernel's local dest ID equal to the index of a cluster it
// sends to, or two of kernel 0's virtual kernels sending the same TDEST to different places.
std::vector<BundleFile> csim_files(const plan::Plan& plan);

}  // namespace atl::codegen
