#include "model/weights.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "core/npy.h"
#include "model/encoder.h"
#include "model/synthetic.h"
#include "test_models.h"

namespace atl::model {
namespace {

namespace fs = std::filesystem;
using testing::tiny_config;

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("atoll_weights_test_" + name);
  fs::remove_all(d);
  return d;
}

TEST(Weights, SaveLoadRoundTripGivesTheSameOutputs) {
  const auto w = synthetic_weights(tiny_config(), 3);
  const auto dir = fresh_dir("rt");
  save_weights(w, dir);
  EXPECT_TRUE(fs::exists(dir / "encoder/1/output/act_layernorm/m.npy"));
  const auto back = load_weights(dir, tiny_config());
  ASSERT_TRUE(back.scales.has_value());
  EXPECT_EQ(back.layers[1].ffn1.weight, w.layers[1].ffn1.weight);
  EXPECT_EQ(back.layers[0].gelu.shift, w.layers[0].gelu.shift);
  EXPECT_DOUBLE_EQ((*back.scales)[1].output, (*w.scales)[1].output);
  const auto x = random_input(20, 128, 1);
  EXPECT_EQ(Encoder(back).forward(x), Encoder(w).forward(x));
  fs::remove_all(dir);
}

TEST(Weights, MissingFileIsNamed) {
  const auto dir = fresh_dir("missing");
  save_weights(synthetic_weights(tiny_config(1), 3), dir);
  fs::remove(dir / "encoder/0/intermediate/gelu/shift.npy");
  try {
    load_weights(dir, tiny_config(1));
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "encoder/0/intermediate/gelu/shift.npy").string() + ": missing weight file");
  }
  fs::remove_all(dir);
}

TEST(Weights, WrongShapeIsNamed) {
  const auto dir = fresh_dir("shape");
  save_weights(synthetic_weights(tiny_config(1), 3), dir);
  core::write_npy(dir / "encoder/0/self_attention/linear_k/weight_integer.npy",
                  core::Tensor<std::int8_t>({128, 64}));
  try {
    load_weights(dir, tiny_config(1));
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "encoder/0/self_attention/linear_k/weight_integer.npy").string() +
                  ": expected shape [128, 128], got [128, 64]");
  }
  fs::remove_all(dir);
}

TEST(Weights, MissingLayerIsNamed) {
  const auto dir = fresh_dir("layers");
  save_weights(synthetic_weights(tiny_config(1), 3), dir);
  EXPECT_THROW(load_weights(dir, tiny_config(2)), core::Error);
  EXPECT_THROW(load_weights(dir / "nowhere", tiny_config(1)), core::Error);
  fs::remove_all(dir);
}

TEST(Weights, SliceOfALinearKeepsRowsAndBias) {
  const auto w = synthetic_weights(tiny_config(1), 3);
  const Linear part = w.layers[0].ffn1.rows(64, 128);
  EXPECT_EQ(part.weight.shape(), (core::Shape{64, 128}));
  EXPECT_EQ(part.weight(0, 5), w.layers[0].ffn1.weight(64, 5));
  EXPECT_EQ(part.bias[3], w.layers[0].ffn1.bias[67]);
  EXPECT_THROW(w.layers[0].ffn1.rows(10, 300), core::Error);
}

}  // namespace
}  // namespace atl::model
