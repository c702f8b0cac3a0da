#include "model/hf_decoder.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/file.h"
#include "core/npy.h"
#include "decoder_files.h"
#include "model/float_decoder.h"
#include "model/synthetic_decoder.h"

namespace atl::model {
namespace {

using testing::scratch;

core::Tensor<float> tensor(core::Shape shape, std::vector<float> v) {
  return core::Tensor<float>(std::move(shape), std::move(v));
}

// [rows][cols] -> [cols][rows], written independently of the loader's.
std::vector<float> transposed(const std::vector<float>& w, std::int64_t rows, std::int64_t cols) {
  std::vector<float> t(w.size());
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) t[c * rows + r] = w[r * cols + c];
  }
  return t;
}

// LlamaForCausalLM tensors of a halves-layout model.
NamedTensors llama_tensors(const DecoderModel& m) {
  const DecoderConfig& c = m.config;
  const std::int64_t d = c.dim, h = c.hidden_dim, kv = c.kv_heads * c.head_dim();
  NamedTensors t;
  t.emplace("model.embed_tokens.weight", tensor({c.vocab, d}, m.weights.token_embedding));
  for (std::size_t i = 0; i < m.weights.layers.size(); ++i) {
    const DecoderLayerWeights& l = m.weights.layers[i];
    const std::string p = fmt::format("model.layers.{}.", i);
    t.emplace(p + "input_layernorm.weight", tensor({d}, l.attn_norm));
    t.emplace(p + "self_attn.q_proj.weight", tensor({d, d}, l.wq));
    t.emplace(p + "self_attn.k_proj.weight", tensor({kv, d}, l.wk));
    t.emplace(p + "self_attn.v_proj.weight", tensor({kv, d}, l.wv));
    t.emplace(p + "self_attn.o_proj.weight", tensor({d, d}, l.wo));
    t.emplace(p + "post_attention_layernorm.weight", tensor({d}, l.ffn_norm));
    t.emplace(p + "mlp.gate_proj.weight", tensor({h, d}, l.w1));
    t.emplace(p + "mlp.up_proj.weight", tensor({h, d}, l.w3));
    t.emplace(p + "mlp.down_proj.weight", tensor({d, h}, l.w2));
    t.emplace(p + "self_attn.rotary_emb.inv_freq", tensor({2}, {1.0f, 0.5f}));  // skipped
  }
  t.emplace("model.norm.weight", tensor({d}, m.weights.final_norm));
  if (!c.tied_embeddings) t.emplace("lm_head.weight", tensor({c.vocab, d}, m.weights.lm_head));
  return t;
}

// GPT2LMHeadModel tensors (Conv1D [in][out], fused c_attn).
NamedTensors gpt2_tensors(const DecoderModel& m) {
  const DecoderConfig& c = m.config;
  const std::int64_t d = c.dim, h = c.hidden_dim;
  NamedTensors t;
  t.emplace("wte.weight", tensor({c.vocab, d}, m.weights.token_embedding));
  t.emplace("wpe.weight", tensor({c.max_seq, d}, m.weights.position_embedding));
  for (std::size_t i = 0; i < m.weights.layers.size(); ++i) {
    const DecoderLayerWeights& l = m.weights.layers[i];
    const std::string p = fmt::format("h.{}.", i);
    std::vector<float> qkv(static_cast<std::size_t>(3 * d * d)), qkv_bias;
    for (std::int64_t in = 0; in < d; ++in) {
      for (std::int64_t o = 0; o < d; ++o) {
        qkv[in * 3 * d + o] = l.wq[o * d + in];
        qkv[in * 3 * d + d + o] = l.wk[o * d + in];
        qkv[in * 3 * d + 2 * d + o] = l.wv[o * d + in];
      }
    }
    for (const auto* b : {&l.bq, &l.bk, &l.bv})
      qkv_bias.insert(qkv_bias.end(), b->begin(), b->end());
    t.emplace(p + "ln_1.weight", tensor({d}, l.attn_norm));
    t.emplace(p + "ln_1.bias", tensor({d}, l.attn_norm_bias));
    t.emplace(p + "attn.c_attn.weight", tensor({d, 3 * d}, qkv));
    t.emplace(p + "attn.c_attn.bias", tensor({3 * d}, qkv_bias));
    t.emplace(p + "attn.c_proj.weight", tensor({d, d}, transposed(l.wo, d, d)));
    t.emplace(p + "attn.c_proj.bias", tensor({d}, l.bo));
    t.emplace(p + "ln_2.weight", tensor({d}, l.ffn_norm));
    t.emplace(p + "ln_2.bias", tensor({d}, l.ffn_norm_bias));
    t.emplace(p + "mlp.c_fc.weight", tensor({d, h}, transposed(l.w1, h, d)));
    t.emplace(p + "mlp.c_fc.bias", tensor({h}, l.b1));
    t.emplace(p + "mlp.c_proj.weight", tensor({h, d}, transposed(l.w2, d, h)));
    t.emplace(p + "mlp.c_proj.bias", tensor({d}, l.b2));
    t.emplace(p + "attn.bias", tensor({1, 1, 2, 2}, {1, 0, 1, 1}));  // the mask buffer: skipped
  }
  t.emplace("ln_f.weight", tensor({d}, m.weights.final_norm));
  t.emplace("ln_f.bias", tensor({d}, m.weights.final_norm_bias));
  return t;
}

const char* kLlamaConfig = R"({"model_type": "llama", "hidden_size": 16, "intermediate_size": 24,
  "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 32,
  "max_position_embeddings": 8, "bos_token_id": 1, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
  "tie_word_embeddings": false, "hidden_act": "silu", "rope_scaling": null})";
const char* kGpt2Config = R"({"model_type": "gpt2", "n_embd": 16, "n_inner": 24, "n_layer": 2,
  "n_head": 4, "vocab_size": 32, "n_positions": 8, "bos_token_id": 1, "layer_norm_epsilon": 1e-05,
  "activation_function": "gelu_new"})";

// A checkpoint directory: config.json and the tensors split over two shards.
std::filesystem::path write_checkpoint(const std::string& name, const char* config,
                                       const NamedTensors& tensors, SafetensorsDType dtype) {
  const auto dir = scratch(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  core::write_text_file(dir / "config.json", config);
  NamedTensors shard[2];
  int i = 0;
  for (const auto& [n, t] : tensors) shard[i++ % 2].emplace(n, t);
  testing::write_bytes(dir / "model-00001-of-00002.safetensors",
                       safetensors_image(shard[0], dtype));
  testing::write_bytes(dir / "model-00002-of-00002.safetensors",
                       safetensors_image(shard[1], dtype));
  return dir;
}

std::string error_of(const std::string& config, NamedTensors tensors) {
  try {
    hf_decoder(parse_hf_config(config, "ckpt"), std::move(tensors), "ckpt");
  } catch (const core::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(HfDecoder, LlamaKeepsTheHalvesLayoutAndComputesTheSameModel) {
  DecoderConfig c = testing::tiny_llama();
  c.tied_embeddings = false;
  const DecoderModel meta = synthetic_decoder(c, 11);  // interleaved, as llama2.c / Meta
  DecoderModel hf = meta;
  to_halves_rope(hf);  // what convert_llama_weights_to_hf.py does
  EXPECT_NE(hf.weights.layers[0].wq, meta.weights.layers[0].wq);
  const auto dir =
      write_checkpoint("llama", kLlamaConfig, llama_tensors(hf), SafetensorsDType::f32);
  DecoderModel loaded = load_hf_decoder(dir);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(loaded.config.name, "atoll_decoder_test_llama");
  EXPECT_EQ(loaded.config.rope, RopeLayout::halves);
  EXPECT_EQ(loaded.config.kv_heads, 2);
  EXPECT_EQ(loaded.weights.layers[1].wk, hf.weights.layers[1].wk);
  EXPECT_EQ(loaded.weights.lm_head, meta.weights.lm_head);
  // Halves RoPE on the permuted weights is interleaved RoPE on the original ones: the same
  // logits up to float rounding (the q.k sums run in another order).
  FloatDecoder a(meta), b(loaded);
  for (int pos = 0; pos < 8; ++pos) {
    const std::vector<float> la = a.forward(3 + pos, pos), lb = b.forward(3 + pos, pos);
    for (std::size_t i = 0; i < la.size(); ++i) ASSERT_NEAR(la[i], lb[i], 1e-5f) << pos << " " << i;
  }
  to_interleaved_rope(loaded);  // and the permutation is undone exactly
  EXPECT_EQ(loaded.config.rope, RopeLayout::interleaved);
  EXPECT_EQ(loaded.weights.layers[0].wq, meta.weights.layers[0].wq);
  EXPECT_EQ(loaded.weights.layers[1].wk, meta.weights.layers[1].wk);
}

TEST(HfDecoder, Gpt2TransposesConv1DAndSplitsCAttn) {
  const DecoderModel m = synthetic_decoder(testing::tiny_gpt2(), 5);
  for (SafetensorsDType dtype : {SafetensorsDType::f32, SafetensorsDType::bf16}) {
    const auto dir = write_checkpoint("gpt2", kGpt2Config, gpt2_tensors(m), dtype);
    const DecoderModel loaded = load_hf_decoder(dir);
    std::filesystem::remove_all(dir);
    EXPECT_EQ(loaded.config.architecture, Architecture::gpt2_decoder);
    EXPECT_TRUE(loaded.config.tied_embeddings);
    const DecoderLayerWeights& l = loaded.weights.layers[1];
    const DecoderLayerWeights& want = m.weights.layers[1];
    if (dtype == SafetensorsDType::f32) {
      EXPECT_EQ(l.wq, want.wq);
      EXPECT_EQ(l.wk, want.wk);
      EXPECT_EQ(l.bv, want.bv);
      EXPECT_EQ(l.wo, want.wo);
      EXPECT_EQ(l.w1, want.w1);
      EXPECT_EQ(l.w2, want.w2);
      EXPECT_EQ(loaded.weights.position_embedding, m.weights.position_embedding);
    } else {
      EXPECT_EQ(l.wv[17], bfloat16_to_float(float_to_bfloat16(want.wv[17])));
      EXPECT_EQ(l.w2[100], bfloat16_to_float(float_to_bfloat16(want.w2[100])));
    }
  }
}

// open_hf_decoder checks every tensor's name and shape from the headers alone, then reads each
// piece from its shard when asked for (the integer model's calibration holds one layer).
TEST(HfDecoder, ReaderChecksHeadersFirstAndReadsEachPiece) {
  const DecoderModel m = synthetic_decoder(testing::tiny_gpt2(), 5);
  NamedTensors t = gpt2_tensors(m);
  t.emplace("h.0.attn.extra", tensor({1}, {0.0f}));
  auto dir = write_checkpoint("reader", kGpt2Config, t, SafetensorsDType::f32);
  try {
    open_hf_decoder(dir);
    ADD_FAILURE() << "no error";
  } catch (const core::Error& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": unknown tensor 'h.0.attn.extra'");
  }
  dir = write_checkpoint("reader", kGpt2Config, gpt2_tensors(m), SafetensorsDType::f32);
  const DecoderWeightReader r = open_hf_decoder(dir);
  EXPECT_EQ(r.layer(1).wk, m.weights.layers[1].wk);
  EXPECT_EQ(r.part(WeightPart::position_embedding), m.weights.position_embedding);
  EXPECT_EQ(r.layer(0).w2, m.weights.layers[0].w2);
  // A shard that changes after the headers were read: the read fails with one line.
  std::filesystem::resize_file(dir / "model-00002-of-00002.safetensors", 100);
  std::filesystem::resize_file(dir / "model-00001-of-00002.safetensors", 100);
  EXPECT_THROW(r.layer(1), core::Error);
  std::filesystem::remove_all(dir);
}

TEST(HfDecoder, RejectsMissingUnknownAndMisshapenTensors) {
  const DecoderModel m = synthetic_decoder(testing::tiny_gpt2(), 5);
  NamedTensors t = gpt2_tensors(m);
  t.erase("h.1.mlp.c_fc.bias");
  EXPECT_EQ(error_of(kGpt2Config, t), "ckpt: missing tensor 'h.1.mlp.c_fc.bias' (shape [24])");
  t = gpt2_tensors(m);
  t.emplace("h.0.attn.extra", tensor({1}, {0.0f}));
  EXPECT_EQ(error_of(kGpt2Config, t), "ckpt: unknown tensor 'h.0.attn.extra'");
  t = gpt2_tensors(m);
  t.at("h.0.attn.c_attn.weight") = tensor({48, 16}, std::vector<float>(768));
  EXPECT_EQ(error_of(kGpt2Config, t),
            "ckpt: tensor 'h.0.attn.c_attn.weight' has shape [48, 16], expected [16, 48]");
  t = gpt2_tensors(m);
  t.emplace("lm_head.weight", tensor({32, 16}, std::vector<float>(512, 1.0f)));
  EXPECT_EQ(error_of(kGpt2Config, t),
            "ckpt: tensor 'lm_head.weight' differs from the token embedding, but the embeddings "
            "are tied");
}

TEST(HfDecoder, RejectsBadConfigs) {
  auto error = [](const std::string& text) {
    try {
      parse_hf_config(text, "ckpt");
    } catch (const core::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string llama = kLlamaConfig;
  EXPECT_EQ(error(R"({"model_type": "mistral"})"),
            "ckpt/config.json.model_type: 'mistral' is not supported (expected llama or gpt2)");
  EXPECT_EQ(error(std::string(llama).replace(llama.find("\"num_key_value_heads\": 2"), 24,
                                             "\"num_key_value_heads\": 3")),
            "ckpt/config.json: heads (4) must be a multiple of kv_heads (3)");
  EXPECT_EQ(error(std::string(llama).replace(llama.find("\"rope_scaling\": null"), 20,
                                             "\"rope_scaling\": {}")),
            "ckpt/config.json.rope_scaling: RoPE scaling is not supported (expected null)");
  EXPECT_EQ(error(std::string(llama).replace(llama.find("\"vocab_size\": 32"), 16,
                                             "\"vocab_size\": -32")),
            "ckpt/config.json.vocab_size: expected an integer in [1, 1048576], got -32");
  EXPECT_EQ(error(R"({"model_type": "gpt2", "n_embd": 16})"),
            "ckpt/config.json.n_layer: missing field");
}

// Small random GPT-2 and Llama checkpoints in the Hugging Face layouts with the logits of an
// independent full-sequence PyTorch forward (tests/model/data/torch_hf/make_reference.py follows
// the transformers modeling code: Conv1D x @ W + b, tanh GELU; rotate_half RoPE, repeat_kv,
// SwiGLU). The float reference, one token at a time with its KV cache, gives the same logits up
// to float32 rounding (other summation orders) and the same argmax at every position.
TEST(HfDecoder, MatchesAnIndependentPyTorchForward) {
  const std::filesystem::path data =
      std::filesystem::path(ATOLL_SOURCE_DIR) / "tests/model/data/torch_hf";
  const std::vector<int> seq = {1, 7, 30, 2, 45, 11, 19, 3, 40, 22, 8, 33};
  for (const char* name : {"gpt2", "llama"}) {
    FloatDecoder decoder(load_hf_decoder(data / name));
    const core::Tensor<double> want = core::read_npy<double>(data / name / "logits.npy");
    ASSERT_EQ(want.shape(), (core::Shape{12, 48}));
    double worst = 0;
    for (int pos = 0; pos < 12; ++pos) {
      const std::vector<float> got = decoder.forward(seq[static_cast<std::size_t>(pos)], pos);
      std::vector<float> row(want.row(pos).begin(), want.row(pos).end());
      EXPECT_EQ(argmax(got), argmax(row)) << name << " position " << pos;
      for (std::size_t i = 0; i < got.size(); ++i) {
        worst = std::max(worst, std::abs(got[i] - want(pos, static_cast<std::int64_t>(i))));
      }
    }
    EXPECT_LT(worst, 1e-5) << name;
  }
}

}  // namespace
}  // namespace atl::model
