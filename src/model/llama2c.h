// The llama2.c checkpoint format ("legacy" version 0 of karpathy/llama2.c, the format of
// ../shared/models/stories260K/stories260K.bin; its README gives the layout): a header of seven
// little-endian int32 `dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len`
// (a negative vocab_size: the classifier is a separate matrix at the end), then float32 arrays:
// token embedding, attention RMSNorm, wq, wk, wv, wo, FFN RMSNorm, w1, w2, w3, final RMSNorm,
// two unused RoPE tables of seq_len * head_size / 2 floats, and the classifier if separate.
//
// The reader checks the header (every field in range, dim % heads, heads % kv_heads) and that
// the file holds exactly the bytes the header announces before reading any weight: a truncated
// file or a header that disagrees with the file size is a core::Error naming the file and the
// field, never an out-of-bounds read. The model is a Llama with interleaved RoPE, RMSNorm
// eps 1e-5 and rope_theta 10000 (llama2.c's run.c) and the file's stem as its name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "model/decoder_model.h"

namespace atl::model {

inline constexpr std::size_t kLlama2cHeaderBytes = 7 * 4;

// Decodes an in-memory checkpoint; `name` names it in errors and is the model's name.
DecoderModel parse_llama2c(std::span<const std::uint8_t> bytes, const std::string& name);

// The checkpoint's weights piece by piece (decoder_model.h): the header and the file size are
// checked here, each piece is read from the file (seek and read) when asked for. The file must be
// a regular file.
DecoderWeightReader open_llama2c(const std::filesystem::path& path);

// The whole model in memory (read_all of open_llama2c).
DecoderModel load_llama2c(const std::filesystem::path& path);

// The checkpoint image of a Llama model with interleaved RoPE (tests write small checkpoints;
// the RoPE tables are written as zeros, llama2.c ignores them).
std::vector<std::uint8_t> llama2c_image(const DecoderModel& model);

}  // namespace atl::model
