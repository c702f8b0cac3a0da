#include "model/llama2c.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>

#include "core/error.h"
#include "core/file.h"
#include "model/config.h"

namespace atl::model {
namespace {

static_assert(std::endian::native == std::endian::little, "llama2.c files are little-endian");
static_assert(std::numeric_limits<float>::is_iec559, "llama2.c files hold IEEE float32");

struct Header {
  DecoderConfig config;
  std::uint64_t bytes = 0;  // the whole file, header included
};

std::int32_t read_i32(std::span<const std::uint8_t> bytes, std::size_t at) {
  std::int32_t v = 0;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

// Parses and checks the header; the byte count it implies is computed in 64 bits from fields
// already bounded by the model limits, so it cannot overflow.
Header parse_header(std::span<const std::uint8_t> bytes, const std::string& name) {
  if (bytes.size() < kLlama2cHeaderBytes) {
    throw core::Error(
        fmt::format("{}: llama2.c header of {} bytes is truncated (file has {} bytes)", name,
                    kLlama2cHeaderBytes, bytes.size()));
  }
  static const char* const fields[] = {"dim",        "hidden_dim", "n_layers", "n_heads",
                                       "n_kv_heads", "vocab_size", "seq_len"};
  std::int64_t f[7];
  for (std::size_t i = 0; i < 7; ++i) f[i] = read_i32(bytes, 4 * i);
  const bool separate_classifier = f[5] < 0;
  if (separate_classifier) f[5] = -f[5];
  const std::int64_t limits[] = {kMaxHidden, kMaxIntermediate, kMaxLayers, kMaxHidden,
                                 kMaxHidden, kMaxVocab,        kMaxContext};
  for (std::size_t i = 0; i < 7; ++i) {
    if (f[i] < 1 || f[i] > limits[i]) {
      throw core::Error(fmt::format("{}: llama2.c header field {} is {}, expected 1 to {}", name,
                                    fields[i], f[i], limits[i]));
    }
  }
  Header h;
  DecoderConfig& c = h.config;
  c.name = name;
  c.architecture = Architecture::llama_decoder;
  c.dim = f[0];
  c.hidden_dim = f[1];
  c.layers = f[2];
  c.heads = f[3];
  c.kv_heads = f[4];
  c.vocab = f[5];
  c.max_seq = f[6];
  c.norm = NormKind::rmsnorm;
  c.ffn = FfnKind::swiglu;
  c.rope = RopeLayout::interleaved;
  c.tied_embeddings = !separate_classifier;
  validate(c, fmt::format("{}: llama2.c header", name));
  const std::uint64_t d = c.dim, hd = c.hidden_dim, l = c.layers;
  const std::uint64_t kv = c.kv_heads * c.head_dim();
  std::uint64_t floats = c.vocab * d                                          // token embedding
                         + l * (2 * d + 2 * d * d + 2 * kv * d + 3 * hd * d)  // layers
                         + d                                                  // final norm
                         + c.max_seq * c.head_dim();  // two RoPE tables of seq*hs/2
  if (separate_classifier) floats += c.vocab * d;
  h.bytes = kLlama2cHeaderBytes + 4 * floats;
  return h;
}

// Throws unless the file has exactly the bytes the header announces.
void check_size(const Header& h, std::uint64_t size, const std::string& name) {
  if (size == h.bytes) return;
  const DecoderConfig& c = h.config;
  throw core::Error(fmt::format(
      "{}: llama2.c header (dim {}, hidden_dim {}, n_layers {}, n_heads {}, n_kv_heads {}, "
      "vocab_size {}{}, seq_len {}) needs a file of {} bytes, the file has {}",
      name, c.dim, c.hidden_dim, c.layers, c.heads, c.kv_heads, c.tied_embeddings ? "" : "-",
      c.vocab, c.max_seq, h.bytes, size));
}

// Copies n floats from byte offset `at` of the checkpoint to `to`.
using Fetch = std::function<void(std::uint64_t at, float* to, std::size_t n)>;

// The tensors' places in the file (the order of the header comment in llama2c.h): each per-layer
// array holds the tensor of every layer in turn.
DecoderWeightReader reader(const Header& h, Fetch fetch, const std::string& name) {
  const DecoderConfig& c = h.config;
  const std::int64_t d = c.dim, hd = c.hidden_dim, kv = c.kv_heads * c.head_dim();
  using F = std::vector<float> DecoderLayerWeights::*;
  struct Array {
    F field;
    std::int64_t floats;  // per layer
    std::uint64_t at = 0;
  };
  std::vector<Array> arrays = {
      {&DecoderLayerWeights::attn_norm, d}, {&DecoderLayerWeights::wq, d * d},
      {&DecoderLayerWeights::wk, kv * d},   {&DecoderLayerWeights::wv, kv * d},
      {&DecoderLayerWeights::wo, d * d},    {&DecoderLayerWeights::ffn_norm, d},
      {&DecoderLayerWeights::w1, hd * d},   {&DecoderLayerWeights::w2, d * hd},
      {&DecoderLayerWeights::w3, hd * d}};
  const std::uint64_t embedding = kLlama2cHeaderBytes;
  std::uint64_t at = embedding + 4 * static_cast<std::uint64_t>(c.vocab * d);
  for (Array& a : arrays) {
    a.at = at;
    at += 4 * static_cast<std::uint64_t>(a.floats * c.layers);
  }
  const std::uint64_t final_norm = at;
  const std::uint64_t lm_head =
      final_norm + 4 * static_cast<std::uint64_t>(d + c.max_seq * c.head_dim());  // RoPE tables
  auto read = [fetch](std::uint64_t from, std::int64_t n) {
    std::vector<float> v(static_cast<std::size_t>(n));
    fetch(from, v.data(), v.size());
    return v;
  };
  DecoderWeightReader r;
  r.config = c;
  r.part = [c, read, embedding, final_norm, lm_head, name](WeightPart part) {
    std::vector<float> v;
    if (part == WeightPart::token_embedding) v = read(embedding, c.vocab * c.dim);
    if (part == WeightPart::final_norm) v = read(final_norm, c.dim);
    if (part == WeightPart::lm_head && !c.tied_embeddings) v = read(lm_head, c.vocab * c.dim);
    validate_part(c, part, v, name);
    return v;
  };
  r.layer = [c, read, arrays, name](std::int64_t i) {
    DecoderLayerWeights l;
    for (const Array& a : arrays) {
      l.*a.field = read(a.at + 4 * static_cast<std::uint64_t>(i * a.floats), a.floats);
    }
    validate_layer(c, i, l, name);
    return l;
  };
  return r;
}

}  // namespace

DecoderModel parse_llama2c(std::span<const std::uint8_t> bytes, const std::string& name) {
  const Header h = parse_header(bytes, name);
  check_size(h, bytes.size(), name);
  return read_all(reader(
      h,
      [bytes](std::uint64_t at, float* to, std::size_t n) {
        if (n > 0) std::memcpy(to, bytes.data() + at, n * sizeof(float));
      },
      name));
}

DecoderWeightReader open_llama2c(const std::filesystem::path& path) {
  const std::string name = path.string();
  auto in = std::make_shared<std::ifstream>(core::open_input_file(path, "llama2.c checkpoint"));
  std::vector<std::uint8_t> head(kLlama2cHeaderBytes);
  in->read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in->gcount()));
  const Header h = parse_header(head, name);
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    throw core::Error(fmt::format(
        "{}: a llama2.c checkpoint must be a regular file (its size is checked first)", name));
  }
  check_size(h, size, name);
  DecoderWeightReader r = reader(
      h,
      [in, name](std::uint64_t at, float* to, std::size_t n) {
        in->seekg(static_cast<std::streamoff>(at));
        in->read(reinterpret_cast<char*>(to), static_cast<std::streamsize>(n * sizeof(float)));
        if (!*in) {
          throw core::Error(core::ErrorKind::io,
                            fmt::format("{}: read of {} bytes at offset {} failed (the file "
                                        "changed since its size was checked?)",
                                        name, n * sizeof(float), at));
        }
      },
      name);
  r.config.name = path.stem().string();
  return r;
}

DecoderModel load_llama2c(const std::filesystem::path& path) {
  return read_all(open_llama2c(path));
}

std::vector<std::uint8_t> llama2c_image(const DecoderModel& m) {
  const DecoderConfig& c = m.config;
  if (c.architecture != Architecture::llama_decoder || c.rope != RopeLayout::interleaved) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("model '{}': llama2.c checkpoints hold Llama models with "
                                  "interleaved RoPE only",
                                  c.name));
  }
  validate(m, c.name);
  std::vector<std::uint8_t> out;
  auto put = [&](const void* p, std::size_t n) {
    const std::size_t at = out.size();
    out.resize(at + n);
    if (n > 0) std::memcpy(out.data() + at, p, n);
  };
  const std::int32_t header[] = {static_cast<std::int32_t>(c.dim),
                                 static_cast<std::int32_t>(c.hidden_dim),
                                 static_cast<std::int32_t>(c.layers),
                                 static_cast<std::int32_t>(c.heads),
                                 static_cast<std::int32_t>(c.kv_heads),
                                 static_cast<std::int32_t>(c.tied_embeddings ? c.vocab : -c.vocab),
                                 static_cast<std::int32_t>(c.max_seq)};
  put(header, sizeof header);
  auto put_floats = [&](const std::vector<float>& v) { put(v.data(), v.size() * sizeof(float)); };
  put_floats(m.weights.token_embedding);
  for (auto field :
       {&DecoderLayerWeights::attn_norm, &DecoderLayerWeights::wq, &DecoderLayerWeights::wk,
        &DecoderLayerWeights::wv, &DecoderLayerWeights::wo, &DecoderLayerWeights::ffn_norm,
        &DecoderLayerWeights::w1, &DecoderLayerWeights::w2, &DecoderLayerWeights::w3}) {
    for (const DecoderLayerWeights& l : m.weights.layers) put_floats(l.*field);
  }
  put_floats(m.weights.final_norm);
  put_floats(std::vector<float>(static_cast<std::size_t>(c.max_seq * c.head_dim()), 0.0f));
  put_floats(m.weights.lm_head);
  return out;
}

}  // namespace atl::model
