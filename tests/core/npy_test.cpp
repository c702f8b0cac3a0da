#include "core/npy.h"

#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>

namespace atl::core {
namespace {

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("atoll_npy_test_" + name);
}

// A hand-made v1.0 header: {'descr': DESCR, 'fortran_order': False, 'shape': SHAPE, }.
std::vector<std::uint8_t> make_npy(const std::string& descr, const std::string& shape,
                                   const std::vector<std::uint8_t>& data,
                                   const std::string& fortran = "False") {
  std::string dict =
      "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n";
  std::string prefix = "\x93NUMPY\x01";
  prefix += '\0';
  prefix += static_cast<char>(dict.size());
  prefix += '\0';
  prefix += dict;
  std::vector<std::uint8_t> b(prefix.begin(), prefix.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

template <class T>
void expect_round_trip(std::vector<T> values, Shape shape) {
  Tensor<T> t(shape, values);
  auto p = temp_path("rt.npy");
  write_npy(p, t);
  EXPECT_EQ(read_npy<T>(p), t);
  std::filesystem::remove(p);
}

TEST(Npy, RoundTripsEveryDtype) {
  expect_round_trip<std::int8_t>({-128, 0, 127, 5}, {2, 2});
  expect_round_trip<std::uint8_t>({0, 255, 1}, {3});
  expect_round_trip<std::int16_t>({-32768, 32767}, {2});
  expect_round_trip<std::uint16_t>({65535, 0}, {1, 2});
  expect_round_trip<std::int32_t>({-2147483647 - 1, 2147483647, 0}, {3, 1});
  expect_round_trip<std::uint32_t>({4294967295u}, {1});
  expect_round_trip<std::int64_t>({INT64_MIN, INT64_MAX}, {2});
  expect_round_trip<std::uint64_t>({UINT64_MAX}, {1});
  expect_round_trip<float>({1.5f, -2.25f}, {2});
  expect_round_trip<double>({1e300, -0.0}, {2});
  expect_round_trip<std::int32_t>({42}, {});
  expect_round_trip<std::int32_t>({}, {0, 768});
}

TEST(Npy, WritesDataAlignedTo64Bytes) {
  auto p = temp_path("align.npy");
  write_npy(p, Tensor<std::int32_t>({128, 768}));
  auto h = read_npy_header(p);
  EXPECT_EQ(h.data_offset % 64, 0u);
  EXPECT_EQ(h.shape, (Shape{128, 768}));
  EXPECT_EQ(h.dtype, DType::i32);
  std::filesystem::remove(p);
}

TEST(Npy, WidensNarrowIntegerTypes) {
  auto bytes = make_npy("|i1", "(3,)", {0x80, 0x7f, 0xff});
  auto t = parse_npy<std::int32_t>(bytes, "x.npy");
  EXPECT_EQ(t.values(), (std::vector<std::int32_t>{-128, 127, -1}));
  auto u = parse_npy<std::int64_t>(make_npy("<u2", "(1,)", {0xff, 0xff}), "u.npy");
  EXPECT_EQ(u[0], 65535);
}

TEST(Npy, ReadsBigEndian) {
  auto t = parse_npy<std::int32_t>(make_npy(">i4", "(1,)", {0x00, 0x00, 0x01, 0x02}), "be.npy");
  EXPECT_EQ(t[0], 258);
}

TEST(Npy, RejectsValueOutOfRangeForTheTargetType) {
  auto bytes = make_npy("<i2", "(2,)", {0x01, 0x00, 0x00, 0x01});  // 1, 256
  try {
    parse_npy<std::int8_t>(bytes, "w.npy");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "w.npy: element 1 = 256 does not fit the expected 8-bit signed type");
  }
}

TEST(Npy, RejectsFloatReadAsInteger) {
  EXPECT_THROW(parse_npy<std::int32_t>(make_npy("<f4", "(1,)", {0, 0, 0, 0}), "f.npy"), Error);
}

TEST(Npy, RejectsTruncatedData) {
  auto bytes = make_npy("<i4", "(2, 2)", std::vector<std::uint8_t>(15));
  try {
    parse_npy<std::int32_t>(bytes, "t.npy");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "t.npy: npy data holds 15 bytes, but shape [2, 2] of int32 needs 16");
  }
}

TEST(Npy, RejectsEveryTruncationOfAValidFile) {
  auto bytes = make_npy("<i2", "(3,)", {1, 0, 2, 0, 3, 0});
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(parse_npy<std::int16_t>(cut, "cut.npy"), Error) << n << " bytes";
  }
}

TEST(Npy, RejectsCorruptHeaders) {
  const std::vector<std::uint8_t> four(4);
  EXPECT_THROW(parse_npy<std::int32_t>(make_npy("<i4", "(1,)", four, "True"), "a"), Error);
  EXPECT_THROW(parse_npy<std::int32_t>(make_npy("<c8", "(1,)", four), "b"), Error);
  EXPECT_THROW(parse_npy<std::int32_t>(make_npy("<i4", "(-1,)", four), "c"), Error);
  EXPECT_THROW(parse_npy<std::int32_t>(make_npy("<i4", "(1", four), "d"), Error);
  EXPECT_THROW(parse_npy<std::int32_t>(make_npy("<i4", "(99999999999, 99999999999)", four), "e"),
               Error);
  auto bad_magic = make_npy("<i4", "(1,)", four);
  bad_magic[1] = 'X';
  EXPECT_THROW(parse_npy<std::int32_t>(bad_magic, "f"), Error);
  auto bad_len = make_npy("<i4", "(1,)", four);
  bad_len[8] = 0xff;
  bad_len[9] = 0xff;
  EXPECT_THROW(parse_npy<std::int32_t>(bad_len, "g"), Error);
}

TEST(Npy, MissingFileNamesThePath) {
  try {
    read_npy<std::int8_t>("/nonexistent/atoll.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/atoll.npy: cannot open npy file: No such file or directory");
  }
}

}  // namespace
}  // namespace atl::core
