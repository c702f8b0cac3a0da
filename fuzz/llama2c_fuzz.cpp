// libFuzzer target for the llama2.c checkpoint reader (model/llama2c): any bytes must decode or
// throw a core::Error that is not internal; never crash or read out of bounds.
#include "fuzz/fuzz_input.h"
#include "model/llama2c.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atl::fuzz::expect_clean([&] { (void)atl::model::parse_llama2c({data, size}, "fuzz.bin"); });
  return 0;
}
