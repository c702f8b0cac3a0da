// AI Engine matmuls. Each constant is explained, with its source or the reasoning behind the
// estimate, in docs/cost-model.md, "AI Engines".
#include "cost/aie_cost.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "hw/aie.h"

namespace atl::cost {
namespace {

using graph::StageType;

// The int8 mmul shape of an AIE1 tile, 4 x 16 x 8 (UG1079): a tile's block of outputs is padded
// to 8 and its block of K to 16.
constexpr std::int64_t kMmulOutputs = 8;
constexpr std::int64_t kMmulDepth = 16;
// AttentionMatmul pads the key columns to a multiple of 16, as on the DSPs (reference-system.md
// §2.3), so the two engines compute the same scores.
constexpr std::int64_t kKeyPadding = 16;
// Share of a tile's data memory the stationary block may take; the rest holds the double-buffered
// window of input rows and the partial sums [E].
constexpr double kTileWeightShare = 0.5;
// AIE cycles per window outside the MAC loop: lock acquire/release and the kernel call [E].
constexpr std::int64_t kWindowOverhead = 100;
// PL glue of an AIE stage: stream width converters and control, plus one adapter per PLIO [E].
constexpr std::int64_t kGlueLut = 500, kGlueFf = 800, kPlioLut = 100, kPlioFf = 200;
constexpr std::int64_t kInt32Bytes = 4;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}
std::int64_t pad(std::int64_t a, std::int64_t to) {
  return ceil_div(a, to) * to;
}
// Whole cycles of a clock of `hz` that `seconds` take (a hair below an integer stays it).
std::int64_t cycles(double seconds, double hz) {
  return static_cast<std::int64_t>(std::ceil(seconds * hz - 1e-9));
}

}  // namespace

const char* to_string(WeightResidency r) {
  switch (r) {
    case WeightResidency::tile_memory:
      return "tile memory";
    case WeightResidency::pl_memory:
      return "PL memory";
    case WeightResidency::ddr:
      return "DDR";
  }
  return "?";
}

AieMatmul aie_matmul(std::int64_t m, std::int64_t k, std::int64_t weight_bytes,
                     std::int64_t out_bytes, std::int64_t tiles, const hw::Device& d,
                     const std::string& where) {
  if (!hw::has_aie(d)) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("{}: board '{}' has no AI Engines (catalogue resources.aie_tiles "
                                  "= 0)",
                                  where, d.name));
  }
  const std::int64_t usable = hw::usable_aie_tiles(d);
  if (tiles > usable) {
    throw core::Error(
        core::ErrorKind::unsupported,
        fmt::format("{}: {} AI Engine tiles, but board '{}' offers {} ({} tiles x "
                    "aie.usable_fraction {})",
                    where, tiles, d.name, usable, d.aie_tiles, d.aie_usable_fraction));
  }
  const double aie_hz = d.aie_clock_mhz * 1e6, plio_hz = d.aie_plio_mhz * 1e6;
  const double pl_hz = d.kernel_clock_mhz * 1e6;
  const std::int64_t plio_bytes = d.aie_plio_bits / 8;
  const double macs_per_cycle = d.aie_int8_macs_per_cycle * d.aie_efficiency;
  const double tile_share = static_cast<double>(d.aie_data_memory_bytes) * kTileWeightShare;
  const double pl_bytes = static_cast<double>(d.resources.uram_bytes + d.resources.bram_bytes);
  const double ddr_bytes_per_s = d.offchip_gbytes_per_s * 1e9;
  const std::int64_t per_tile = ceil_div(weight_bytes, tiles);

  AieMatmul best;
  for (std::int64_t c = 1; c <= tiles; ++c) {
    if (tiles % c != 0) continue;
    const std::int64_t r = tiles / c;
    if (r > m || c > k) continue;  // a tile without work
    AieMatmul a;
    a.tiles = tiles;
    a.rows = r;
    a.cascade = c;
    const std::int64_t bm = ceil_div(m, r), bk = ceil_div(k, c);
    const double macs = static_cast<double>(pad(bm, kMmulOutputs) * pad(bk, kMmulDepth));
    a.aie_cycles_per_row = static_cast<std::int64_t>(std::ceil(macs / macs_per_cycle));
    if (static_cast<double>(per_tile) <= tile_share) {
      a.residency = WeightResidency::tile_memory;
    } else if (static_cast<double>(weight_bytes) <= pl_bytes) {
      a.residency = WeightResidency::pl_memory;
    } else {
      a.residency = WeightResidency::ddr;
    }
    const bool streamed = a.residency != WeightResidency::tile_memory;
    a.input_plio_cycles = ceil_div(bk, plio_bytes);  // the row's K split over the cascade
    a.output_plio_cycles = ceil_div(bm * out_bytes, plio_bytes);
    a.weight_plio_cycles = streamed ? ceil_div(per_tile, kAieWindowRows * plio_bytes) : 0;
    a.plio_in = c + (streamed ? tiles : 0);  // a weight stream per tile when streamed
    a.plio_out = r;
    const double window_s = static_cast<double>(kWindowOverhead) / aie_hz / kAieWindowRows;
    double s = static_cast<double>(a.aie_cycles_per_row) / aie_hz + window_s;
    s = std::max(s, static_cast<double>(a.input_plio_cycles) / plio_hz);
    s = std::max(s, static_cast<double>(a.output_plio_cycles) / plio_hz);
    s = std::max(s, static_cast<double>(a.weight_plio_cycles) / plio_hz);
    if (a.residency == WeightResidency::ddr) {
      if (ddr_bytes_per_s <= 0) continue;
      s = std::max(s, static_cast<double>(weight_bytes) / kAieWindowRows / ddr_bytes_per_s);
    }
    a.seconds_per_row = s;
    const auto streams = [](const AieMatmul& x) { return x.plio_in + x.plio_out; };
    if (best.tiles == 0 || s < best.seconds_per_row ||
        (s == best.seconds_per_row && streams(a) < streams(best))) {
      best = a;
    }
  }
  if (best.tiles == 0) {
    throw core::Error(
        core::ErrorKind::unsupported,
        fmt::format("{}: {} AI Engine tiles cannot share a {} x {} matmul", where, tiles, m, k));
  }
  best.cycles_per_token = std::max<std::int64_t>(1, cycles(best.seconds_per_row, pl_hz));
  // A row leaves the tiles one row time after it entered. The wait of a row for the rest of its
  // window is not charged: the simulator charges fill to every row and would turn it into lost
  // throughput (docs/cost-model.md).
  best.fill_cycles = best.cycles_per_token;
  return best;
}

std::int64_t aie_tiles(const graph::Kernel& kernel) {
  std::int64_t tiles = 0;
  for (const graph::Stage& s : kernel.stages) tiles += s.knobs.aie;
  return tiles;
}

StageCost aie_stage_cost(const graph::Stage& s, std::size_t index, const hw::Device& d,
                         const std::string& kernel) {
  const std::string where = fmt::format("kernel '{}': stage {} ({}) on AI Engines", kernel, index,
                                        graph::to_string(s.type));
  std::int64_t m = 0, k = 0, stationary = 0;
  switch (s.type) {
    case StageType::linear:  // y = W x + b: M outputs of K inputs, W and the int32 bias
      m = s.m;
      k = s.k;
      stationary = s.m * s.k + s.m * kInt32Bytes;
      break;
    case StageType::attention_matmul:  // scores: padded key columns of head_dim, K stationary
      m = pad(s.m, kKeyPadding);
      k = s.k;
      stationary = m * k;
      break;
    case StageType::softmax_matmul:  // P.V: head_dim outputs over the key columns, V stationary
      m = s.k;
      k = s.m;
      stationary = m * k;
      break;
    default:
      throw core::Error(
          core::ErrorKind::unsupported,
          fmt::format("{}: only linear and attention matmuls run on AI Engines", where));
  }
  const AieMatmul a = aie_matmul(m, k, stationary, kInt32Bytes, s.knobs.aie, d, where);
  StageCost c;
  c.type = s.type;
  c.cycles_per_token = a.cycles_per_token;
  c.fill_cycles = a.fill_cycles;
  c.resources.aie_tiles = a.tiles;
  c.resources.plio_in = a.plio_in;
  c.resources.plio_out = a.plio_out;
  c.resources.lut = kGlueLut + kPlioLut * (a.plio_in + a.plio_out);
  c.resources.ff = kGlueFf + kPlioFf * (a.plio_in + a.plio_out);
  if (a.residency == WeightResidency::pl_memory) {
    // Fed from the PL: linear weights in URAM when the device has room, else BRAM (as on the
    // DSPs); attention's keys (values) are a per-sequence buffer, BRAM. From DDR the PL holds
    // nothing.
    const bool uram = s.type == StageType::linear && stationary <= d.resources.uram_bytes;
    (uram ? c.resources.uram_bytes : c.resources.bram_bytes) = stationary;
  }
  return c;
}

}  // namespace atl::cost
