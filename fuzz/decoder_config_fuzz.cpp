// libFuzzer target for decoder configs: model YAML (model/config) and Hugging Face config.json
// (model/hf_decoder); any text must parse or throw a core::Error that is not internal.
#include "fuzz/fuzz_input.h"
#include "model/config.h"
#include "model/hf_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = atl::fuzz::text_of(data, size);
  atl::fuzz::expect_clean([&] { (void)atl::model::parse_decoder_config(text, "fuzz.yaml"); });
  atl::fuzz::expect_clean([&] { (void)atl::model::parse_hf_config(text, "fuzz"); });
  return 0;
}
