#include "core/file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/json_field.h"
#include "core/npy.h"

namespace atl::core {
namespace {

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("atoll_file_test_" + name);
}

template <class F>
std::string error_of(F f, ErrorKind kind = ErrorKind::invalid_input) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  return "no error";
}

TEST(File, JsonNestedTooDeepIsAnErrorNotAStackOverflow) {
  const std::string deep(100000, '[');
  EXPECT_EQ(error_of([&] { parse_json(deep, "deep.json"); }),
            "deep.json: invalid JSON: nested deeper than 64 levels");
  // 64 levels are fine (atoll's own files nest 6 deep).
  EXPECT_EQ(parse_json(std::string(64, '[') + std::string(64, ']'), "ok.json").dump(),
            std::string(64, '[') + std::string(64, ']'));
}

TEST(File, NumberOverflowIsInvalidInput) {
  EXPECT_EQ(error_of([] { parse_json(R"({"a": 1e400})", "p.json"); }),
            "p.json: invalid JSON: [json.exception.out_of_range.406] number overflow parsing "
            "'1e400'");
}

TEST(File, DirectoryIsNamed) {
  const auto dir = std::filesystem::temp_directory_path();
  EXPECT_EQ(error_of([&] { read_json_file(dir, "plan file"); }),
            dir.string() + ": is a directory, expected plan file");
  EXPECT_EQ(error_of([&] { read_npy<std::int8_t>(dir); }),
            dir.string() + ": is a directory, expected npy file");
}

TEST(File, MissingFileIsAnIoError) {
  EXPECT_EQ(error_of([] { read_text_file("/nonexistent/m.yaml", "model config"); }, ErrorKind::io),
            "/nonexistent/m.yaml: cannot open model config: No such file or directory");
}

TEST(File, TextInputLargerThanTheLimitIsRejectedBeforeReading) {
  const auto p = temp_path("big.json");
  { std::ofstream(p) << "{}"; }
  std::filesystem::resize_file(p, kMaxTextFileBytes + 1);  // sparse: nothing is written
  EXPECT_EQ(error_of([&] { read_json_file(p, "plan file"); }),
            p.string() + ": plan file is larger than the limit of 64 MiB");
  std::filesystem::remove(p);
}

TEST(File, DevZeroAsNpyFailsAtTheMagic) {
  EXPECT_EQ(error_of([] { read_npy<std::int8_t>("/dev/zero"); }),
            "/dev/zero: not an npy file (missing the \\x93NUMPY magic)");
  EXPECT_EQ(error_of([] { read_npy_header("/dev/zero"); }),
            "/dev/zero: not an npy file (missing the \\x93NUMPY magic)");
}

TEST(File, NpyShapeLargerThanTheFileFailsBeforeAllocating) {
  const auto p = temp_path("huge.npy");
  std::string dict = "{'descr': '|i1', 'fortran_order': False, 'shape': (1000000000000,), }\n";
  std::string image =
      std::string("\x93NUMPY\x01", 7) + '\0' + static_cast<char>(dict.size()) + '\0' + dict + "abc";
  { std::ofstream(p, std::ios::binary) << image; }
  EXPECT_EQ(error_of([&] { read_npy<std::int8_t>(p); }),
            p.string() +
                ": npy data holds 3 bytes, but shape [1000000000000] of int8 needs "
                "1000000000000");
  std::filesystem::remove(p);
}

TEST(JsonField, ValuesInErrorsAreCut) {
  const nlohmann::json j = {{"n", std::string(500, 'x')}};
  EXPECT_EQ(error_of([&] { json_int(j, "n", "f", 0, 1); }),
            "f.n: expected an integer, got \"" + std::string(76, 'x') + "...");
}

}  // namespace
}  // namespace atl::core
