#include "codegen/csim.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "published_numbering.h"

namespace atl::codegen {
namespace {

namespace fs = std::filesystem;

// The example plan as atoll numbers it (the published numbering loops the output back into
// the cluster; this one takes the input from the host and sends the output there).
struct Csim : ::testing::Test {
  plan::Plan plan = test::example_plan();
  std::string file(const std::vector<BundleFile>& files, const std::string& path) {
    for (const BundleFile& f : files)
      if (f.path == path) return f.text;
    ADD_FAILURE() << "no " << path;
    return "";
  }
};

TEST_F(Csim, MakefileCompilesEachClusterAsOneObjectAndRunsOnTheBundlesInput) {
  const std::vector<BundleFile> files = csim_files(plan);
  const std::string m = file(files, "csim/Makefile");
  EXPECT_NE(m.find("OBJS := \\\n  obj/cluster_0.o\n"), std::string::npos);
  EXPECT_NE(m.find("obj/cluster_0.o: cluster_0.cpp $(wildcard ../cluster_0/*/top.cpp "
                   "../cluster_0/*/*.hpp) $(HEADERS)\n"
                   "\t@mkdir -p obj\n"
                   "\t$(CXX) $(FLAGS) -c cluster_0.cpp -o $@\n"),
            std::string::npos);
  // Every IP under its own name.
  const std::string c = file(files, "csim/cluster_0.cpp");
  EXPECT_NE(c.find("c0_kern_<id>.\n\n#define ATOLL_TOP c0_kern_0\n"
                   "#include \"../cluster_0/kern_0/top.cpp\"\n#undef ATOLL_TOP\n"),
            std::string::npos);
  EXPECT_NE(c.find("#define ATOLL_TOP c0_kern_38\n"), std::string::npos);
  EXPECT_EQ(c.find("kern_33"), std::string::npos);  // the virtual kernel has no IP
  EXPECT_EQ(files.size(), 3u);
  EXPECT_NE(m.find("run: sim\n\t./sim $(INPUT) $(OUTPUT)\n"), std::string::npos);
  EXPECT_NE(m.find("INPUT ?= ../input.npy\nOUTPUT ?= ../output.npy\n"), std::string::npos);
  EXPECT_NE(m.find("HLS_INCLUDE := -I../include/shim\n"), std::string::npos);
  EXPECT_NE(m.find("-Wall -Wextra -fno-exceptions -fno-rtti"), std::string::npos);
}

TEST_F(Csim, MainRoutesLocalPacketsByIdAndHostPacketsToTheHost) {
  const std::string m = file(csim_files(plan), "csim/main.cpp");
  // IP index 0 is kernel 0, serving virtual kernel 33 (the input broadcast); IP 32 is kernel 32
  // (l0.act_ln_ffn's LayerNorm), the last, which sends to the host; IP 33 is kernel 34.
  EXPECT_NE(m.find("    {0, 1, 1, 1, -1, false},  // kernel 33 -> kernel 1\n"), std::string::npos);
  EXPECT_NE(m.find("    {0, 29, 29, 29, -1, false},  // kernel 33 -> kernel 29\n"),
            std::string::npos);
  EXPECT_NE(
      m.find(
          "    {32, atl::kernels::hls::kHostDest, -1, 0, -1, true},  // kernel 32 -> the host\n"),
      std::string::npos);
  EXPECT_NE(m.find("    {33, 4, 4, 4, -1, false},  // kernel 34 -> kernel 4\n"), std::string::npos);
  EXPECT_NE(m.find("const int kInputIp = 0;\nconst unsigned kInputVirtual = 33;\n"
                   "const std::size_t kHidden = 768;\nconst std::uint32_t kMaxRows = 128;"),
            std::string::npos);
  // The scatter of K hears from K (kernel 2), whatever Cluster Builder's list says.
  EXPECT_NE(m.find("    {34, 2},  // c0.kern_35 <- cluster 0 kernel 2\n"), std::string::npos);
  EXPECT_NE(m.find("    {\"c0.kern_37\", 37, \"comm gather\", &c0_kern_37},\n"), std::string::npos);
}

TEST_F(Csim, PacketsToAnotherClusterGoToItsKernelZero) {
  plan.galapagos.clusters.push_back(plan.galapagos.clusters[0]);
  plan.galapagos.clusters[0].kernels[32].dests = {{1, 33}};
  const std::string m = file(csim_files(plan), "csim/main.cpp");
  // IP 32 (cluster 0 kernel 32) -> TDEST 1 (the cluster index) -> IP 38 (cluster 1 kernel 0),
  // TDEST rewritten to 0.
  EXPECT_NE(m.find("    {32, 1, 38, 0, -1, true},  // kernel 32 -> cluster 1 kernel 0 (virtual "
                   "kernel 33)\n"),
            std::string::npos);
  EXPECT_NE(m.find("{\"c1.kern_0\", 0, \"GMI node\", &c1_kern_0},"), std::string::npos);
}

TEST_F(Csim, RefusesALocalIdEqualToARemoteClusterIndex) {
  plan.galapagos.clusters.push_back(plan.galapagos.clusters[0]);
  // Kernel 1 sends to kernel 1 of its own cluster and to cluster 1: TDEST 1 means both.
  plan.galapagos.clusters[0].kernels[1].dests = {{0, 2}, {1, 33}, {0, 1}};
  try {
    csim_files(plan);
    FAIL() << "no error";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::unsupported);
    EXPECT_STREQ(e.what(),
                 "csim: cluster 0 kernel 1 (compute l0.q (q)): TDEST 1 would mean both 'kernel 1 "
                 "-> cluster 1 kernel 0 (virtual kernel 33)' and 'kernel 1 -> kernel 1'");
  }
}

// Cluster Builder's published numbering sends the layer's output to the input broadcast (a
// virtual kernel) of the same cluster: the gateway hands it to kernel 0, skewed.
TEST_F(Csim, ALocalPacketForAVirtualKernelGoesThroughKernelZeroSkewed) {
  plan.galapagos.clusters[0].kernels[32].dests = {{0, 33}};
  const std::string m = file(csim_files(plan), "csim/main.cpp");
  EXPECT_NE(m.find("    {32, 33, 0, 0, 33, false},  // kernel 32 -> kernel 33\n"),
            std::string::npos);
}

TEST_F(Csim, RefusesALocalPacketForKernelZero) {
  plan.galapagos.clusters[0].kernels[32].dests = {{0, 0}};
  try {
    csim_files(plan);
    FAIL() << "no error";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::unsupported);
    EXPECT_STREQ(e.what(),
                 "csim: cluster 0 kernel 32 (compute l0.ln_ffn (ln_ffn)) sends to kernel 0 of its "
                 "own cluster, the GMI node, which takes only packets for its virtual kernels");
  }
}

// The generated main.cpp compiles warnings-clean as C++14 with -fno-exceptions -fno-rtti
// against the shim (the kernels' declarations need no definitions for -fsyntax-only).
TEST_F(Csim, MainCompilesWarningFreeAsCpp14WithoutExceptionsOrRtti) {
  if (std::system("g++ --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "g++ not found";
  const fs::path dir = fs::path(::testing::TempDir()) / "csim_main";
  fs::create_directories(dir);
  core::write_text_file(dir / "main.cpp", file(csim_files(plan), "csim/main.cpp"));
  const std::string src = std::string(ATOLL_SOURCE_DIR) + "/src";
  const std::string cmd =
      "g++ -std=c++14 -Wall -Wextra -Werror -fno-exceptions -fno-rtti "
      "-fsyntax-only -I" +
      src + "/kernels/hls/shim -I" + src + " " + (dir / "main.cpp").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace
}  // namespace atl::codegen
