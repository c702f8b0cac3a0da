// Small model shapes shared by the model tests: head_dim 64 like the real models, so 1/sqrt(d)
// is exact, and sizes small enough for millisecond tests.
#pragma once

#include "model/config.h"

namespace atl::model::testing {

inline ModelConfig tiny_config(std::int64_t layers = 2) {
  ModelConfig c;
  c.name = "tiny";
  c.layers = layers;
  c.hidden = 128;
  c.heads = 2;
  c.intermediate = 256;
  c.seq_len = 32;
  return c;
}

}  // namespace atl::model::testing
