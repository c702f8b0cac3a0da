// The golden layout (model/golden_layout.h) that both the weight loader and the golden checker
// read: every kernel folder of the shipped data is in it, and nothing else is.
#include "model/golden_layout.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

namespace atl::model::golden {
namespace {

namespace fs = std::filesystem;

TEST(GoldenLayout, OneEntryPerKernelFolder) {
  std::set<std::string> seen;
  for (const KernelFolder& k : kernel_folders()) {
    EXPECT_TRUE(seen.insert(std::string(k.sub_layer) + "/" + k.kernel).second) << k.kernel;
    EXPECT_EQ(kind_of(k.sub_layer, k.kernel), k.kind);
  }
  EXPECT_EQ(seen.size(), 22u);
  EXPECT_EQ(kind_of("output", "act_linear"), KernelKind::residual_act);
  EXPECT_EQ(kind_of("intermediate", "act"), KernelKind::quant_act);
  EXPECT_EQ(kind_of("self_attention", "linear"), std::nullopt);  // Q/K/V are linear_q/k/v
  EXPECT_EQ(kind_of("self_attention", "mystery_kernel"), std::nullopt);
}

TEST(GoldenLayout, Paths) {
  EXPECT_EQ(layer_dir("g", 3), fs::path("g/encoder/3"));
  EXPECT_EQ(kernel_dir(layer_dir("g", 0), kFfn2), fs::path("g/encoder/0/output/linear"));
  EXPECT_EQ(npy(kernel_dir("L", kLinearQ), file::kWeight),
            fs::path("L/self_attention/linear_q/weight_integer.npy"));
  EXPECT_EQ(head_file(file::kHeadScores, 11), "soft_input_11");
}

// The shipped data has exactly the layout's folders in every layer.
TEST(GoldenLayout, MatchesTheShippedData) {
  const fs::path root(ATOLL_GOLDEN_DIR);
  if (!fs::is_directory(encoder_dir(root))) GTEST_SKIP() << "no golden data at " << root;
  for (const auto& layer : fs::directory_iterator(encoder_dir(root))) {
    std::set<std::string> on_disk, in_layout;
    for (const auto& sub : fs::directory_iterator(layer.path())) {
      for (const auto& kernel : fs::directory_iterator(sub.path())) {
        on_disk.insert(sub.path().filename().string() + "/" + kernel.path().filename().string());
      }
    }
    for (const KernelFolder& k : kernel_folders()) {
      in_layout.insert(std::string(k.sub_layer) + "/" + k.kernel);
    }
    EXPECT_EQ(on_disk, in_layout) << layer.path();
  }
}

}  // namespace
}  // namespace atl::model::golden
