// `atoll build`: plan.json -> the Galapagos deployment bundle (codegen/bundle.h, docs/build.md):
// per Galapagos cluster its logical.xml, map.xml and one kern_<id>/ folder per IP with the HLS
// sources and Tcl of that IP, the headers they include, a Makefile and build.sh, a README and a
// SHA-256 manifest, written whole into -o or not at all; then, on request, its C simulation
// (--csim, cli/build_csim.h) and its kernels on the golden data (--verify-golden,
// cli/build_golden.h).
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli/build_csim.h"
#include "cli/build_golden.h"
#include "cli/catalogue.h"
#include "cli/model_options.h"
#include "cli/verbs.h"
#include "codegen/bundle.h"
#include "codegen/cluster_view.h"
#include "codegen/sha256.h"
#include "core/file.h"
#include "graph/architecture.h"
#include "hw/device.h"
#include "hw/galapagos_board.h"
#include "plan/check.h"
#include "plan/plan.h"

namespace atl::cli {
namespace {

struct BuildOptions {
  std::string plan, output;
  bool force = false;
  CatalogueOptions catalogue;
  WeightOptions weights;
  CsimOptions csim;
  std::string verify_golden;
};

void run(const BuildOptions& o) {
  const std::string plan_text = core::read_text_file(o.plan, "plan");
  const plan::Plan p = plan::load_plan(o.plan);
  plan::require_encoder(p, o.plan);
  const auto csim_in = csim_input(o.csim, p);
  check_golden_dir(o.verify_golden);
  const std::filesystem::path catalogue_dir = o.catalogue.dir.empty()
                                                  ? hw::default_catalogue_dir()
                                                  : std::filesystem::path(o.catalogue.dir);
  const hw::Catalogue catalogue = hw::load_catalogue(catalogue_dir);
  const hw::GalapagosBoards boards = hw::load_galapagos_boards(catalogue_dir);
  const model::EncoderWeights weights = load_weights(o.weights, graph::model_config(p.graph));
  const std::vector<codegen::BundleFile> files = codegen::make_bundle(
      p, {catalogue, boards, weights, {o.plan, codegen::sha256_hex(plan_text)}});
  codegen::write_bundle(files, o.output, o.force);
  for (std::size_t c = 0; c < p.galapagos.clusters.size(); ++c) {
    std::size_t ips = 0;
    for (const plan::GalapagosKernel& k : p.galapagos.clusters[c].kernels)
      ips += codegen::has_ip(k);
    fmt::print("cluster_{}: layer {}, kernel IDs 0..{}, {} IPs\n", c, p.galapagos.clusters[c].layer,
               p.galapagos.clusters[c].kernels.size() - 1, ips);
  }
  fmt::print("weights: {}\n", describe(o.weights));
  fmt::print("bundle: {} ({} files, checksums in MANIFEST.sha256)\n", o.output, files.size());
  if (csim_in) run_csim(o.csim, *csim_in, o.output);
  if (!o.verify_golden.empty())
    verify_golden_kernels(p, o.verify_golden, o.output, o.csim.timeout_s);
}

}  // namespace

void add_build(CLI::App& app) {
  auto o = std::make_shared<BuildOptions>();
  CLI::App* cmd = app.add_subcommand(
      "build",
      "Write the Galapagos deployment bundle of a plan: per cluster logical.xml, map.xml and per "
      "IP kern_<id>/ with top.cpp, parameters.hpp, weights.hpp and build_ip.tcl (Vitis HLS); "
      "include/, a Makefile and build.sh that build every IP, a README and a SHA-256 manifest "
      "(docs/build.md)");
  cmd->add_option("--plan", o->plan, "Plan JSON (from `atoll map`)")->required();
  cmd->add_option("-o,--output", o->output, "Bundle folder to write (must not exist or be empty)")
      ->required();
  cmd->add_flag("--force", o->force, "Replace an existing, non-empty output folder");
  add_weight_options(*cmd, o->weights);      // the weights each weights.hpp holds
  add_catalogue_option(*cmd, o->catalogue);  // parts, clocks, DSPs and galapagos.board names
  add_csim_options(*cmd, o->csim);
  add_golden_option(*cmd, o->verify_golden);
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
