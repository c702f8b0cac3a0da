// libFuzzer target for model YAML (examples/models/*.yaml).
#include "fuzz/fuzz_input.h"
#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atl::fuzz::expect_clean(
      [&] { (void)atl::model::parse_model_config(atl::fuzz::text_of(data, size), "fuzz.yaml"); });
  return 0;
}
