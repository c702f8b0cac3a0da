// Decoder-only transformers (Llama, GPT-2): their shape and their float weights, as every loader
// (llama2.c checkpoints, Hugging Face safetensors, seeded synthetic) produces them and as the
// float reference and the integer model (calibrated from them) consume them.
//
// INTERFACE CONTRACT (issue 12): shared by the loaders and float reference and by the integer
// decoder. Change it only together.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atl::model {

enum class Architecture { ibert_encoder, llama_decoder, gpt2_decoder };
enum class NormKind { rmsnorm, layernorm };
enum class FfnKind { swiglu, gelu };  // Llama: w2(silu(w1 x) * w3 x); GPT-2: w2 gelu(w1 x)
enum class RopeLayout { interleaved, halves };  // llama2.c pairs (2i, 2i+1); HF Llama (i, i+d/2)

struct DecoderConfig {
  std::string name;
  Architecture architecture = Architecture::llama_decoder;
  std::int64_t dim = 0;         // model width
  std::int64_t hidden_dim = 0;  // FFN width
  std::int64_t layers = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;  // grouped-query attention: heads % kv_heads == 0
  std::int64_t vocab = 0;
  std::int64_t max_seq = 0;  // longest context (KV cache rows; GPT-2: learned positions)
  float rope_theta = 10000.0f;
  float norm_eps = 1e-5f;
  NormKind norm = NormKind::rmsnorm;
  FfnKind ffn = FfnKind::swiglu;
  RopeLayout rope = RopeLayout::interleaved;  // Llama only
  bool tied_embeddings = true;                // LM head = token embedding
  std::int64_t bos = 1;  // first token of a sequence (Llama 1-2: 1, Llama 3: 128000, GPT-2: 50256)
  std::int64_t head_dim() const { return dim / heads; }
};

// All matrices row-major [out][in]: y[o] = sum_i w[o * in + i] * x[i] (llama2.c's layout;
// GPT-2's Conv1D [in][out] is transposed by its loader). Empty vectors: absent (biases of Llama,
// norm biases of RMSNorm, position embedding of Llama, lm_head when tied).
struct DecoderLayerWeights {
  std::vector<float> attn_norm, attn_norm_bias;  // [dim]
  std::vector<float> wq, bq;                     // [heads*head_dim][dim]
  std::vector<float> wk, bk, wv, bv;             // [kv_heads*head_dim][dim]
  std::vector<float> wo, bo;                     // [dim][heads*head_dim]
  std::vector<float> ffn_norm, ffn_norm_bias;    // [dim]
  std::vector<float> w1, b1;                     // [hidden_dim][dim] (gate for SwiGLU)
  std::vector<float> w3;                         // [hidden_dim][dim] (up, SwiGLU only)
  std::vector<float> w2, b2;                     // [dim][hidden_dim] (down)
};

struct DecoderWeights {
  std::vector<float> token_embedding;     // [vocab][dim]
  std::vector<float> position_embedding;  // [max_seq][dim] (GPT-2)
  std::vector<DecoderLayerWeights> layers;
  std::vector<float> final_norm, final_norm_bias;  // [dim]
  std::vector<float> lm_head;                      // [vocab][dim], empty when tied
};

}  // namespace atl::model
