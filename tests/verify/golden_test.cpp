#include "verify/golden.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/npy.h"

namespace {

namespace fs = std::filesystem;
using atl::core::Tensor;
using atl::verify::verify_golden_dir;

std::string error_of(const fs::path& dir) {
  try {
    verify_golden_dir(dir);
  } catch (const atl::core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(VerifyGolden, EveryKernelOfTheShippedLayersMatches) {
#ifdef ATOLL_GOLDEN_DIR
  const fs::path root(ATOLL_GOLDEN_DIR);
#else
  const fs::path root;
#endif
  if (root.empty() || !fs::is_directory(root / "encoder")) {
    GTEST_SKIP() << "golden data not found at '" << root.string() << "' (ATOLL_GOLDEN_DIR)";
  }
  const auto rows = verify_golden_dir(root);
  int passed = 0;
  int skipped = 0;
  for (const auto& r : rows) {
    if (r.is_skipped()) {
      ++skipped;
      continue;
    }
    EXPECT_TRUE(r.passed()) << r.layer << " " << r.kernel << ": " << r.mismatches
                            << " mismatches, max |diff| " << r.max_abs_diff;
    EXPECT_GT(r.elements, 0) << r.layer << " " << r.kernel;
    passed += r.passed();
  }
  // Per layer: 21 checked kernel rows (incl. the softmax mask) and 3 skipped ones (the two FFN
  // linears without weights, the float-reference softmax exp).
  const int layers = static_cast<int>(rows.size()) / 24;
  EXPECT_GE(layers, 2);
  EXPECT_EQ(passed, 21 * layers);
  EXPECT_EQ(skipped, 3 * layers);
}

class SyntheticGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::temp_directory_path() /
        ("atoll_golden_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    kdir_ = root_ / "encoder" / "0" / "self_attention" / "act_q";
    fs::create_directories(kdir_);
    // x * 2^30 / 2^31 = x / 2, ties to even (1.5 -> 2, -1.5 -> -2).
    atl::core::write_npy(kdir_ / "input.npy", Tensor<std::int32_t>({2, 2}, {3, -3, 8, 400}));
    atl::core::write_npy(kdir_ / "m.npy", Tensor<std::int32_t>({1}, {1 << 30}));
    atl::core::write_npy(kdir_ / "e.npy", Tensor<std::int8_t>({1}, {31}));
    atl::core::write_npy(kdir_ / "output.npy", Tensor<std::int8_t>({2, 2}, {2, -2, 4, 127}));
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
  fs::path kdir_;
};

TEST_F(SyntheticGolden, PassesAndCountsMismatches) {
  auto rows = verify_golden_dir(root_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].layer, "0");
  EXPECT_EQ(rows[0].kernel, "self_attention/act_q");
  EXPECT_EQ(rows[0].elements, 4);
  EXPECT_TRUE(rows[0].passed());
  atl::core::write_npy(kdir_ / "output.npy", Tensor<std::int8_t>({2, 2}, {2, -2, 1, 127}));
  rows = verify_golden_dir(root_);
  EXPECT_EQ(rows[0].mismatches, 1);
  EXPECT_EQ(rows[0].max_abs_diff, 3);
  EXPECT_FALSE(rows[0].passed());
}

TEST_F(SyntheticGolden, UnknownKernelFolderIsNamed) {
  fs::create_directories(root_ / "encoder" / "0" / "self_attention" / "mystery_kernel");
  EXPECT_NE(error_of(root_).find("mystery_kernel"), std::string::npos) << error_of(root_);
}

TEST_F(SyntheticGolden, MissingFileIsNamed) {
  fs::remove(kdir_ / "m.npy");
  const std::string msg = error_of(root_);
  EXPECT_NE(msg.find("m.npy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("act_q"), std::string::npos) << msg;
}

TEST_F(SyntheticGolden, TruncatedFileIsNamed) {
  const fs::path out = kdir_ / "output.npy";
  fs::resize_file(out, fs::file_size(out) - 2);
  const std::string msg = error_of(root_);
  EXPECT_NE(msg.find("output.npy"), std::string::npos) << msg;
}

TEST_F(SyntheticGolden, ShapeMismatchIsNamed) {
  atl::core::write_npy(kdir_ / "output.npy", Tensor<std::int8_t>({1, 2}, {2, -1}));
  const std::string msg = error_of(root_);
  EXPECT_NE(msg.find("output.npy"), std::string::npos) << msg;
}

TEST_F(SyntheticGolden, MissingEncoderFolder) {
  const std::string msg = error_of(root_ / "encoder");
  EXPECT_NE(msg.find("encoder"), std::string::npos) << msg;
}

}  // namespace
