#include "codegen/c_array.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "literal.h"

namespace atl::codegen {
namespace {

using test::literal_bytes;

TEST(Int8Array, EscapesWhatALiteralCannotHoldAndKeepsPrintableBytes) {
  const std::vector<std::int8_t> v{65, 0, 51, '"', '\\', '?', -1, 10, 127, 32};
  EXPECT_EQ(int8_array("w", v),
            "const std::int8_t w[10 + 1] =\n    \"A\\0003\\042\\134\\077\\377\\012\\177 \";\n");
}

TEST(Int8Array, EveryByteValueRoundTripsAcrossLines) {
  std::vector<std::int8_t> v;
  for (int rep = 0; rep < 2; ++rep)
    for (int b = -128; b < 128; ++b) v.push_back(static_cast<std::int8_t>(b));
  const std::string text = int8_array("w", v);
  EXPECT_EQ(text.rfind("const std::int8_t w[512 + 1] =\n    \"", 0), 0u);
  EXPECT_EQ(literal_bytes(text), v);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 512 / 64);  // 64 values a line
}

TEST(Int8Array, EmptyIsOneEmptyLiteral) {
  EXPECT_EQ(int8_array("w", {}), "const std::int8_t w[0 + 1] = \"\";\n");
}

TEST(IntArray, TenDecimalValuesALineAndInt64MinimumAsAnExpression) {
  std::vector<std::int64_t> v{
      1, -2, 3, 4, 5, 6, 7, 8, 9, 10, std::numeric_limits<std::int64_t>::min()};
  EXPECT_EQ(int_array("std::int64_t", "m", v),
            "const std::int64_t m[11] = {\n    1, -2, 3, 4, 5, 6, 7, 8, 9, 10,\n"
            "    (-9223372036854775807LL - 1)};\n");
}

}  // namespace
}  // namespace atl::codegen
