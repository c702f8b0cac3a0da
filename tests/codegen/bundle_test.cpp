#include "codegen/bundle.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "bundle_inputs.h"
#include "codegen/embedded_headers.h"
#include "codegen/sha256.h"
#include "core/error.h"
#include "core/file.h"
#include "published_numbering.h"

namespace atl::codegen {
namespace {

namespace fs = std::filesystem;

TEST(Sha256, MatchesTheFips180Examples) {
  // FIPS 180-2 appendix B.1 ("abc") and the empty message.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

struct Bundle : ::testing::Test {
  plan::Plan plan = test::example_plan();
  // Made once: the example's weights make it 27 MB.
  static const std::vector<BundleFile>& example_files() {
    static const std::vector<BundleFile> f =
        make_bundle(test::example_plan(), test::example_inputs());
    return f;
  }
  const std::vector<BundleFile>& files = example_files();
  fs::path root = fs::path(::testing::TempDir()) /
                  ::testing::UnitTest::GetInstance()->current_test_info()->name();
  void SetUp() override {
    fs::remove_all(root);
    fs::create_directories(root);
  }
  // Every entry of `dir`, recursively, relative to it.
  static std::set<std::string> listing(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      out.insert(fs::relative(e.path(), dir).generic_string());
    return out;
  }
};

TEST_F(Bundle, HasOneFolderPerIpKernelZeroIncludedAndNoneForTheVirtualKernel) {
  std::set<std::string> paths;
  for (const BundleFile& f : files) paths.insert(f.path);
  // README, manifest, Makefile, build.sh, include/, logical, map, 4 files for each of 38 IPs,
  // csim/ (Makefile, main.cpp, cluster_0.cpp)
  EXPECT_EQ(paths.size(), 4u + embedded_headers().size() + 2u + 4u * 38u + 3u);
  for (const char* file : {"parameters.hpp", "weights.hpp", "top.cpp", "build_ip.tcl"}) {
    EXPECT_TRUE(paths.count(std::string("cluster_0/kern_0/") + file)) << file;
    EXPECT_TRUE(paths.count(std::string("cluster_0/kern_38/") + file)) << file;
    EXPECT_FALSE(paths.count(std::string("cluster_0/kern_33/") + file)) << file;
  }
  EXPECT_TRUE(paths.count("include/core/dyadic.h"));
  EXPECT_TRUE(paths.count("include/kernels/hls/matmul.h"));
  EXPECT_EQ(files.back().path, "MANIFEST.sha256");
}

TEST_F(Bundle, ManifestHoldsEveryOtherFilesChecksumSorted) {
  std::string expected;
  std::vector<const BundleFile*> others;
  for (const BundleFile& f : files)
    if (f.path != "MANIFEST.sha256") others.push_back(&f);
  std::sort(others.begin(), others.end(), [](auto* a, auto* b) { return a->path < b->path; });
  for (const BundleFile* f : others) expected += sha256_hex(f->text) + "  " + f->path + "\n";
  EXPECT_EQ(files.back().text, expected);
  EXPECT_EQ(expected.substr(64, 11), "  Makefile\n");
}

TEST_F(Bundle, ReadmeNamesThePlanAndTheCluster) {
  const std::string& readme = files.front().text;
  EXPECT_NE(readme.find("from the plan `p.json` (SHA-256 `00ff`)"), std::string::npos);
  EXPECT_NE(readme.find("| cluster_0 | 0 | attention_0, attention_1, attention_2, "
                        "attention_output_0, attention_output_1, intermediate_0, "
                        "intermediate_output_0, intermediate_output_1 | 0..38 | 38 | 33 | fpga0, "
                        "fpga1, fpga2, fpga3, fpga4, fpga5 |"),
            std::string::npos)
      << readme;
}

TEST_F(Bundle, RefusesAPlanWithoutNumbering) {
  try {
    plan.galapagos = {};
    make_bundle(plan, test::example_inputs({}));
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(),
                 "plan: no Galapagos numbering (galapagos.clusters is empty): only an encoder "
                 "graph is numbered into Galapagos clusters");
  }
}

TEST_F(Bundle, WritesEveryFileAndLeavesNoTemporaryFolder) {
  write_bundle(files, root / "out", false);
  for (const BundleFile& f : files)
    EXPECT_EQ(core::read_text_file(root / "out" / f.path, "bundle file"), f.text) << f.path;
  EXPECT_TRUE((fs::status(root / "out/build.sh").permissions() & fs::perms::owner_exec) !=
              fs::perms::none);
  EXPECT_EQ(fs::status(root / "out/Makefile").permissions() & fs::perms::owner_exec,
            fs::perms::none);
  std::set<std::string> expected;
  for (const BundleFile& f : files) {
    for (fs::path p = f.path; !p.empty(); p = p.parent_path()) expected.insert(p.generic_string());
  }
  EXPECT_EQ(listing(root / "out"), expected);
  for (const auto& e : fs::directory_iterator(root)) EXPECT_EQ(e.path().filename(), "out");
}

TEST_F(Bundle, WritesIntoAnEmptyFolder) {
  fs::create_directory(root / "out");
  write_bundle(files, root / "out/", false);
  EXPECT_TRUE(fs::exists(root / "out/MANIFEST.sha256"));
}

TEST_F(Bundle, RefusesANonEmptyFolderUnlessForced) {
  fs::create_directory(root / "out");
  core::write_text_file(root / "out/keep.txt", "mine");
  try {
    write_bundle(files, root / "out", false);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::io);
    EXPECT_EQ(std::string(e.what()),
              (root / "out").string() + ": exists and is not empty (pass --force to replace it)");
  }
  EXPECT_EQ(listing(root / "out"), (std::set<std::string>{"keep.txt"}));
  write_bundle(files, root / "out", true);
  EXPECT_FALSE(fs::exists(root / "out/keep.txt"));
  EXPECT_TRUE(fs::exists(root / "out/README.md"));
  for (const auto& e : fs::directory_iterator(root)) EXPECT_EQ(e.path().filename(), "out");
}

TEST_F(Bundle, UnwritableOutputIsOneIoErrorAndLeavesNothing) {
  core::write_text_file(root / "file", "x");
  try {
    write_bundle(files, root / "file/out", false);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::io);
    EXPECT_EQ(std::string(e.what()).rfind(
                  (root / "file/out").string() + ": cannot write the bundle: ", 0),
              0u)
        << e.what();
  }
  EXPECT_EQ(listing(root), (std::set<std::string>{"file"}));
}

TEST_F(Bundle, RefusesAFileInTheWay) {
  core::write_text_file(root / "out", "x");
  EXPECT_THROW(write_bundle(files, root / "out", true), core::Error);
  EXPECT_EQ(core::read_text_file(root / "out", "file"), "x");
}

}  // namespace
}  // namespace atl::codegen
