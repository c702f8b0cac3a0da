// The five FPGA resources a kernel uses and a device offers: LUTs, flip-flops, DSP slices and
// on-chip memory (BRAM and URAM, in bytes). One type for the device catalogue (hw::Device), the
// cost model (what a kernel or stage uses), the estimate of a placed graph (what a node uses) and
// the mapper's budgets.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace atl::hw {

enum class Resource { lut, ff, dsp, bram, uram };
inline constexpr std::array<Resource, 5> kResources{Resource::lut, Resource::ff, Resource::dsp,
                                                    Resource::bram, Resource::uram};
const char* to_string(Resource r);  // "lut", "ff", "dsp", "bram", "uram"

struct Resources {
  std::int64_t lut = 0, ff = 0, dsp = 0;
  std::int64_t bram_bytes = 0, uram_bytes = 0;

  std::int64_t& operator[](Resource r);
  std::int64_t operator[](Resource r) const;
  Resources& operator+=(const Resources& o);
  friend bool operator==(const Resources&, const Resources&) = default;
};

// Every resource of `used` at most that of `limit`.
bool fits(const Resources& used, const Resources& limit);

// An amount with its unit for messages: counts as they are, memories in MB ("1.25 MB").
std::string format_amount(Resource r, std::int64_t amount);

}  // namespace atl::hw
