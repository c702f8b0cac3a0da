// Helpers of the decoder tests: the stories260K checkpoint in ../shared and scratch files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/decoder.h"

namespace atl::model::testing {

inline std::filesystem::path stories260k() {
  return std::filesystem::path(ATOLL_SOURCE_DIR) / "../shared/models/stories260K/stories260K.bin";
}

inline std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("atoll_decoder_test_" + name);
}

inline void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// A small Llama (GQA 4/2 heads, head size 4) for format tests.
inline DecoderConfig tiny_llama() {
  DecoderConfig c;
  c.name = "tiny";
  c.architecture = Architecture::llama_decoder;
  c.dim = 16;
  c.hidden_dim = 24;
  c.layers = 2;
  c.heads = 4;
  c.kv_heads = 2;
  c.vocab = 32;
  c.max_seq = 8;
  c.tied_embeddings = true;
  return c;
}

// A small GPT-2 (layernorm, GELU, learned positions, tied embeddings).
inline DecoderConfig tiny_gpt2() {
  DecoderConfig c = tiny_llama();
  c.architecture = Architecture::gpt2_decoder;
  c.kv_heads = c.heads;
  c.norm = NormKind::layernorm;
  c.ffn = FfnKind::gelu;
  return c;
}

// A small decoder of `c`'s architecture for seeded synthetic weights: 128 wide, 4 heads (Llama: 2
// K/V heads), FFN 512, vocabulary 256, 64 positions.
inline DecoderConfig small(DecoderConfig c) {
  c.dim = 128;
  c.hidden_dim = 512;
  c.heads = 4;
  c.kv_heads = c.architecture == Architecture::gpt2_decoder ? 4 : 2;
  c.vocab = 256;
  c.max_seq = 64;
  return c;
}

}  // namespace atl::model::testing
