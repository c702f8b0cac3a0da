// Hugging Face checkpoints of Llama and GPT-2: a directory holding config.json and one or more
// *.safetensors files (a sharded checkpoint's shards are all read; the index file is not needed).
//
// config.json gives the shape (Llama: hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads, vocab_size, max_position_embeddings, rms_norm_eps,
// rope_theta, tie_word_embeddings; GPT-2: n_embd, n_inner, n_layer, n_head, vocab_size,
// n_positions, layer_norm_epsilon). Tensors are mapped onto DecoderWeights:
// - Llama (LlamaForCausalLM names, model.layers.N.self_attn.q_proj.weight, ...) keep their
//   [out][in] layout. Hugging Face's conversion script permuted the rows of q_proj and k_proj so
//   that RoPE rotates the pairs (i, i + head_size/2) ("rotate_half") instead of Meta's
//   interleaved (2i, 2i+1): the loaded model says RopeLayout::halves and the float reference
//   rotates those pairs, which is exactly what Hugging Face computes. to_interleaved_rope()
//   undoes the permutation for code that only rotates interleaved pairs.
// - GPT-2 (h.N.attn.c_attn.weight, ..., with or without a "transformer." prefix) stores Conv1D
//   weights [in][out]: they are transposed, and the fused c_attn [dim][3 dim] is split into q, k
//   and v.
// Every expected tensor must be present with its shape; an unknown tensor name is an error (the
// attention-mask and rotary buffers some exports carry are known and skipped). Errors name the
// file and the tensor or field.
#pragma once

#include <filesystem>

#include "model/decoder_model.h"
#include "model/safetensors.h"

namespace atl::model {

DecoderModel load_hf_decoder(const std::filesystem::path& dir);  // read_all(open_hf_decoder)
// The same handed out piece by piece (decoder_model.h): config.json and the safetensors headers
// are read and every tensor's presence and shape checked here; each piece's tensors are read
// from their files (seek and read) when asked for.
DecoderWeightReader open_hf_decoder(const std::filesystem::path& dir);

// The same from config.json's text and the tensors (`where` names the directory in errors).
DecoderConfig parse_hf_config(const std::string& json_text, const std::string& where);
DecoderModel hf_decoder(const DecoderConfig& config, NamedTensors tensors,
                        const std::string& where);

// Rows of each head of wq and wk (and bq, bk) reordered from the halves layout to the
// interleaved one (element 2i <- i, 2i+1 <- i + head_size/2); the model then says
// RopeLayout::interleaved and computes the same function. A no-op for an interleaved model.
void to_interleaved_rope(DecoderModel& model);
// The inverse: what Hugging Face's convert_llama_weights_to_hf.py does to Meta's weights.
void to_halves_rope(DecoderModel& model);

}  // namespace atl::model
