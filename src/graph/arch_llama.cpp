#include "graph/arch_llama.h"

#include "graph/decoder_blocks.h"

namespace atl::graph::llama {

Builder make_builder() {
  constexpr model::Architecture a = model::Architecture::llama_decoder;
  Builder b{.architecture = a,
            .roles = decoder::roles(StageType::rmsnorm, true,
                                    {StageType::w8a8_linear, StageType::swiglu}),
            .groups = {},
            .default_knobs = {},
            .build = decoder::build,
            .kernel_count = decoder::kernel_count};
  b.default_knobs = decoder::default_knobs(a, b.roles);
  return b;
}

}  // namespace atl::graph::llama
