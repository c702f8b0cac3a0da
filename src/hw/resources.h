// The FPGA resources a kernel uses and a device offers: LUTs, flip-flops, DSP slices, on-chip
// memory (BRAM and URAM, in bytes) and, on Versal AI Core parts, AI Engine tiles and the PL-to-AIE
// and AIE-to-PL streams (PLIO) that feed them (hw/aie.h gives a device's usable share). One type
// for the device catalogue (hw::Device), the cost model (what a kernel or stage uses), the estimate
// of a placed graph (what a node uses) and the mapper's budgets.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace atl::hw {

enum class Resource { lut, ff, dsp, bram, uram, aie, plio_in, plio_out };
inline constexpr std::array<Resource, 8> kResources{
    Resource::lut,  Resource::ff,  Resource::dsp,     Resource::bram,
    Resource::uram, Resource::aie, Resource::plio_in, Resource::plio_out};
// "lut", "ff", "dsp", "bram", "uram", "aie", "plio_in", "plio_out"
const char* to_string(Resource r);

struct Resources {
  std::int64_t lut = 0, ff = 0, dsp = 0;
  std::int64_t bram_bytes = 0, uram_bytes = 0;
  std::int64_t aie_tiles = 0, plio_in = 0, plio_out = 0;  // 0 on boards without AI Engines

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
