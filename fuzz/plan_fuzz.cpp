// libFuzzer target for plan JSON (the hand-off file every runner reads): parse, then the plan
// reader with its validation.
#include "core/file.h"
#include "fuzz/fuzz_input.h"
#include "plan/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atl::fuzz::expect_clean([&] {
    (void)atl::plan::plan_from_json(
        atl::core::parse_json(atl::fuzz::text_of(data, size), "fuzz.json"), "fuzz.json");
  });
  return 0;
}
