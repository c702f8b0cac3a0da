// libFuzzer target for cluster YAML (examples/clusters/*.yaml), against the shipped catalogue.
#include "fuzz/fuzz_input.h"
#include "hw/cluster.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const atl::hw::Catalogue catalogue =
      atl::hw::load_catalogue(atl::hw::default_catalogue_dir());
  static const atl::hw::NetworkDefaults defaults =
      atl::hw::load_network_defaults(atl::hw::default_data_dir() / "network.yaml");
  atl::fuzz::expect_clean([&] {
    (void)atl::hw::parse_cluster(atl::fuzz::text_of(data, size), "fuzz.yaml", catalogue, defaults);
  });
  return 0;
}
