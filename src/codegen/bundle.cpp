#include "codegen/bundle.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "codegen/csim.h"
#include "codegen/embedded_headers.h"
#include "codegen/galapagos_xml.h"
#include "codegen/hls_checks.h"
#include "codegen/ip.h"
#include "codegen/makefile.h"
#include "codegen/parameters.h"
#include "codegen/readme.h"
#include "codegen/sha256.h"
#include "codegen/tcl.h"
#include "codegen/top_cpp.h"
#include "codegen/weights_hpp.h"
#include "core/error.h"
#include "core/file.h"

namespace atl::codegen {
namespace {

namespace fs = std::filesystem;

core::Error io_error(const fs::path& dir, const std::string& what, const std::error_code& ec) {
  return core::Error(core::ErrorKind::io, fmt::format("{}: cannot write the bundle: {}{}",
                                                      dir.string(), what, ec.message()));
}

bool is_empty_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_empty(dir, ec) && !ec;
}

}  // namespace

std::vector<BundleFile> make_bundle(const plan::Plan& plan, const BundleInputs& in) {
  if (plan.galapagos.clusters.empty()) {
    throw core::Error(
        "plan: no Galapagos numbering (galapagos.clusters is empty): only an encoder graph is "
        "numbered into Galapagos clusters");
  }
  std::vector<ClusterView> views;
  for (std::size_t c = 0; c < plan.galapagos.clusters.size(); ++c) {
    views.push_back(view_cluster(plan, static_cast<int>(c), in.boards));
    check_buildable(plan, views.back(), in.catalogue);
  }

  // Who sends what to whom, as the software nodes have it: the generated kernels' sources.
  const platform::Wiring wiring = platform::wire(plan, plan.galapagos, plan.graph.seq_len);

  std::vector<BundleFile> files;
  files.push_back({"README.md", bundle_readme(plan, views, in.source)});
  files.push_back({"Makefile", bundle_makefile(views)});
  files.push_back({"build.sh", build_sh(), true});
  for (const EmbeddedFile& h : embedded_headers())
    files.push_back({"include/" + std::string(h.path), std::string(h.text)});
  for (const ClusterView& v : views) {
    const std::string folder = fmt::format("cluster_{}/", v.index);
    files.push_back({folder + "logical.xml", logical_xml(plan, v)});
    files.push_back({folder + "map.xml", map_xml(plan, v)});
    for (const plan::GalapagosKernel& k : v.cluster->kernels) {
      if (!has_ip(k)) continue;
      const std::string kern = folder + ip_name(k.id) + "/";
      const hw::Device& device = catalogue_device(plan, k.node, in.catalogue);
      files.push_back({kern + "parameters.hpp", parameters_hpp(plan, v, k, wiring)});
      files.push_back({kern + "weights.hpp", weights_hpp(plan, v, k, in.weights)});
      files.push_back({kern + "top.cpp", top_cpp(plan, v, k)});
      files.push_back({kern + "build_ip.tcl", build_ip_tcl(v.index, k.id, device)});
    }
  }
  for (BundleFile& f : csim_files(plan)) files.push_back(std::move(f));
  std::vector<const BundleFile*> sorted;
  for (const BundleFile& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(),
            [](const BundleFile* a, const BundleFile* b) { return a->path < b->path; });
  std::string manifest;
  for (const BundleFile* f : sorted) manifest += sha256_hex(f->text) + "  " + f->path + "\n";
  files.push_back({"MANIFEST.sha256", std::move(manifest)});
  return files;
}

void write_bundle(const std::vector<BundleFile>& files, const fs::path& dir_in, bool force) {
  // "out/" names the folder "out".
  const fs::path dir = dir_in.has_filename() ? dir_in : dir_in.parent_path();
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(dir, ec);
  const bool exists = fs::exists(status);
  if (exists && !fs::is_directory(status)) {
    throw core::Error(core::ErrorKind::io,
                      fmt::format("{}: exists and is not a folder; give another -o", dir.string()));
  }
  if (exists && !force && !is_empty_dir(dir)) {
    throw core::Error(
        core::ErrorKind::io,
        fmt::format("{}: exists and is not empty (pass --force to replace it)", dir.string()));
  }
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  const std::string tag = fmt::format(".{}.atoll-{}", dir.filename().string(), ::getpid());
  const fs::path tmp = parent / (tag + ".tmp"), old = parent / (tag + ".old");
  if (fs::create_directories(parent, ec); ec) throw io_error(dir, "", ec);
  fs::remove_all(tmp, ec);
  if (fs::create_directory(tmp, ec); ec) throw io_error(dir, "", ec);
  try {
    for (const BundleFile& f : files) {
      const fs::path path = tmp / f.path;
      if (fs::create_directories(path.parent_path(), ec); ec)
        throw io_error(dir, f.path + ": ", ec);
      core::write_text_file(path, f.text);
      if (f.executable) {
        fs::permissions(path,
                        fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                        fs::perm_options::add, ec);
        if (ec) throw io_error(dir, f.path + ": ", ec);
      }
    }
    if (exists) {
      if (fs::rename(dir, old, ec); ec) throw io_error(dir, "", ec);
    }
    if (fs::rename(tmp, dir, ec); ec) {
      const std::error_code failed = ec;
      if (exists) fs::rename(old, dir, ec);  // put the old one back
      throw io_error(dir, "", failed);
    }
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  if (exists) fs::remove_all(old, ec);
}

}  // namespace atl::codegen
