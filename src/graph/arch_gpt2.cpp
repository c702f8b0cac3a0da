#include "graph/arch_gpt2.h"

#include "graph/decoder_blocks.h"

namespace atl::graph::gpt2 {

Builder make_builder() {
  constexpr model::Architecture a = model::Architecture::gpt2_decoder;
  Builder b{.architecture = a,
            .roles = decoder::roles(StageType::decoder_layernorm, false,
                                    {StageType::w8a8_linear, StageType::decoder_gelu}),
            .groups = {},
            .default_knobs = {},
            .build = decoder::build,
            .kernel_count = decoder::kernel_count};
  b.default_knobs = decoder::default_knobs(a, b.roles);
  return b;
}

}  // namespace atl::graph::gpt2
