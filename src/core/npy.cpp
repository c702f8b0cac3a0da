#include "core/npy.h"

#include "core/file.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <type_traits>

#include <fmt/format.h>

namespace atl::core {
namespace {

constexpr std::uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// Headers are at most a few hundred bytes; this bound stops a corrupt length from allocating.
constexpr std::size_t kMaxHeaderLen = 1 << 20;

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, std::int8_t>) return DType::i8;
  if constexpr (std::is_same_v<T, std::uint8_t>) return DType::u8;
  if constexpr (std::is_same_v<T, std::int16_t>) return DType::i16;
  if constexpr (std::is_same_v<T, std::uint16_t>) return DType::u16;
  if constexpr (std::is_same_v<T, std::int32_t>) return DType::i32;
  if constexpr (std::is_same_v<T, std::uint32_t>) return DType::u32;
  if constexpr (std::is_same_v<T, std::int64_t>) return DType::i64;
  if constexpr (std::is_same_v<T, std::uint64_t>) return DType::u64;
  if constexpr (std::is_same_v<T, float>) return DType::f32;
  if constexpr (std::is_same_v<T, double>) return DType::f64;
}

const char* descr_of(DType d) {
  switch (d) {
    case DType::i8: return "|i1";
    case DType::u8: return "|u1";
    case DType::i16: return "<i2";
    case DType::u16: return "<u2";
    case DType::i32: return "<i4";
    case DType::u32: return "<u4";
    case DType::i64: return "<i8";
    case DType::u64: return "<u8";
    case DType::f32: return "<f4";
    case DType::f64: return "<f8";
  }
  return "?";
}

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw Error(fmt::format("{}: {}", name, what));
}

// Finds the value text of 'key' in the header dict, e.g. "'<i4'" or "(128, 768)".
std::string_view dict_value(std::string_view dict, std::string_view key, const std::string& name) {
  const std::string quoted = fmt::format("'{}'", key);
  auto k = dict.find(quoted);
  if (k == std::string_view::npos) fail(name, fmt::format("npy header has no '{}' field", key));
  auto colon = dict.find(':', k + quoted.size());
  if (colon == std::string_view::npos) fail(name, fmt::format("npy header field '{}' has no value", key));
  auto v = dict.substr(colon + 1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (!v.empty() && v.front() == '(') {
    auto close = v.find(')');
    if (close == std::string_view::npos) fail(name, "npy header 'shape' has no closing ')'");
    return v.substr(0, close + 1);
  }
  auto end = v.find_first_of(",}");
  if (end == std::string_view::npos) fail(name, fmt::format("npy header field '{}' is not terminated", key));
  v = v.substr(0, end);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

DType parse_descr(std::string_view v, bool& big_endian, const std::string& name) {
  if (v.size() != 5 || (v.front() != '\'' && v.front() != '"') || v.back() != v.front()) {
    fail(name, fmt::format("npy 'descr' must be a quoted type string like '<i4', got {}", v));
  }
  char order = v[1], kind = v[2], size = v[3];
  if (order != '<' && order != '>' && order != '|' && order != '=') {
    fail(name, fmt::format("npy 'descr' {} has an unknown byte order", v));
  }
  big_endian = order == '>';
  struct Entry { char kind, size; DType d; };
  static constexpr Entry table[] = {
      {'i', '1', DType::i8},  {'u', '1', DType::u8},  {'i', '2', DType::i16}, {'u', '2', DType::u16},
      {'i', '4', DType::i32}, {'u', '4', DType::u32}, {'i', '8', DType::i64}, {'u', '8', DType::u64},
      {'f', '4', DType::f32}, {'f', '8', DType::f64}};
  for (const auto& e : table) {
    if (e.kind == kind && e.size == size) return e.d;
  }
  fail(name, fmt::format("npy dtype {} is not supported (expected an integer type, float32 or float64)", v));
}

Shape parse_shape(std::string_view v, const std::string& name) {
  if (v.size() < 2 || v.front() != '(' || v.back() != ')') {
    fail(name, fmt::format("npy 'shape' must be a tuple, got {}", v));
  }
  Shape shape;
  auto body = v.substr(1, v.size() - 2);
  while (!body.empty()) {
    while (!body.empty() && (body.front() == ' ' || body.front() == ',')) body.remove_prefix(1);
    if (body.empty()) break;
    std::int64_t d = 0;
    auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), d);
    if (ec != std::errc() || d < 0) fail(name, fmt::format("npy 'shape' {} has a bad dimension", v));
    body.remove_prefix(static_cast<std::size_t>(ptr - body.data()));
    while (!body.empty() && body.front() == 'L') body.remove_prefix(1);  // Python 2 longs
    shape.push_back(d);
    if (shape.size() > 32) fail(name, "npy 'shape' has more than 32 dimensions");
  }
  return shape;
}

template <class U>
U load(const std::uint8_t* p, bool big_endian) {
  U u;
  std::memcpy(&u, p, sizeof(U));
  if (big_endian && sizeof(U) > 1) {
    std::uint8_t b[sizeof(U)];
    std::memcpy(b, &u, sizeof(U));
    for (std::size_t i = 0; i < sizeof(U) / 2; ++i) std::swap(b[i], b[sizeof(U) - 1 - i]);
    std::memcpy(&u, b, sizeof(U));
  }
  return u;
}

template <class T, class U>
  requires(std::is_integral_v<T> == std::is_integral_v<U>)
void convert(const std::uint8_t* src, bool big_endian, std::int64_t n, T* dst, const std::string& name) {
  for (std::int64_t i = 0; i < n; ++i) {
    U u = load<U>(src + i * static_cast<std::int64_t>(sizeof(U)), big_endian);
    if constexpr (std::is_integral_v<T>) {  // both integral: parse_npy checked the kinds
      if (!std::in_range<T>(u)) {
        fail(name, fmt::format("element {} = {} does not fit the expected {}-bit {} type", i, u,
                               8 * sizeof(T), std::is_signed_v<T> ? "signed" : "unsigned"));
      }
    }
    dst[i] = static_cast<T>(u);
  }
}

}  // namespace

std::string to_string(DType dtype) {
  switch (dtype) {
    case DType::i8: return "int8";
    case DType::u8: return "uint8";
    case DType::i16: return "int16";
    case DType::u16: return "uint16";
    case DType::i32: return "int32";
    case DType::u32: return "uint32";
    case DType::i64: return "int64";
    case DType::u64: return "uint64";
    case DType::f32: return "float32";
    case DType::f64: return "float64";
  }
  return "?";
}

std::size_t dtype_size(DType d) {
  switch (d) {
    case DType::i8: case DType::u8: return 1;
    case DType::i16: case DType::u16: return 2;
    case DType::i32: case DType::u32: case DType::f32: return 4;
    case DType::i64: case DType::u64: case DType::f64: return 8;
  }
  return 0;
}

bool is_integer(DType d) { return d != DType::f32 && d != DType::f64; }

namespace {

// Bytes from the start of an image to the end of its header dict; `bytes` holds at least the
// first 12 bytes of the image (or all of a shorter one).
std::size_t header_end(std::span<const std::uint8_t> bytes, const std::string& name) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    fail(name, "not an npy file (missing the \\x93NUMPY magic)");
  }
  const int major = bytes[6];
  if (major == 1) return 10 + (bytes[8] | (std::size_t{bytes[9]} << 8));
  if (major != 2 && major != 3) {
    fail(name, fmt::format("npy format version {} is not supported (expected 1, 2 or 3)", major));
  }
  if (bytes.size() < 12) fail(name, "npy header is truncated");
  const std::size_t header_len = bytes[8] | (std::size_t{bytes[9]} << 8) |
                                 (std::size_t{bytes[10]} << 16) | (std::size_t{bytes[11]} << 24);
  if (header_len > kMaxHeaderLen) {
    fail(name,
         fmt::format("npy header of {} bytes exceeds the limit of {}", header_len, kMaxHeaderLen));
  }
  return 12 + header_len;
}

// Parses the header dict of `bytes` (the image up to header_end).
NpyHeader parse_dict(std::span<const std::uint8_t> bytes, std::size_t end,
                     const std::string& name) {
  const std::size_t prefix = bytes[6] == 1 ? 10 : 12;
  std::string_view dict(reinterpret_cast<const char*>(bytes.data() + prefix), end - prefix);
  if (dict.find('{') == std::string_view::npos || dict.find('}') == std::string_view::npos) {
    fail(name, "npy header is not a Python dict");
  }
  NpyHeader h;
  h.dtype = parse_descr(dict_value(dict, "descr", name), h.big_endian, name);
  auto fortran = dict_value(dict, "fortran_order", name);
  if (fortran == "True") fail(name, "Fortran-order npy files are not supported (expected C order)");
  if (fortran != "False")
    fail(name, fmt::format("npy 'fortran_order' must be True or False, got {}", fortran));
  h.shape = parse_shape(dict_value(dict, "shape", name), name);
  h.data_offset = end;
  return h;
}

// Bytes of data the header's shape and dtype need (an overflowing shape is an error).
std::uint64_t data_bytes(const NpyHeader& h, const std::string& name) {
  std::uint64_t n = dtype_size(h.dtype);
  for (auto d : h.shape) {
    if (d != 0 && n > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d)) {
      fail(name, fmt::format("npy shape {} overflows", to_string(h.shape)));
    }
    n *= static_cast<std::uint64_t>(d);
  }
  return n;
}

[[noreturn]] void fail_size(const NpyHeader& h, std::uint64_t available, std::uint64_t needed,
                            const std::string& name) {
  fail(name, fmt::format("npy data holds {} bytes, but shape {} of {} needs {}", available,
                         to_string(h.shape), to_string(h.dtype), needed));
}

}  // namespace

NpyHeader parse_npy_header(std::span<const std::uint8_t> bytes, const std::string& name) {
  const std::size_t end = header_end(bytes, name);
  if (end > bytes.size()) {
    fail(name,
         fmt::format("npy header of {} bytes is truncated (file has {} bytes)", end, bytes.size()));
  }
  NpyHeader h = parse_dict(bytes, end, name);
  // Check the element count against the bytes present before anyone allocates.
  const std::uint64_t needed = data_bytes(h, name), available = bytes.size() - end;
  if (needed != available) fail_size(h, available, needed, name);
  return h;
}

template <class T>
Tensor<T> parse_npy(std::span<const std::uint8_t> bytes, const std::string& name) {
  NpyHeader h = parse_npy_header(bytes, name);
  constexpr bool want_int = std::is_integral_v<T>;
  if (want_int != is_integer(h.dtype)) {
    fail(name, fmt::format("dtype {} cannot be read as {}", to_string(h.dtype), to_string(dtype_of<T>())));
  }
  if constexpr (std::is_same_v<T, float>) {
    if (h.dtype == DType::f64) fail(name, "dtype float64 cannot be read as float32 without loss");
  }
  Tensor<T> t(h.shape);
  const std::uint8_t* src = bytes.data() + h.data_offset;
  bool be = h.big_endian;
  if constexpr (std::is_floating_point_v<T>) {
    if (h.dtype == DType::f32) convert<T, float>(src, be, t.size(), t.data(), name);
    else convert<T, double>(src, be, t.size(), t.data(), name);
    return t;
  } else switch (h.dtype) {
    case DType::i8: convert<T, std::int8_t>(src, be, t.size(), t.data(), name); break;
    case DType::u8: convert<T, std::uint8_t>(src, be, t.size(), t.data(), name); break;
    case DType::i16: convert<T, std::int16_t>(src, be, t.size(), t.data(), name); break;
    case DType::u16: convert<T, std::uint16_t>(src, be, t.size(), t.data(), name); break;
    case DType::i32: convert<T, std::int32_t>(src, be, t.size(), t.data(), name); break;
    case DType::u32: convert<T, std::uint32_t>(src, be, t.size(), t.data(), name); break;
    case DType::i64: convert<T, std::int64_t>(src, be, t.size(), t.data(), name); break;
    case DType::u64: convert<T, std::uint64_t>(src, be, t.size(), t.data(), name); break;
    case DType::f32: case DType::f64: break;  // rejected above
  }
  return t;
}

namespace {

// Appends bytes from `in` until `bytes` holds `size` bytes or the input ends; grows in steps, so
// a header that claims more data than a pipe sends allocates no more than was sent.
void read_up_to(std::istream& in, std::vector<std::uint8_t>& bytes, std::uint64_t size) {
  constexpr std::uint64_t kStep = 1 << 24;
  while (bytes.size() < size && in) {
    const std::size_t old = bytes.size();
    bytes.resize(old + static_cast<std::size_t>(std::min(size - old, kStep)));
    in.read(reinterpret_cast<char*>(bytes.data() + old),
            static_cast<std::streamsize>(bytes.size() - old));
    bytes.resize(old + static_cast<std::size_t>(in.gcount()));
  }
}

// The whole image of an npy file (a regular file, a pipe or a device): the header is read first
// and bounded, then exactly the data it announces; a size mismatch fails before allocating.
std::vector<std::uint8_t> read_image(const std::filesystem::path& path, bool header_only,
                                     NpyHeader& h) {
  const std::string name = path.string();
  std::ifstream in = open_input_file(path, "npy file");
  std::vector<std::uint8_t> bytes;
  read_up_to(in, bytes, 12);
  const std::size_t end = header_end(bytes, name);
  read_up_to(in, bytes, end);
  if (bytes.size() < end) {
    fail(name,
         fmt::format("npy header of {} bytes is truncated (file has {} bytes)", end, bytes.size()));
  }
  h = parse_dict(bytes, end, name);
  const std::uint64_t needed = data_bytes(h, name);
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);  // fails for a pipe
  if (!ec && size != end + needed) fail_size(h, size < end ? 0 : size - end, needed, name);
  if (header_only) return bytes;
  read_up_to(in, bytes, end + needed);
  if (bytes.size() != end + needed) fail_size(h, bytes.size() - end, needed, name);
  if (in.peek() != std::char_traits<char>::eof()) {
    fail(name, fmt::format("npy data is longer than the {} bytes shape {} of {} needs", needed,
                           to_string(h.shape), to_string(h.dtype)));
  }
  if (in.bad()) throw Error(ErrorKind::io, fmt::format("{}: read failed", name));
  return bytes;
}

}  // namespace

template <class T>
Tensor<T> read_npy(const std::filesystem::path& path) {
  NpyHeader h;
  const std::vector<std::uint8_t> bytes = read_image(path, false, h);
  return parse_npy<T>(bytes, path.string());
}

NpyHeader read_npy_header(const std::filesystem::path& path) {
  NpyHeader h;
  read_image(path, true, h);
  return h;
}

template <class T>
void write_npy(const std::filesystem::path& path, const Tensor<T>& tensor) {
  // Python's tuple repr: "()", "(5,)", "(2, 3)".
  std::string shape = "(";
  for (std::size_t i = 0; i < tensor.shape().size(); ++i) {
    shape += (i ? ", " : "") + std::to_string(tensor.shape()[i]);
  }
  shape += tensor.rank() == 1 ? ",)" : ")";
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                 descr_of(dtype_of<T>()), shape);
  // Pad with spaces so the data starts at a multiple of 64 bytes, newline-terminated.
  std::size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(fmt::format("{}: cannot open for writing", path.string()));
  std::uint8_t prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             static_cast<std::uint8_t>(dict.size() & 0xff),
                             static_cast<std::uint8_t>(dict.size() >> 8)};
  out.write(reinterpret_cast<const char*>(prefix), sizeof prefix);
  out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
  static_assert(std::endian::native == std::endian::little, "npy writer assumes a little-endian host");
  out.write(reinterpret_cast<const char*>(tensor.data()),
            static_cast<std::streamsize>(tensor.size() * sizeof(T)));
  if (!out) throw Error(fmt::format("{}: write failed", path.string()));
}

#define ATOLL_NPY_INSTANTIATE(T)                                                        \
  template Tensor<T> parse_npy<T>(std::span<const std::uint8_t>, const std::string&); \
  template Tensor<T> read_npy<T>(const std::filesystem::path&);                         \
  template void write_npy<T>(const std::filesystem::path&, const Tensor<T>&);
ATOLL_NPY_INSTANTIATE(std::int8_t)
ATOLL_NPY_INSTANTIATE(std::uint8_t)
ATOLL_NPY_INSTANTIATE(std::int16_t)
ATOLL_NPY_INSTANTIATE(std::uint16_t)
ATOLL_NPY_INSTANTIATE(std::int32_t)
ATOLL_NPY_INSTANTIATE(std::uint32_t)
ATOLL_NPY_INSTANTIATE(std::int64_t)
ATOLL_NPY_INSTANTIATE(std::uint64_t)
ATOLL_NPY_INSTANTIATE(float)
ATOLL_NPY_INSTANTIATE(double)
#undef ATOLL_NPY_INSTANTIATE

}  // namespace atl::core
