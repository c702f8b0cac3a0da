#include "model/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "decoder_files.h"

namespace atl::model {
namespace {

NamedTensors two_tensors() {
  NamedTensors t;
  t.emplace("a", core::Tensor<float>({2, 3}, {1.0f, -2.5f, 0.1f, 65504.0f, 0x1p-24f, -0.0f}));
  t.emplace("b", core::Tensor<float>({2}, {3.0f, 1.0f / 3.0f}));
  return t;
}

// The header of an image as text, and an image with `header` replacing it (data kept).
std::string header_of(const std::vector<std::uint8_t>& image) {
  std::uint64_t n = 0;
  std::memcpy(&n, image.data(), 8);
  return std::string(reinterpret_cast<const char*>(image.data()) + 8, n);
}
std::vector<std::uint8_t> with_header(const std::vector<std::uint8_t>& image,
                                      const std::string& header) {
  const std::size_t old = header_of(image).size();
  const std::uint64_t n = header.size();
  std::vector<std::uint8_t> out(reinterpret_cast<const std::uint8_t*>(&n),
                                reinterpret_cast<const std::uint8_t*>(&n) + 8);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), image.begin() + static_cast<std::ptrdiff_t>(8 + old), image.end());
  return out;
}

std::string error_of(const std::vector<std::uint8_t>& bytes) {
  try {
    parse_safetensors(bytes, "m.safetensors");
  } catch (const core::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Safetensors, HalfAndBfloat16ConversionsAreExact) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);  // rounds to infinity
  EXPECT_EQ(float_to_half(0x1p-24f), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_half(0x1p-25f), 0x0000);  // a tie: to even (zero)
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f), 0x3c00);  // tie to even
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);
  EXPECT_EQ(half_to_float(0x3555), 0x1.554p-2f);  // 1/3 in half
  EXPECT_EQ(half_to_float(0x0001), 0x1p-24f);
  EXPECT_EQ(half_to_float(0x7c00), INFINITY);
  EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
  EXPECT_EQ(float_to_bfloat16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bfloat16(1.0f + 0x1p-8f), 0x3f80);  // tie to even
  EXPECT_EQ(float_to_bfloat16(1.0f + 3 * 0x1p-8f), 0x3f82);
  EXPECT_EQ(bfloat16_to_float(0xc0a0), -5.0f);
  for (std::uint32_t h = 0; h < 0x7c00; ++h) {  // every finite half survives a round trip
    ASSERT_EQ(float_to_half(half_to_float(static_cast<std::uint16_t>(h))), h);
  }
}

TEST(Safetensors, RoundTripsEachDtype) {
  for (SafetensorsDType dtype :
       {SafetensorsDType::f32, SafetensorsDType::f16, SafetensorsDType::bf16}) {
    const std::vector<std::uint8_t> image = safetensors_image(two_tensors(), dtype);
    EXPECT_EQ(header_of(image).size() % 8, 0u);
    const auto path = testing::scratch("roundtrip.safetensors");
    testing::write_bytes(path, image);
    const NamedTensors back = load_safetensors(path);
    std::filesystem::remove(path);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back.at("a").shape(), (core::Shape{2, 3}));
    const std::vector<float>& a = back.at("a").values();
    EXPECT_EQ(a[0], 1.0f);
    EXPECT_EQ(a[1], -2.5f);
    EXPECT_EQ(a[5], -0.0f);
    const float third = back.at("b").values()[1];
    if (dtype == SafetensorsDType::f32) {
      EXPECT_EQ(third, 1.0f / 3.0f);
      EXPECT_EQ(a[3], 65504.0f);
    } else if (dtype == SafetensorsDType::f16) {
      EXPECT_EQ(third, 0x1.554p-2f);
      EXPECT_EQ(a[3], 65504.0f);
      EXPECT_EQ(a[4], 0x1p-24f);
    } else {
      EXPECT_EQ(third, 0x1.56p-2f);
      EXPECT_EQ(a[3], 65536.0f);  // 8 significant bits
    }
  }
}

TEST(Safetensors, RejectsBadHeaders) {
  const std::vector<std::uint8_t> image = safetensors_image(two_tensors(), SafetensorsDType::f32);
  EXPECT_EQ(error_of({image.begin(), image.begin() + 5}),
            "m.safetensors: safetensors header size of 8 bytes is truncated (file has 5 bytes)");
  std::vector<std::uint8_t> big = image;
  big[6] = 1;  // header size 2^48 + ...
  EXPECT_NE(error_of(big).find(
                "is larger than the 144 bytes after it (and the format's limit of 100 MB)"),
            std::string::npos)
      << error_of(big);
  const std::string h = header_of(image);
  EXPECT_EQ(
      h,
      R"({"a":{"data_offsets":[0,24],"dtype":"F32","shape":[2,3]},"b":{"data_offsets":[24,32],"dtype":"F32","shape":[2]}})");
  auto edited = [&](const std::string& from, const std::string& to) {
    std::string text = h;
    text.replace(text.find(from), from.size(), to);
    return error_of(with_header(image, text));
  };
  EXPECT_EQ(edited("[24,32]", "[24,40]"),
            "m.safetensors: tensor 'b': data_offsets [24, 40] are not inside the data buffer of 32 "
            "bytes");
  EXPECT_EQ(
      edited("[0,24]", "[0,20]"),
      "m.safetensors: tensor 'a': data_offsets [0, 20] hold 20 bytes, shape [2,3] of F32 needs "
      "24");
  EXPECT_EQ(
      edited("[24,32]", "[16,24]"),
      "m.safetensors: tensor 'b': data_offsets [16, 24] overlap the previous tensor, which ends "
      "at 24 (the data buffer must be covered without holes or overlaps)");
  EXPECT_EQ(edited("\"F32\",\"shape\":[2]", "\"I64\",\"shape\":[2]"),
            "m.safetensors: tensor 'b': dtype 'I64' is not supported (expected F32, F16 or BF16)");
  EXPECT_EQ(edited("[2,3]", "[2,-3]"),
            "m.safetensors: tensor 'a': shape[1]: expected a non-negative integer, got -3");
  EXPECT_EQ(edited("[2,3]", "[4294967296,4294967296]"),
            "m.safetensors: tensor 'a': shape[0] = 4294967296 is larger than the data buffer of 32 "
            "bytes");
  EXPECT_EQ(edited("[2,3]", "[32,32]"),
            "m.safetensors: tensor 'a': shape [32,32] needs more than the data buffer of 32 bytes");
  EXPECT_EQ(edited("\"dtype\":\"F32\",\"shape\":[2]", "\"shape\":[2]"),
            "m.safetensors: tensor 'b': missing string field 'dtype'");
  EXPECT_NE(edited("{\"a\"", "[\"a\"").find("m.safetensors header: invalid JSON"),
            std::string::npos);
  // A hole: the last 8 bytes of the buffer belong to no tensor.
  std::vector<std::uint8_t> longer = image;
  longer.insert(longer.end(), 8, 0);
  EXPECT_EQ(error_of(longer),
            "m.safetensors: the tensors cover 32 bytes of the data buffer, the file holds 40");
}

}  // namespace
}  // namespace atl::model
