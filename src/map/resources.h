// The five FPGA resources the mapper budgets, and the per-FPGA caps that keep a design routable
// (a device filled to 100% does not close timing; the defaults follow common Vivado practice of
// leaving 20-30% headroom, 70% LUT/FF because logic congestion bites first).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cost/cost.h"
#include "hw/device.h"

namespace atl::map {

enum class Resource { lut, ff, dsp, bram, uram };
inline constexpr std::array<Resource, 5> kResources{Resource::lut, Resource::ff, Resource::dsp,
                                                    Resource::bram, Resource::uram};
const char* to_string(Resource r);

struct Resources {
  std::array<std::int64_t, 5> amount{};  // indexed by Resource; memories in bytes
  std::int64_t& operator[](Resource r) { return amount[static_cast<int>(r)]; }
  std::int64_t operator[](Resource r) const { return amount[static_cast<int>(r)]; }
  Resources& operator+=(const Resources& o);
  friend bool operator==(const Resources&, const Resources&) = default;
};

// Fraction of each device resource a mapping may use.
struct Caps {
  double lut = 0.7, ff = 0.7, dsp = 0.8, bram = 0.8, uram = 0.8;
  double operator[](Resource r) const;
};

// "lut=0.7,dsp=0.8,..." (any subset, values in (0, 1]); errors name the bad entry.
Caps parse_caps(const std::string& text);

Resources resources_of(const cost::KernelCost& cost);
Resources device_resources(const hw::Device& device);
// What a mapping may use of `device`: floor(capacity * cap) per resource.
Resources budget(const hw::Device& device, const Caps& caps);
bool fits(const Resources& used, const Resources& limit);

// "dsp 1,536 (78.0%)"-style text helpers for messages: an amount with its unit (bytes as MB).
std::string format_amount(Resource r, std::int64_t amount);

}  // namespace atl::map
