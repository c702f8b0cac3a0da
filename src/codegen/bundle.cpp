#include "codegen/bundle.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "codegen/csim.h"
#include "codegen/galapagos_xml.h"
#include "codegen/ip.h"
#include "codegen/parameters.h"
#include "codegen/readme.h"
#include "codegen/sha256.h"
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

std::vector<BundleFile> make_bundle(const plan::Plan& plan, const hw::GalapagosBoards& boards,
                                    const PlanSource& source) {
  if (plan.galapagos.clusters.empty()) {
    throw core::Error(
        "plan: no Galapagos numbering (galapagos.clusters is empty): only an encoder graph is "
        "numbered into Galapagos clusters");
  }
  std::vector<ClusterView> views;
  for (std::size_t c = 0; c < plan.galapagos.clusters.size(); ++c)
    views.push_back(view_cluster(plan, static_cast<int>(c), boards));

  std::vector<BundleFile> files;
  files.push_back({"README.md", bundle_readme(plan, views, source)});
  for (const ClusterView& v : views) {
    const std::string folder = fmt::format("cluster_{}/", v.index);
    files.push_back({folder + "logical.xml", logical_xml(plan, v)});
    files.push_back({folder + "map.xml", map_xml(plan, v)});
    for (const plan::GalapagosKernel& k : v.cluster->kernels) {
      if (has_ip(k))
        files.push_back({folder + ip_name(k.id) + "/parameters.hpp", parameters_hpp(plan, v, k)});
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
