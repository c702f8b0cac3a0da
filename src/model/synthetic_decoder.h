// Seeded synthetic decoder weights for any DecoderConfig (the decoder counterpart of
// model/synthetic.h), so every example model can be run without a checkpoint.
//
// Scales (docs/decoders.md): linears W ~ N(0, 1/in), the output projections of both blocks (wo,
// w2) further divided by sqrt(2 * layers) as in GPT-2's initialisation, so the residual stream
// grows slowly with depth; token embedding and LM head N(0, 1/dim), so logits have unit spread;
// GPT-2 position embedding N(0, 0.01^2); norm gains 1 + N(0, 0.05^2); biases N(0, 0.02^2).
// Values are drawn in a fixed order from core::Rng, identical on every platform.
#pragma once

#include <cstdint>

#include "model/decoder_model.h"

namespace atl::model {

// Float32 weights the synthetic generator (and any loader) allocates for `config`.
std::int64_t parameter_count(const DecoderConfig& config);

// The largest synthetic model: 2^31 floats (8 GiB of float32; TinyLlama-1.1B is 1.1e9, Llama-2-7B
// 6.7e9 does not fit).
inline constexpr std::int64_t kMaxSyntheticParameters = std::int64_t{1} << 31;

// Throws core::Error (ErrorKind::does_not_fit) when parameter_count(config) is above
// kMaxSyntheticParameters.
DecoderModel synthetic_decoder(const DecoderConfig& config, std::uint64_t seed);

// The same weights piece by piece (decoder_model.h), each generated when asked for: the
// generator is positioned at the piece's first draw, so a layer costs only its own draws.
// The same limit applies.
DecoderWeightReader synthetic_reader(const DecoderConfig& config, std::uint64_t seed);

}  // namespace atl::model
