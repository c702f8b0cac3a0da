// NumPy .npy files (format versions 1, 2 and 3), the exchange format of golden data, weights and
// model inputs/outputs.
//
// Reading widens: any integer dtype can be read into any integer T whose range holds every value
// (an out-of-range value is an error naming the file and the element), float32 widens to double.
// Every malformed input (bad magic, corrupt header, truncated data, Fortran order) is a
// core::Error naming the file and what was expected; the reader never reads out of bounds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "core/tensor.h"

namespace atl::core {

enum class DType { i8, u8, i16, u16, i32, u32, i64, u64, f32, f64 };

std::string to_string(DType dtype);
std::size_t dtype_size(DType dtype);
bool is_integer(DType dtype);

struct NpyHeader {
  DType dtype = DType::i8;
  bool big_endian = false;
  Shape shape;
  std::size_t data_offset = 0;  // bytes from the start of the file to the first element
};

// Parses and validates the header of an in-memory .npy image; `name` is used in errors.
NpyHeader parse_npy_header(std::span<const std::uint8_t> bytes, const std::string& name);

// Decodes an in-memory .npy image into T (see the widening rules above).
template <class T>
Tensor<T> parse_npy(std::span<const std::uint8_t> bytes, const std::string& name);

template <class T>
Tensor<T> read_npy(const std::filesystem::path& path);

// Writes a little-endian, C-order, version-1.0 .npy with T's own dtype.
template <class T>
void write_npy(const std::filesystem::path& path, const Tensor<T>& tensor);

// Only the dtype and shape of a file (reads the header only).
NpyHeader read_npy_header(const std::filesystem::path& path);

}  // namespace atl::core
