// The per-FPGA caps that keep a design routable (a device filled to 100% does not close timing;
// the defaults follow common Vivado practice of leaving 20-30% headroom, 70% LUT/FF because logic
// congestion bites first) and the budgets they give. The resources themselves are hw::Resources.
#pragma once

#include <string>

#include "hw/device.h"
#include "hw/resources.h"

namespace atl::map {

using hw::kResources;
using hw::Resource;
using hw::Resources;

// Fraction of each device resource a mapping may use. AI Engines are used only when asked
// (aie > 0, `atoll map --aie`): of the usable tiles (hw::capacity) and of every PLIO stream.
struct Caps {
  double lut = 0.7, ff = 0.7, dsp = 0.8, bram = 0.8, uram = 0.8;
  double aie = 0, plio = 1;
  double operator[](Resource r) const;
};

// "lut=0.7,dsp=0.8,aie=1,..." (any subset of lut, ff, dsp, bram, uram, aie, plio; values in
// (0, 1]); errors name the bad entry.
Caps parse_caps(const std::string& text);

// What a mapping may use of `device`: floor(hw::capacity * cap) per resource.
Resources budget(const hw::Device& device, const Caps& caps);

}  // namespace atl::map
