// simulate_decoder(): a decoder plan generating text: the prefill pass of the prompt, then one
// decode step per further token, each timed by cost/decode_step.h on the plan's placement and
// memory placement; energy as the encoder's (board power x boards x time). docs/simulation.md,
// "Decoders".
#pragma once

#include "plan/plan.h"
#include "sim/decode_result.h"

namespace atl::sim {

// Errors (one line each): ErrorKind::invalid_input for an encoder plan, a prompt outside
// 1..context, new_tokens < 1 or a generation past the context (prompt + new_tokens - 1 positions);
// ErrorKind::does_not_fit when a node's weights, KV cache or kernels do not fit where the plan
// placed them (cost::check_decoder_fits).
DecodeResult simulate_decoder(const plan::Plan& plan, const DecodeOptions& options);

}  // namespace atl::sim
