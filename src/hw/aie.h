// The AI Engine array of a Versal AI Core board (VCK190, VCK5000) as the cost model and the mapper
// see it: tiles, INT8 MACs per tile per cycle, clock, data memory per tile, the PLIO streams
// between the PL and the array and their rate, the share of the tiles a placed design may use and
// the efficiency measured GEMMs reach. Every figure comes from the catalogue (data/devices/*.yaml,
// section aie) with its source; docs/cost-model.md "AI Engines" explains them.
#pragma once

#include <cstdint>

#include "hw/device.h"
#include "hw/resources.h"

namespace atl::hw {

// The board has an AI Engine array.
bool has_aie(const Device& device);

// Tiles a placed design may use: floor(aie_tiles x usable_fraction) (0 without AI Engines).
std::int64_t usable_aie_tiles(const Device& device);

// What one board offers a placed design: its PL resources, its usable AI Engine tiles and its PLIO
// streams in each direction. What the mapper budgets (times its caps) and cost::check_fits tests.
Resources capacity(const Device& device);

// Bytes one PLIO stream moves per second: plio_bits / 8 x plio_mhz.
double plio_bytes_per_s(const Device& device);

// Peak INT8 multiply-accumulates per second of the whole array: tiles x MACs x clock.
double aie_peak_macs_per_s(const Device& device);

}  // namespace atl::hw
