// DecoderModel: a decoder's shape and its float weights together, as every loader returns them
// (llama2.c checkpoints, Hugging Face safetensors, seeded synthetic weights), and the checks that
// the two agree.
#pragma once

#include <string>

#include "model/decoder.h"

namespace atl::model {

struct DecoderModel {
  DecoderConfig config;
  DecoderWeights weights;
};

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
