// The deployment bundle `atoll build` writes from a plan: per Galapagos cluster C a folder
// cluster_<C>/ with logical.xml, map.xml and one kern_<id>/ folder per IP (kernel 0 included;
// virtual kernels live inside kernel 0 and the host has no IP) holding parameters.hpp; a
// README.md; and MANIFEST.sha256, every other file's SHA-256 in `sha256sum -c` format.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "hw/galapagos_board.h"
#include "plan/plan.h"

namespace atl::codegen {

struct BundleFile {
  std::string path;  // relative to the bundle, '/'-separated
  std::string text;
};

// Where the plan came from, for the README.
struct PlanSource {
  std::string path;
  std::string sha256;  // of the plan file
};

// Every file of the bundle of plan.galapagos, the manifest last. Throws core::Error (see
// view_cluster) unless every cluster can be deployed; a plan without Galapagos clusters is
// refused too.
std::vector<BundleFile> make_bundle(const plan::Plan& plan, const hw::GalapagosBoards& boards,
                                    const PlanSource& source);

// Writes `files` as folder `dir`, never half: into a temporary sibling folder renamed to `dir`
// at the end. An existing `dir` that is not an empty folder is refused unless `force` (then it
// is replaced whole). Throws core::Error (kind io) naming `dir` when it cannot be written.
void write_bundle(const std::vector<BundleFile>& files, const std::filesystem::path& dir,
                  bool force);

}  // namespace atl::codegen
