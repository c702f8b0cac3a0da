// libFuzzer target for Cluster Builder config.json imports (tests/graph/data/).
#include "core/file.h"
#include "fuzz/fuzz_input.h"
#include "graph/cluster_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atl::fuzz::expect_clean([&] {
    (void)atl::graph::cluster_builder_config_from_json(
        atl::core::parse_json(atl::fuzz::text_of(data, size), "fuzz.json"), "fuzz.json");
  });
  return 0;
}
