// libFuzzer target for placement YAML (examples/plans/*.placement.yaml): a one-layer I-BERT base
// graph placed on the six-FPGA example cluster.
#include "fuzz/fuzz_input.h"
#include "graph/arch_ibert.h"
#include "hw/cluster.h"
#include "map/placement.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const atl::graph::Graph graph =
      atl::graph::build_graph({.name = "ibert-base", .layers = 1});
  static const atl::hw::Cluster cluster = atl::hw::load_cluster(
      std::filesystem::path(ATOLL_SOURCE_DIR) / "examples/clusters/sidewinder-6.yaml",
      atl::hw::load_catalogue(atl::hw::default_catalogue_dir()));
  atl::fuzz::expect_clean([&] {
    (void)atl::map::parse_placement(atl::fuzz::text_of(data, size), "fuzz.yaml", graph, cluster);
  });
  return 0;
}
