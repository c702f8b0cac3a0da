#include "hw/aie.h"

#include <cmath>

namespace atl::hw {

bool has_aie(const Device& device) {
  return device.aie_tiles > 0;
}

std::int64_t usable_aie_tiles(const Device& device) {
  return static_cast<std::int64_t>(
      std::floor(static_cast<double>(device.aie_tiles) * device.aie_usable_fraction));
}

Resources capacity(const Device& device) {
  Resources r = device.resources;
  r.aie_tiles = usable_aie_tiles(device);
  r.plio_in = device.aie_plio_in;
  r.plio_out = device.aie_plio_out;
  return r;
}

double plio_bytes_per_s(const Device& device) {
  return static_cast<double>(device.aie_plio_bits) / 8.0 * device.aie_plio_mhz * 1e6;
}

double aie_peak_macs_per_s(const Device& device) {
  return static_cast<double>(device.aie_tiles) * device.aie_int8_macs_per_cycle *
         device.aie_clock_mhz * 1e6;
}

}  // namespace atl::hw
