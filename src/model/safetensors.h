// Hugging Face safetensors files (https://huggingface.co/docs/safetensors, "Format"): an 8-byte
// little-endian header size N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets":
// [begin, end]}, "__metadata__": {...}}, then the data buffer; offsets are relative to the
// buffer, which the tensors must cover exactly (no holes, no overlaps).
//
// Tensors of dtype F32, F16 and BF16 are read (widened to float32); any other dtype is an error
// naming the tensor. The header size is checked against the file size and the format's 100 MB
// limit before the file is read; each entry's dtype, shape and offsets (end - begin = elements x
// dtype size, inside the buffer) and the buffer's exact coverage before any tensor is decoded.
// Errors are core::Error naming the file and the tensor or field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace atl::model {

enum class SafetensorsDType { f32, f16, bf16 };

// The format's limit on the JSON header (safetensors' MAX_HEADER_SIZE).
inline constexpr std::uint64_t kMaxSafetensorsHeader = 100'000'000;

using NamedTensors = std::map<std::string, core::Tensor<float>>;

// Decodes an in-memory file; `name` names it in errors.
NamedTensors parse_safetensors(std::span<const std::uint8_t> bytes, const std::string& name);

// One tensor as the header describes it (offsets relative to the data buffer).
struct SafetensorsEntry {
  SafetensorsDType dtype = SafetensorsDType::f32;
  core::Shape shape;
  std::uint64_t begin = 0, end = 0;
};

// A file whose header has been read and checked as above, data not read: tensors are read one at
// a time (read_tensor), so a checkpoint need not fit in memory as a whole.
struct SafetensorsFile {
  std::filesystem::path path;
  std::uint64_t data_offset = 0;  // 8 + header size: where the data buffer starts
  std::map<std::string, SafetensorsEntry> entries;
};
SafetensorsFile open_safetensors(const std::filesystem::path& path);
// Reads (seek and read) and widens one tensor; core::Error naming the file and the tensor for a
// name the header does not have or a failed read.
core::Tensor<float> read_tensor(const SafetensorsFile& file, const std::string& tensor);

// Every tensor of the file (open_safetensors, then read_tensor of each).
NamedTensors load_safetensors(const std::filesystem::path& path);

// The file image of `tensors` stored as `dtype` (rounded to nearest even for F16/BF16); tests
// write small files with it.
std::vector<std::uint8_t> safetensors_image(const NamedTensors& tensors, SafetensorsDType dtype);

// IEEE binary16 and bfloat16 conversions (exact widening; narrowing rounds to nearest even).
float half_to_float(std::uint16_t h);
float bfloat16_to_float(std::uint16_t b);
std::uint16_t float_to_half(float f);
std::uint16_t float_to_bfloat16(float f);

}  // namespace atl::model
