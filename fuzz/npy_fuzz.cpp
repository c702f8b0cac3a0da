// libFuzzer target for the NPY reader: any byte string must either decode or throw core::Error;
// never crash, hang or read out of bounds (built with AddressSanitizer by `make fuzz`).
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "core/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    (void)atl::core::parse_npy<std::int8_t>(bytes, "fuzz.npy");
  } catch (const atl::core::Error&) {
  }
  try {
    (void)atl::core::parse_npy<std::int64_t>(bytes, "fuzz.npy");
  } catch (const atl::core::Error&) {
  }
  try {
    (void)atl::core::parse_npy<double>(bytes, "fuzz.npy");
  } catch (const atl::core::Error&) {
  }
  return 0;
}
