// A matmul stage placed on AI Engine tiles (graph::Knobs::aie > 0): a linear's M x K weights, or
// an attention kernel's keys (values) of the sequence, stationary on a rectangle of tiles, token
// rows streamed through it in windows. The formulas and every constant are in
// docs/cost-model.md, "AI Engines"; the device figures come from the catalogue (hw/aie.h).
#pragma once

#include <cstdint>
#include <string>

#include "cost/cost.h"
#include "graph/graph.h"
#include "hw/device.h"

namespace atl::cost {

// Where the stationary matrix of an AIE matmul lives.
enum class WeightResidency {
  tile_memory,  // in the tiles' data memory: loaded once
  pl_memory,    // in PL URAM/BRAM, streamed into the tiles over PLIO once per window of rows
  ddr,          // in off-chip memory, streamed once per window of rows
};
const char* to_string(WeightResidency r);  // "tile memory", "PL memory", "DDR"

// Token rows an AIE matmul works on at a time: two 4-row A blocks of the int8 4x16x8 mmul per
// 16x8 weight block, the schedule that balances loads and MACs (UG1079 / XD100 tutorial).
inline constexpr std::int64_t kAieWindowRows = 8;

struct AieMatmul {
  std::int64_t tiles = 0;
  std::int64_t rows = 0;     // tile rows: each computes a block of the M outputs
  std::int64_t cascade = 0;  // tiles per row, each a block of K, partial sums on the cascade
  std::int64_t aie_cycles_per_row = 0;  // MACs of one tile for one token row, AIE clock
  std::int64_t input_plio_cycles = 0;   // one token row into the array, per stream
  std::int64_t output_plio_cycles = 0;  // one output row out of it, per stream
  std::int64_t weight_plio_cycles = 0;  // per token row (one window's weights / window)
  WeightResidency residency = WeightResidency::tile_memory;
  std::int64_t plio_in = 0, plio_out = 0;  // streams used
  double seconds_per_row = 0;              // the slowest of compute, streams and DDR
  std::int64_t cycles_per_token = 0;       // seconds_per_row in PL kernel-clock cycles
  std::int64_t fill_cycles = 0;            // one row through the tiles, PL kernel clock
};

// An `m` x `k` int8 matmul per token row (`weight_bytes` stationary: weights and bias, or the
// sequence's keys) on `tiles` tiles of `device`, with `out_bytes` per output value: the fastest
// rectangle (cascade length a divisor of tiles; ties: fewer streams, then shorter cascade).
// Throws ErrorKind::unsupported when the device has no AI Engines or fewer usable tiles.
AieMatmul aie_matmul(std::int64_t m, std::int64_t k, std::int64_t weight_bytes,
                     std::int64_t out_bytes, std::int64_t tiles, const hw::Device& device,
                     const std::string& where);

// AI Engine tiles of a kernel: the sum of its stages' aie knobs (0: all on the PL).
std::int64_t aie_tiles(const graph::Kernel& kernel);

// The cost of stage `s` (linear, attention_matmul or softmax_matmul with knobs.aie tiles) on the
// AI Engines of `device`: no DSPs, the tiles and streams as resources, PL memory when the matrix
// is fed from it. Errors (unsupported) name `kernel` and the stage.
StageCost aie_stage_cost(const graph::Stage& s, std::size_t index, const hw::Device& device,
                         const std::string& kernel);

}  // namespace atl::cost
