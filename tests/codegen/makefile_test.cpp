#include "codegen/makefile.h"

#include <gtest/gtest.h>

#include "bundle_inputs.h"

namespace atl::codegen {
namespace {

TEST(BundleMakefile, ListsEveryIpAndBuildsEachFromItsTclInItsFolder) {
  const plan::Plan plan = test::example_plan();
  const std::string mk = bundle_makefile({view_cluster(plan, 0, test::boards())});
  EXPECT_NE(mk.find("IPS := \\\n  cluster_0/kern_0 \\\n  cluster_0/kern_1 \\\n"),
            std::string::npos);
  EXPECT_NE(mk.find("  cluster_0/kern_32 \\\n  cluster_0/kern_34 \\\n"), std::string::npos)
      << "virtual kernel 33 has no IP";
  EXPECT_NE(mk.find("  cluster_0/kern_38\n"), std::string::npos);
  EXPECT_NE(mk.find("all: $(addsuffix /ip.done,$(IPS))\n"), std::string::npos);
  EXPECT_NE(mk.find("%/ip.done: %/build_ip.tcl %/top.cpp %/parameters.hpp %/weights.hpp "
                    "$(HEADERS)\n\tcd $* && $(VITIS_HLS) -f build_ip.tcl > vitis_hls.log 2>&1"),
            std::string::npos)
      << mk;
  EXPECT_NE(mk.find("\ncsim:\n\t$(MAKE) -C csim\n"), std::string::npos);
  EXPECT_NE(mk.find("\nclean:\n\trm -rf $(addsuffix /hls,$(IPS))"), std::string::npos);
}

TEST(BuildSh, ChecksForVitisHlsThenRunsMakeOnEveryCpu) {
  const std::string sh = build_sh();
  EXPECT_EQ(sh.rfind("#!/bin/sh\n", 0), 0u);
  EXPECT_NE(sh.find("if ! command -v vitis_hls >/dev/null 2>&1; then\n"), std::string::npos);
  EXPECT_NE(sh.find("  exit 1\nfi\nexec make -j\"$(nproc)\" \"$@\"\n"), std::string::npos);
}

}  // namespace
}  // namespace atl::codegen
