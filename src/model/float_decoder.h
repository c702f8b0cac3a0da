// FloatDecoder: the float32 reference of a decoder (Llama or GPT-2), one token at a time with a
// KV cache: forward(token, pos) returns the logits of the next token.
//
// Exact functions only (std::exp, std::sqrt, std::pow, std::cos, std::sin, std::tanh in float):
// no fast approximations. Every dot product accumulates in float32, in index order, as the
// llama2.c reference (run.c) does, so greedy decoding of a llama2.c checkpoint gives the tokens
// its float32 arithmetic gives (docs/decoders.md: the independent check). Formulas and their
// sources: docs/decoders.md.
#pragma once

#include <cstdint>
#include <vector>

#include "model/decoder_model.h"

namespace atl::model {

class FloatDecoder {
 public:
  // Validates the model (core::Error naming it otherwise).
  explicit FloatDecoder(DecoderModel model);

  // Feeds `token` at position `pos` and returns the vocab logits of the next token. Positions
  // 0..pos-1 must have been fed since the last reset() (pos <= positions()); feeding an earlier
  // position again overwrites the cache from there on. Throws core::Error for a token outside
  // the vocabulary or a position outside [0, positions()] or the context (max_seq).
  std::vector<float> forward(int token, int pos);

  // Forgets the cached positions (a new sequence).
  void reset() { filled_ = 0; }
  // Positions held in the KV cache.
  std::int64_t positions() const { return filled_; }

  const DecoderConfig& config() const { return model_.config; }
  const DecoderModel& model() const { return model_; }

 private:
  DecoderModel model_;
  std::int64_t filled_ = 0;
  std::vector<std::vector<float>> k_cache_, v_cache_;  // per layer [max_seq][kv_dim], grown
};

// Index of the largest logit (the first one on ties): greedy decoding.
int argmax(const std::vector<float>& logits);

}  // namespace atl::model
