// Shared by the cost tests: a small made-up board with round figures, so expected cycles and
// resources can be worked out by hand.
#pragma once

#include "hw/device.h"

namespace atl::cost::testing {

inline hw::Device round_board() {
  hw::Device d;
  d.name = "board";
  d.resources.lut = 1'000'000;
  d.resources.ff = 2'000'000;
  d.resources.dsp = 2000;
  d.resources.bram_bytes = d.resources.uram_bytes = 4'000'000;
  d.dsp_kind = "dsp48e2";
  d.kernel_clock_mhz = 200;
  return d;
}

}  // namespace atl::cost::testing
