// The deployment bundle `atoll build` writes from a plan (docs/build.md): per Galapagos cluster C
// a folder cluster_<C>/ with logical.xml, map.xml and one kern_<id>/ folder per IP (kernel 0
// included; virtual kernels live inside kernel 0 and the host has no IP) holding the IP's HLS
// sources (top.cpp, parameters.hpp, weights.hpp) and build_ip.tcl; include/ with the headers
// they include; a Makefile and build.sh that build every IP; a README.md; and MANIFEST.sha256,
// every other file's SHA-256 in `sha256sum -c` format.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "hw/device.h"
#include "hw/galapagos_board.h"
#include "model/weights.h"
#include "plan/plan.h"

namespace atl::codegen {

struct BundleFile {
  std::string path;  // relative to the bundle, '/'-separated
  std::string text;
  bool executable = false;  // a script: written with execute permission
};

// Where the plan came from, for the README.
struct PlanSource {
  std::string path;
  std::string sha256;  // of the plan file
};

// What a bundle is built from besides the plan: the device catalogue (each board's part, kernel
// clock and DSPs), the catalogue's Galapagos board names and the model's weights.
struct BundleInputs {
  const hw::Catalogue& catalogue;
  const hw::GalapagosBoards& boards;
  const model::EncoderWeights& weights;
  PlanSource source;
};

// Every file of the bundle of plan.galapagos, the manifest last. Throws core::Error before
// making any file unless every cluster can be deployed (view_cluster) and built
// (check_buildable, codegen/hls_checks.h); a plan without Galapagos clusters is refused too.
std::vector<BundleFile> make_bundle(const plan::Plan& plan, const BundleInputs& in);

// Writes `files` as folder `dir`, never half: into a temporary sibling folder renamed to `dir`
// at the end. An existing `dir` that is not an empty folder is refused unless `force` (then it
// is replaced whole). Throws core::Error (kind io) naming `dir` when it cannot be written.
void write_bundle(const std::vector<BundleFile>& files, const std::filesystem::path& dir,
                  bool force);

}  // namespace atl::codegen
