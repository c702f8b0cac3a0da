#include "model/safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/file.h"
#include "core/json_field.h"

namespace atl::model {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors files are little-endian");

constexpr const char* kDTypeNames[] = {"F32", "F16", "BF16"};
constexpr std::uint64_t kDTypeBytes[] = {4, 2, 2};

using Entry = SafetensorsEntry;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw core::Error(fmt::format("{}: {}", file, what));
}

std::uint64_t read_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// A non-negative integer of the header (shape dimension or offset).
std::uint64_t header_uint(const nlohmann::json& v, const std::string& file, const std::string& at) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
    fail(file, fmt::format("{}: expected a non-negative integer, got {}", at, core::shown(v)));
  }
  return v.get<std::uint64_t>();
}

Entry parse_entry(const std::string& key, const nlohmann::json& v, std::uint64_t buffer,
                  const std::string& file) {
  const std::string at = fmt::format("tensor '{}'", key);
  if (!v.is_object()) fail(file, fmt::format("{}: expected an object, got {}", at, core::shown(v)));
  Entry e;
  const auto dtype = v.find("dtype");
  if (dtype == v.end() || !dtype->is_string()) fail(file, at + ": missing string field 'dtype'");
  const std::string d = dtype->get<std::string>();
  const auto known = std::find(std::begin(kDTypeNames), std::end(kDTypeNames), d);
  if (known == std::end(kDTypeNames)) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("{}: {}: dtype '{}' is not supported (expected F32, F16 or BF16)",
                                  file, at, d));
  }
  e.dtype = static_cast<SafetensorsDType>(known - std::begin(kDTypeNames));
  const auto shape = v.find("shape");
  if (shape == v.end() || !shape->is_array() || shape->size() > 8) {
    fail(file, at + ": field 'shape' must be a list of at most 8 dimensions");
  }
  // Element count, bounded by the buffer at every step so it cannot overflow.
  std::uint64_t elements = 1;
  for (std::size_t i = 0; i < shape->size(); ++i) {
    const std::uint64_t dim = header_uint((*shape)[i], file, fmt::format("{}: shape[{}]", at, i));
    if (dim > buffer) {
      fail(file, fmt::format("{}: shape[{}] = {} is larger than the data buffer of {} bytes", at, i,
                             dim, buffer));
    }
    e.shape.push_back(static_cast<std::int64_t>(dim));
    elements *= dim;
    if (elements > buffer) {
      fail(file, fmt::format("{}: shape {} needs more than the data buffer of {} bytes", at,
                             core::shown(*shape), buffer));
    }
  }
  const auto offsets = v.find("data_offsets");
  if (offsets == v.end() || !offsets->is_array() || offsets->size() != 2) {
    fail(file, at + ": field 'data_offsets' must be a list [begin, end]");
  }
  e.begin = header_uint((*offsets)[0], file, at + ": data_offsets[0]");
  e.end = header_uint((*offsets)[1], file, at + ": data_offsets[1]");
  if (e.begin > e.end || e.end > buffer) {
    fail(file, fmt::format("{}: data_offsets [{}, {}] are not inside the data buffer of {} bytes",
                           at, e.begin, e.end, buffer));
  }
  const std::uint64_t bytes = elements * kDTypeBytes[static_cast<int>(e.dtype)];
  if (e.end - e.begin != bytes) {
    fail(file, fmt::format("{}: data_offsets [{}, {}] hold {} bytes, shape {} of {} needs {}", at,
                           e.begin, e.end, e.end - e.begin, core::shown(*shape), d, bytes));
  }
  return e;
}

// Widens the bytes of e (the data buffer's bytes begin..end at p) to float32.
core::Tensor<float> decode(const Entry& e, const std::uint8_t* p) {
  core::Tensor<float> t(e.shape);
  std::vector<float>& out = t.values();
  if (e.dtype == SafetensorsDType::f32) {
    if (!out.empty()) std::memcpy(out.data(), p, out.size() * sizeof(float));
    return t;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint16_t v = 0;
    std::memcpy(&v, p + 2 * i, 2);
    out[i] = e.dtype == SafetensorsDType::f16 ? half_to_float(v) : bfloat16_to_float(v);
  }
  return t;
}

}  // namespace

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) {  // zero or subnormal: mant x 2^-24
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  const std::uint32_t bits =
      exp == 31 ? sign | 0x7f800000u | (mant << 13) : sign | ((exp + 112) << 23) | (mant << 13);
  return std::bit_cast<float>(bits);
}

float bfloat16_to_float(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

std::uint16_t float_to_half(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const float a = std::fabs(f);
  if (std::isnan(f)) return sign | 0x7e00u;
  if (a >= 65520.0f) return sign | 0x7c00u;  // rounds to infinity (largest half: 65504)
  if (a < 0x1p-14f) {  // subnormal: round a / 2^-24 to nearest even (exact scaling)
    return static_cast<std::uint16_t>(sign |
                                      static_cast<std::uint16_t>(std::nearbyint(a * 0x1p24f)));
  }
  const std::uint32_t mant = x & 0x7fffffu;
  const std::uint32_t exp = ((x >> 23) & 0xffu) - 127 + 15;
  std::uint32_t r = mant >> 13;
  const std::uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (r & 1u))) ++r;  // carries into the exponent
  return static_cast<std::uint16_t>(sign | ((exp << 10) + r));
}

std::uint16_t float_to_bfloat16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if (std::isnan(f)) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

namespace {

// Parses the JSON header (n bytes at `text`) of a file whose data buffer holds `buffer` bytes and
// checks every entry and the buffer's exact coverage.
std::map<std::string, Entry> parse_header(std::string_view text, std::uint64_t buffer,
                                          const std::string& file) {
  const nlohmann::json header = core::parse_json(text, file + " header");
  if (!header.is_object()) fail(file, "safetensors header must be a JSON object");
  std::map<std::string, Entry> entries;
  for (const auto& [key, v] : header.items()) {
    if (key != "__metadata__") entries.emplace(key, parse_entry(key, v, buffer, file));
  }
  std::vector<std::pair<const std::string*, const Entry*>> order;
  for (const auto& [name, e] : entries) order.emplace_back(&name, &e);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second->begin != b.second->begin ? a.second->begin < b.second->begin
                                              : a.second->end < b.second->end;
  });
  std::uint64_t next = 0;
  for (const auto& [name, e] : order) {
    if (e->begin != next) {
      fail(file, fmt::format("tensor '{}': data_offsets [{}, {}] {} the previous tensor, which "
                             "ends at {} (the data buffer must be covered without holes or "
                             "overlaps)",
                             *name, e->begin, e->end,
                             e->begin < next ? "overlap" : "leave a hole after", next));
    }
    next = e->end;
  }
  if (next != buffer) {
    fail(file, fmt::format("the tensors cover {} bytes of the data buffer, the file holds {}", next,
                           buffer));
  }
  return entries;
}

// Throws unless a header of n bytes fits the format's limit and the `size` bytes of the file.
void check_header_size(std::uint64_t n, std::uint64_t size, const std::string& file) {
  if (size < 8) {
    fail(file,
         fmt::format("safetensors header size of 8 bytes is truncated (file has {} bytes)", size));
  }
  if (n > kMaxSafetensorsHeader || n > size - 8) {
    fail(file, fmt::format("safetensors header size {} is larger than the {} bytes after it{}", n,
                           size - 8,
                           n > kMaxSafetensorsHeader ? " (and the format's limit of 100 MB)" : ""));
  }
}

}  // namespace

NamedTensors parse_safetensors(std::span<const std::uint8_t> bytes, const std::string& file) {
  const std::uint64_t n = bytes.size() < 8 ? 0 : read_u64(bytes.data());
  check_header_size(n, bytes.size(), file);
  const std::uint64_t buffer = bytes.size() - 8 - n;
  const auto entries = parse_header(
      std::string_view(reinterpret_cast<const char*>(bytes.data()) + 8, n), buffer, file);
  NamedTensors out;
  for (const auto& [name, e] : entries) {
    out.emplace(name, decode(e, bytes.data() + 8 + n + e.begin));
  }
  return out;
}

SafetensorsFile open_safetensors(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::ifstream in = core::open_input_file(path, "safetensors file");
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(name, "safetensors file must be a regular file (its size is checked first)");
  std::uint8_t head[8] = {};
  in.read(reinterpret_cast<char*>(head), 8);
  const std::uint64_t n = read_u64(head);  // zeros if the file is shorter
  check_header_size(n, size, name);
  std::string text(static_cast<std::size_t>(n), '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  if (static_cast<std::uint64_t>(in.gcount()) != n) {
    throw core::Error(core::ErrorKind::io, fmt::format("{}: read of the header failed", name));
  }
  SafetensorsFile f;
  f.path = path;
  f.data_offset = 8 + n;
  f.entries = parse_header(text, size - 8 - n, name);
  return f;
}

core::Tensor<float> read_tensor(const SafetensorsFile& f, const std::string& tensor) {
  const std::string name = f.path.string();
  const auto e = f.entries.find(tensor);
  if (e == f.entries.end()) fail(name, fmt::format("no tensor '{}'", tensor));
  std::ifstream in = core::open_input_file(f.path, "safetensors file");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(e->second.end - e->second.begin));
  in.seekg(static_cast<std::streamoff>(f.data_offset + e->second.begin));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::size_t>(in.gcount()) != bytes.size()) {
    throw core::Error(core::ErrorKind::io,
                      fmt::format("{}: read of tensor '{}' ({} bytes at offset {}) failed (the "
                                  "file changed since its header was read?)",
                                  name, tensor, bytes.size(), f.data_offset + e->second.begin));
  }
  return decode(e->second, bytes.data());
}

NamedTensors load_safetensors(const std::filesystem::path& path) {
  const SafetensorsFile f = open_safetensors(path);
  NamedTensors out;
  for (const auto& [name, e] : f.entries) out.emplace(name, read_tensor(f, name));
  return out;
}

std::vector<std::uint8_t> safetensors_image(const NamedTensors& tensors, SafetensorsDType dtype) {
  nlohmann::json header = nlohmann::json::object();
  std::vector<std::uint8_t> data;
  for (const auto& [name, t] : tensors) {
    const std::uint64_t begin = data.size();
    for (float v : t.values()) {
      std::uint8_t b[4];
      std::size_t n = 2;
      if (dtype == SafetensorsDType::f32) {
        std::memcpy(b, &v, 4);
        n = 4;
      } else {
        const std::uint16_t h =
            dtype == SafetensorsDType::f16 ? float_to_half(v) : float_to_bfloat16(v);
        std::memcpy(b, &h, 2);
      }
      data.insert(data.end(), b, b + n);
    }
    header[name] = {{"dtype", kDTypeNames[static_cast<int>(dtype)]},
                    {"shape", t.shape()},
                    {"data_offsets", {begin, data.size()}}};
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // safetensors pads the header to 8 bytes
  std::vector<std::uint8_t> out(8 + text.size());
  const std::uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

}  // namespace atl::model
