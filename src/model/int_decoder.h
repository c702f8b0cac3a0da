// The integer decoder (Llama, GPT-2): int8 weights calibrated from float weights, int32 fixed-point
// activations, int8 linear inputs quantised per token, an int8 KV cache, every operation a
// kernels/ definition (docs/decoders.md, "Integer semantics"). Logits come back dequantised to
// float for scoring and sampling.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernels/argmax.h"
#include "kernels/decoder_attention.h"
#include "kernels/decoder_gelu.h"
#include "kernels/int8_matrix.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"
#include "kernels/thread_team.h"
#include "kernels/w8a8.h"
#include "model/decoder.h"
#include "model/decoder_model.h"

namespace atl::model {

// Activation scales of the linear inputs: one per token from its own max |x| (dynamic, the
// default), or one per tensor fixed by calibrate_static_scales (the measured alternative).
enum class ActivationScaling { per_token, per_tensor };

// Invariant: the calibrated weights, tables and constants of one model and the KV cache of the
// positions run since the last reset().
class IntDecoder {
 public:
  static constexpr int kFracBits = 16;  // F: int32 activations hold value * 2^16

  // Calibrates (quantize_decoder.h): every matrix to int8 rows with per-row scales, norm gains to
  // fixed point, the RoPE table, the i-exp constants. Throws core::Error naming the field when the
  // config is inconsistent or a weight has the wrong size.
  IntDecoder(const DecoderConfig& config, const DecoderWeights& weights);
  // The same, reading the float weights one piece at a time (decoder_model.h): the LM head, the
  // token embedding, the position embedding, each layer, the final norm; each is quantised and
  // dropped before the next is read, so at most one piece of float weights is held.
  explicit IntDecoder(const DecoderWeightReader& weights);

  const DecoderConfig& config() const { return config_; }
  ActivationScaling scaling() const { return scaling_; }
  // The next position forward() may run (positions 0..next_position()-1 are in the cache).
  std::int64_t next_position() const { return next_pos_; }

  // Runs `token` at position `pos` (pos <= next_position(): a smaller pos overwrites the cache
  // from there on) and returns the logits [vocab]. Throws core::Error for a token outside the
  // vocabulary or pos beyond max_seq or next_position().
  std::vector<float> forward(int token, int pos);
  // Runs tokens at positions next_position().. and returns the logits of the last one. The
  // linears take kPrefillRows tokens per matrix product; the results equal those of forward()
  // token by token (every scale is per row). Checks every token and the context before running.
  std::vector<float> prefill(std::span<const int> tokens);
  static constexpr std::int64_t kPrefillRows = 64;
  void reset() { next_pos_ = 0; }
  // Threads of forward() and prefill(): all of OpenMP's (omp_get_max_threads) for models of
  // kMinParallelWeightBytes of int8 weights and more, one below (waking a thread costs more than
  // such a model's work), unless set here (threads >= 1; 0 restores the default). The results
  // never depend on it.
  void set_threads(int threads) { threads_ = threads < 0 ? 0 : threads; }
  static constexpr std::int64_t kMinParallelWeightBytes = std::int64_t{4} << 20;
  // Greedy decoding on the integer logits of the last forward()/prefill() (the first largest,
  // kernels/argmax.h; 0 before any run): exact where float logits could round two values together.
  int greedy_token() const {
    return static_cast<int>(
        kernels::argmax(logits_.data(), static_cast<std::int64_t>(logits_.size())));
  }

  // Switches to per-tensor static activation scales: runs `tokens` from position 0 with
  // per-token scales, keeps the largest max |x| seen at each linear input as its fixed scale,
  // then resets the cache.
  void calibrate_static_scales(std::span<const int> tokens);

 private:
  struct Linear {
    std::int64_t out = 0, in = 0;
    std::optional<kernels::Int8Matrix> w;  // [out][in]
    std::vector<kernels::Multiplier> mul;  // [out] ~ scale / 127
    std::vector<std::int32_t> bias;        // [out] Q F, empty when absent
  };
  struct Norm {
    std::vector<std::int32_t> gain, bias;
    kernels::NormParams scalars;  // gain_bits, frac_bits, eps_q, center (no pointers)
    kernels::NormParams params() const {
      kernels::NormParams p = scalars;
      p.gain = gain.data();
      p.bias = bias.empty() ? nullptr : bias.data();
      return p;
    }
  };
  // One input quantisation feeding one or more linears.
  struct Site {
    kernels::ActScale fixed;    // per_tensor
    std::int64_t seen_max = 0;  // calibration
  };
  // Linears that read the same input are one matrix, their rows stacked (every scale is per row,
  // so the integers are those of separate products): qkv = wq; wk; wv, and w13 = w1; w3 (SwiGLU)
  // or w1 (GELU): 4 products per layer instead of 7, so fewer thread start-ups per token.
  struct Layer {
    Norm attn_norm, ffn_norm;
    Linear qkv, wo, w13, w2;
    Site attn_in, wo_in, ffn_in, w2_in;
  };
  // One part of a linear: weights [out][in], bias [out] or empty, the name for errors.
  struct Part {
    const std::vector<float>& w;
    const std::vector<float>& b;
    std::int64_t out;
    std::string what;
  };

  // The parts' rows stacked in order.
  Linear make_linear(std::initializer_list<Part> parts, std::int64_t in) const;
  Norm make_norm(const std::vector<float>& gain, const std::vector<float>& bias,
                 const std::string& what) const;
  // One thread's buffers: the normed rows, the int8 linear input and its scales (every thread
  // quantises the same rows itself: no wait), the attention's query and scratch.
  struct ThreadWork {
    std::vector<std::int32_t> xb;  // [rows][dim]
    std::vector<std::int8_t> x8;   // [rows][max(dim, hidden_dim)]
    std::vector<kernels::ActScale> scales;
    std::vector<std::int8_t> q8;        // [head_dim]
    std::vector<std::int64_t> scratch;  // [max_seq + head_dim]
  };
  using Member = kernels::TeamThread;

  // Blocks of `rows` tokens at positions pos0..pos0+rows-1, every step inside one OpenMP region
  // whose threads share the work (kernels/thread_team.h): x_ [rows][dim] holds the residual;
  // logits_row >= 0: then the LM head on that row.
  void resize_work(std::int64_t rows, int threads);
  int team_size() const;
  ThreadWork& work(const Member& me) { return thread_work_[static_cast<std::size_t>(me.index())]; }
  void run_block(const int* tokens, std::int64_t rows, std::int64_t pos0, std::int64_t logits_row);
  // The steps, called by every thread of the team. quantize: x [rows][n] -> this thread's x8 and
  // scales. linear: x8 -> y [rows][l.out] (then residual += y where given), ending with a barrier.
  void quantize(const Member& me, const std::int32_t* x, std::int64_t rows, std::int64_t n,
                Site& site);
  void linear(const Member& me, const Linear& l, std::int64_t rows, std::int32_t* y,
              std::int32_t* residual = nullptr);
  void attention(const Member& me, Layer& layer, std::int64_t l, std::int64_t rows,
                 std::int64_t pos0);
  void ffn(const Member& me, Layer& layer, std::int64_t rows);
  void head(const Member& me, std::int64_t row);  // fills logits_
  std::vector<float> float_logits() const;

  DecoderConfig config_;
  ActivationScaling scaling_ = ActivationScaling::per_token;
  bool calibrating_ = false;
  std::int64_t next_pos_ = 0;

  std::vector<std::int16_t> embedding_;  // [vocab][dim]: the lookup (the LM head is int8)
  std::vector<kernels::Multiplier> embedding_mul_;  // [vocab] ~ scale * 2^F
  std::vector<std::int16_t> positions_;             // GPT-2: [max_seq][dim]
  std::vector<kernels::Multiplier> positions_mul_;
  std::vector<Layer> layers_;
  Norm final_norm_;
  Linear head_;
  Site head_in_;
  kernels::RopePairs rope_pairs_ = kernels::RopePairs::interleaved;
  std::vector<std::int16_t> rope_cos_, rope_sin_;  // [max_seq][head_dim / 2]
  kernels::AttentionParams attention_;
  kernels::SigmoidParams sigmoid_;
  kernels::DecoderGeluParams gelu_;

  // KV cache: [layers][max_seq][kv_heads][head_dim] int8 and [layers][max_seq][kv_heads] scales.
  std::vector<std::int8_t> k_cache_, v_cache_;
  std::vector<kernels::ActScale> k_scale_, v_scale_;

  int threads_ = 0;                // set_threads
  std::int64_t weight_bytes_ = 0;  // packed int8 weights read per token

  // Work rows ([rows][width] each, grown by resize_work), shared by the team.
  std::int64_t work_rows_ = 0;
  std::vector<std::int32_t> x_, y_, qkv_, att_, h13_, h_, acc_;
  std::vector<ThreadWork> thread_work_;
  std::unique_ptr<kernels::ThreadTeam> team_;
  std::vector<std::int32_t> logits_;  // [vocab] Q F, of the last run
};

// `atoll generate`'s greedy decoding from an empty cache: prefill `prompt`, take the greedy token,
// then one forward per further token; the `new_tokens` new tokens. The reference the software
// nodes' tokens are checked against.
std::vector<std::int64_t> greedy_tokens(IntDecoder& model, std::span<const int> prompt,
                                        std::int64_t new_tokens);

}  // namespace atl::model
