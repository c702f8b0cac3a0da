// DecoderModel: a decoder's shape and its float weights together, as every loader returns them
// (llama2.c checkpoints, Hugging Face safetensors, seeded synthetic weights), and the checks that
// the two agree.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/decoder.h"

namespace atl::model {

struct DecoderModel {
  DecoderConfig config;
  DecoderWeights weights;
};

// The tensors of DecoderWeights outside the layers.
enum class WeightPart { token_embedding, position_embedding, final_norm, final_norm_bias, lm_head };

// Values of `part` the config needs (0: the part is absent).
std::int64_t part_size(const DecoderConfig& config, WeightPart part);

// A decoder's float weights handed out one piece at a time, so that a consumer that converts as
// it goes (the integer model's calibration) holds the float weights of one layer, never of the
// whole model. Each call reads (or generates) its piece (an absent optional part is an empty
// vector) and keeps nothing of it; pieces may be asked for in any order and more than once.
// Loaders: open_llama2c and open_hf_decoder (which check each piece read, sizes and finite
// values, as validate() does), synthetic_reader; weight_reader for weights already in memory.
struct DecoderWeightReader {
  DecoderConfig config;
  std::function<std::vector<float>(WeightPart)> part;
  std::function<DecoderLayerWeights(std::int64_t layer)> layer;
};

// Hands out copies of `weights` (which must outlive the reader) as they are: unlike the loaders'
// readers it checks only the number of layers (core::Error naming `where`); the consumer checks
// the sizes (validate() checks everything).
DecoderWeightReader weight_reader(const DecoderConfig& config, const DecoderWeights& weights,
                                  const std::string& where);
// Every piece of `reader` in memory (the float reference needs them all).
DecoderModel read_all(const DecoderWeightReader& reader);

// The checks of validate() for one piece: its tensors have the sizes the config gives and finite
// values; errors name `where` and the tensor (layers.N.wq, lm_head, ...).
void validate_part(const DecoderConfig& config, WeightPart part, const std::vector<float>& values,
                   const std::string& where);
void validate_layer(const DecoderConfig& config, std::int64_t layer,
                    const DecoderLayerWeights& weights, const std::string& where);

// Throws core::Error (naming `where` and the tensor) unless every weight has the size the config
// gives it, the optional ones (biases, position embedding, LM head, FFN up projection) are
// present exactly when the config needs them, and every value is finite.
void validate(const DecoderModel& model, const std::string& where);

// Throws core::Error naming `where` and the first field that differs unless the config of the
// weights (from a checkpoint header or config.json) equals the model YAML in every field but the
// name: the YAML says which model the user meant, the file which one they gave.
void check_same_shape(const DecoderConfig& yaml, const DecoderConfig& file,
                      const std::string& where);

}  // namespace atl::model
