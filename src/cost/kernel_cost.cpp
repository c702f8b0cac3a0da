// Per-stage resource and cycle formulas. Each constant below is explained, with its source or
// the reasoning behind the estimate, in docs/cost-model.md under its stage type ("Kernels").
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "cost/aie_cost.h"
#include "cost/cost.h"

namespace atl::cost {
namespace {

using graph::StageType;

// One 512-bit TDATA flit per cycle carries 64 int8 or 16 int32 values
// (reference-system.md §1.3). Element-wise stages on int32 rows cannot go wider than one flit.
constexpr std::int64_t kInt32PerFlit = 16;
constexpr std::int64_t kInt8PerFlit = 64;
// One PE of the packed linear has 64 multipliers (reference-system.md §2.3).
constexpr std::int64_t kMultipliersPerPe = 64;
// AttentionMatmul pads the key columns to a multiple of 16 (reference-system.md §2.3).
constexpr std::int64_t kKeyPadding = 16;
// A signed 32x32-bit product (x * m of QuantAct, the GELU and LayerNorm
// products) splits into 2 x 2 partial products on a 27x18 (DSP48E2) or 27x24 (DSP58) multiplier.
constexpr std::int64_t kDspPerMul32 = 4;

// Pipeline fill: depths in cycles of each stage's pipeline (estimates until calibrated
// against HLS reports; they only move latency by tens of cycles per kernel).
constexpr std::int64_t kLinearDepth = 10;   // + one cycle per PE of the partial-sum chain
constexpr std::int64_t kElementDepth = 8;   // quant_act, residual_act, gelu: multiply+round
constexpr std::int64_t kDotDepth = 10;      // attention dot products: 64-input adder tree
constexpr std::int64_t kDividerDepth = 36;  // 32-bit pipelined divider (softmax, layernorm)
constexpr std::int64_t kNewtonSteps = 4;    // integer sqrt of LayerNorm (reference-system.md §2.3)
// Rows of the residual identity a decoder's residual_add holds (causal: a pipeline's depth).
constexpr std::int64_t kResidualRows = 16;

// Area per stage = base (control, AXIS, FIFOs) + per lane (lane = one DSP of a matmul,
// or one channel per cycle of an element-wise stage). Estimates, see docs/cost-model.md.
struct Area {
  std::int64_t lut_base, ff_base, lut_per_lane, ff_per_lane;
};
constexpr Area area_of(StageType t) {
  switch (t) {
    case StageType::linear:
      return {2000, 3000, 25, 45};
    case StageType::quant_act:
      return {500, 800, 120, 200};
    case StageType::residual_act:
      return {500, 800, 150, 250};
    case StageType::attention_matmul:
      return {1500, 2500, 25, 45};
    case StageType::softmax:
      return {3000, 4000, 2500, 3000};
    case StageType::softmax_matmul:
      return {1500, 2500, 25, 45};
    case StageType::concat:
      return {300, 500, 0, 0};
    case StageType::gelu:
      return {500, 800, 300, 500};
    case StageType::layernorm:
    case StageType::rmsnorm:
    case StageType::decoder_layernorm:
      return {6000, 8000, 250, 400};
    case StageType::embedding:
      return {500, 800, 50, 80};
    case StageType::w8a8_linear:
    case StageType::w8a8_partial:
      return {2500, 3500, 25, 45};
    case StageType::rope:
      return {500, 800, 150, 250};
    case StageType::decoder_attention:
      return {4500, 6500, 25, 45};
    case StageType::swiglu:
      return {1500, 2000, 600, 800};
    case StageType::decoder_gelu:
      return {500, 800, 300, 500};
    case StageType::residual_add:
    case StageType::w8a8_reduce:
    case StageType::top1:
    case StageType::argmax:
      return {300, 500, 40, 60};
  }
  return {0, 0, 0, 0};
}
// Per kernel: arbiter, skew/GMISkew, AXIS register slices and FIFOs of one Galapagos
// kernel wrapper (reference-system.md §1.8 step 6).
constexpr Area kKernelGlue{1500, 2500, 0, 0};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// Element-wise lanes: `unroll` channels per cycle, at most one int32 flit.
std::int64_t lanes(const graph::Stage& s) {
  return std::min<std::int64_t>(s.knobs.unroll, kInt32PerFlit);
}

// DSPs for `macs` int8 multiply-accumulates per cycle, packed as the device allows
// (2 per DSP48E2, 3 per DSP58: the catalogue's dsp.int8_macs_per_cycle).
std::int64_t packed_dsps(std::int64_t macs, const hw::Device& d) {
  const double per_dsp = d.dsp_int8_macs_per_cycle;
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(macs) / per_dsp));
}

// One knob or dimension of a stage within [1, limit]; `needed` false: 0 is allowed (k of stages
// that do not use it).
void check_range(const std::string& kernel, const graph::Stage& s, std::size_t index,
                 const char* field, std::int64_t value, std::int64_t limit, bool needed = true) {
  if (!needed && value == 0) return;
  if (value < 1) {
    throw core::Error(fmt::format("kernel '{}': stage {} ({}): {} must be >= 1, got {}", kernel,
                                  index, graph::to_string(s.type), field, value));
  }
  if (value > limit) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("kernel '{}': stage {} ({}): {} {} is above the cost model's "
                                  "limit of {} (docs/cost-model.md)",
                                  kernel, index, graph::to_string(s.type), field, value, limit));
  }
}

StageCost stage_cost(const graph::Stage& s, std::size_t index, const hw::Device& d,
                     const std::string& kernel) {
  const graph::Knobs& k = s.knobs;
  check_range(kernel, s, index, "tile", k.tile, kMaxKnob);
  check_range(kernel, s, index, "pe", k.pe, kMaxKnob);
  check_range(kernel, s, index, "unroll", k.unroll, kMaxKnob);
  check_range(kernel, s, index, "m", s.m, kMaxDimension);
  const bool needs_k = s.type == StageType::linear || s.type == StageType::attention_matmul ||
                       s.type == StageType::softmax_matmul || s.type == StageType::w8a8_linear ||
                       s.type == StageType::w8a8_partial || s.type == StageType::w8a8_reduce ||
                       s.type == StageType::embedding || s.type == StageType::rope ||
                       s.type == StageType::decoder_attention;
  check_range(kernel, s, index, "k", s.k, kMaxDimension, needs_k);
  if (k.aie > 0) return aie_stage_cost(s, index, d, kernel);
  StageCost c;
  c.type = s.type;
  std::int64_t lane_count = 0;
  std::int64_t buffer_bytes = 0;  // on-chip buffers and tables, BRAM (many narrow ports)
  switch (s.type) {
    case StageType::linear: {
      // y = W x + b, W (m x k) int8 stationary; tile rows x pe*64 columns per cycle.
      const std::int64_t macs = std::int64_t{k.tile} * k.pe * kMultipliersPerPe;
      c.cycles_per_token = ceil_div(s.m, k.tile) * ceil_div(s.k, k.pe * kMultipliersPerPe);
      c.resources.dsp = packed_dsps(macs, d);
      c.fill_cycles = kLinearDepth + k.pe;
      lane_count = c.resources.dsp;
      const std::int64_t weights = s.m * s.k + s.m * 4;  // int8 weights + int32 bias
      // Weights go to URAM when the device has room for them, else BRAM.
      if (weights <= d.resources.uram_bytes) {
        c.resources.uram_bytes = weights;
      } else {
        c.resources.bram_bytes = weights;
      }
      buffer_bytes = s.k;  // the input row, replayed for every tile of output rows
      break;
    }
    case StageType::quant_act:
    case StageType::residual_act:
    case StageType::gelu: {
      // One multiply per channel (the residual's identity rescale; GELU has two).
      const std::int64_t muls = s.type == StageType::gelu ? 2 : 1;
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count);
      c.resources.dsp = lane_count * muls * kDspPerMul32;
      c.fill_cycles = kElementDepth * muls;
      // Per-channel constants: m (int32) + e (int8); GELU b, c (int32) + shift (int8).
      buffer_bytes = s.m * (s.type == StageType::gelu ? 9 : 5);
      // The residual identity (int8 rows) waits here for its block: k rows of m bytes.
      if (s.type == StageType::residual_act) buffer_bytes += s.k * s.m;
      break;
    }
    case StageType::attention_matmul:
    case StageType::softmax_matmul: {
      // pe results per cycle, each a head_dim-long dot product (reference-system.md §2.3).
      const std::int64_t columns =
          s.type == StageType::attention_matmul ? ceil_div(s.m, kKeyPadding) * kKeyPadding : s.m;
      c.cycles_per_token = ceil_div(columns, k.pe);
      c.resources.dsp = packed_dsps(k.pe * s.k, d);
      c.fill_cycles = kDotDepth;
      lane_count = c.resources.dsp;
      buffer_bytes = columns * s.k;  // K (or V) of the whole sequence, int8
      break;
    }
    case StageType::softmax: {
      // Row max, i-exp (a 2nd-order polynomial), int16 requant, sum, divide: unroll per cycle;
      // the output starts only after the whole row is seen.
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count);
      c.resources.dsp = lane_count * 2 * kDspPerMul32;
      c.fill_cycles = c.cycles_per_token + kDividerDepth + kElementDepth;
      buffer_bytes = 2 * s.m * 4;  // int32 scores, double-buffered between passes
      break;
    }
    case StageType::layernorm: {
      // Mean and variance over the row, integer sqrt by Newton steps, then (x - mean) * factor.
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count);
      c.resources.dsp = lane_count * 2 * kDspPerMul32;
      c.fill_cycles = c.cycles_per_token + kNewtonSteps * kDividerDepth + kDividerDepth;
      buffer_bytes = 2 * s.m * 4 + s.m * 4;  // int32 row double-buffered + per-channel bias
      break;
    }
    case StageType::concat: {
      c.cycles_per_token = ceil_div(s.m, kInt8PerFlit);
      c.fill_cycles = 2;
      break;
    }
    case StageType::w8a8_partial:
    case StageType::w8a8_linear: {
      // The linear above on the int8 row, after a pass over the int32 input row for its max |x|
      // (one int32 flit per cycle) and before a per-channel 64-bit rescale of `tile` rows. A
      // partial (split by input rows) has the same engine on its k inputs; its rescale happens
      // in the reduce, so the DSPs of the rescale stay (an estimate, h3 owns these formulas).
      const std::int64_t macs = std::int64_t{k.tile} * k.pe * kMultipliersPerPe;
      c.cycles_per_token = std::max(ceil_div(s.m, k.tile) * ceil_div(s.k, k.pe * kMultipliersPerPe),
                                    ceil_div(s.k, kInt32PerFlit));
      c.resources.dsp = packed_dsps(macs, d) + std::int64_t{k.tile} * kDspPerMul32;
      c.fill_cycles = kLinearDepth + k.pe + ceil_div(s.k, kInt32PerFlit) + kElementDepth;
      lane_count = c.resources.dsp;
      const std::int64_t weights = s.m * s.k + s.m * 8;  // int8 weights + scale (m, e) + bias
      if (weights <= d.resources.uram_bytes) {
        c.resources.uram_bytes = weights;
      } else {
        c.resources.bram_bytes = weights;
      }
      buffer_bytes = s.k * 4 + s.k;  // the int32 input row (two passes) and its int8 copy
      break;
    }
    case StageType::embedding: {
      // One table row (m int8 channels) read and rescaled to int32 per token: unroll per cycle.
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count);
      c.resources.dsp = lane_count * kDspPerMul32;
      c.fill_cycles = kElementDepth + 2;
      const std::int64_t table = s.m * s.k + s.k * 4;  // int8 rows + one scale per row
      if (table <= d.resources.uram_bytes) {
        c.resources.uram_bytes = table;
      } else {
        c.resources.bram_bytes = table;
      }
      break;
    }
    case StageType::rmsnorm:
    case StageType::decoder_layernorm: {
      // As layernorm: sum of squares (and mean) over the row, integer sqrt, then scale.
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count);
      c.resources.dsp = lane_count * 2 * kDspPerMul32;
      c.fill_cycles = c.cycles_per_token + kNewtonSteps * kDividerDepth + kDividerDepth;
      // int32 row double-buffered + gain (+ bias) per channel.
      buffer_bytes = 2 * s.m * 4 + s.m * (s.type == StageType::rmsnorm ? 4 : 8);
      break;
    }
    case StageType::rope: {
      // Per channel two int32 x int16 products (a cos - b sin or a sin + b cos), one DSP each
      // way; the Q14 table holds k (cos, sin) pairs of int16.
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count);
      c.resources.dsp = lane_count * 2 * 2;
      c.fill_cycles = kElementDepth;
      buffer_bytes = s.k * 4;
      break;
    }
    case StageType::decoder_attention: {
      // Scores and P.V: two engines of pe columns per cycle, each a head_dim-long dot product,
      // the causal softmax between them (unroll = pe lanes of i-exp and divide); the engines
      // serve `tile` query heads one after another. The int8 KV cache holds m positions of K
      // and V with one scale each, per head (cost/decode_cost.h counts the KV heads that
      // grouped-query heads share).
      const std::int64_t columns = ceil_div(s.m, kKeyPadding) * kKeyPadding;
      c.cycles_per_token = k.tile * ceil_div(columns, k.pe);
      const std::int64_t softmax_lanes = std::min<std::int64_t>(k.pe, kInt32PerFlit);
      c.resources.dsp = 2 * packed_dsps(k.pe * s.k, d) + softmax_lanes * 2 * kDspPerMul32;
      c.fill_cycles = 2 * kDotDepth + c.cycles_per_token + kDividerDepth + kElementDepth;
      lane_count = c.resources.dsp;
      // K, V and their scales per head, the scores row.
      buffer_bytes = k.tile * (2 * columns * s.k + 2 * columns * 4) + 2 * columns * 4;
      break;
    }
    case StageType::swiglu:
    case StageType::decoder_gelu: {
      // SwiGLU: the sigmoid's i-exp (2 products), its divide, x * sig and * up; GELU: I-BERT's
      // i-GELU (2) and the rescale (1). The constants are one per model, not per channel.
      const std::int64_t muls = s.type == StageType::swiglu ? 4 : 3;
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count);
      c.resources.dsp = lane_count * muls * kDspPerMul32;
      c.fill_cycles = kElementDepth * muls + (s.type == StageType::swiglu ? kDividerDepth : 0);
      buffer_bytes = s.type == StageType::swiglu ? s.m * 4 : 0;  // gates waiting for their up
      break;
    }
    case StageType::residual_add: {
      // int32 adds; causal attention lets row i through once rows <= i are in, so the
      // identity waits a pipeline's depth (kResidualRows rows), not a sequence.
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count);
      c.fill_cycles = 2;
      buffer_bytes = kResidualRows * s.m * 4;
      break;
    }
    case StageType::w8a8_reduce: {
      // Sum of k partial rows of m int32 (unroll channels per cycle each), then the per-channel
      // 64-bit rescale: as residual_add per part plus one multiplier per lane.
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count) * s.k;
      c.resources.dsp = lane_count * kDspPerMul32;
      c.fill_cycles = kElementDepth + 2;
      buffer_bytes = s.m * 4 + s.m * 8;  // the running sum, scale (m, e) + bias per channel
      break;
    }
    case StageType::top1:
    case StageType::argmax: {
      // A compare tree over the logits row (top1) or the parts' (logit, index) pairs (argmax):
      // unroll per cycle; the result leaves after the row.
      lane_count = lanes(s);
      c.cycles_per_token = ceil_div(s.m, lane_count);
      c.fill_cycles = c.cycles_per_token + kElementDepth;
      break;
    }
  }
  const Area a = area_of(s.type);
  c.resources.lut = a.lut_base + a.lut_per_lane * lane_count;
  c.resources.ff = a.ff_base + a.ff_per_lane * lane_count;
  c.resources.bram_bytes += buffer_bytes;
  return c;
}

}  // namespace

KernelCost kernel_cost(const graph::Kernel& kernel, const hw::Device& device) {
  KernelCost kc;
  if (graph::is_endpoint(kernel.role)) return kc;
  kc.resources.lut = kKernelGlue.lut_base;
  kc.resources.ff = kKernelGlue.ff_base;
  for (std::size_t i = 0; i < kernel.stages.size(); ++i) {
    const graph::Stage& s = kernel.stages[i];
    StageCost c = stage_cost(s, i, device, kernel.name);
    kc.resources += c.resources;
    if (s.type == StageType::linear) kc.weight_bytes += s.m * s.k + s.m * 4;
    if (s.type == StageType::w8a8_linear) kc.weight_bytes += s.m * s.k + s.m * 8;
    if (s.type == StageType::w8a8_partial) kc.weight_bytes += s.m * s.k;  // rescale in the reduce
    if (s.type == StageType::w8a8_reduce) kc.weight_bytes += s.m * 8;
    if (s.type == StageType::embedding) kc.weight_bytes += s.m * s.k + s.k * 4;
    kc.cycles_per_token = std::max(kc.cycles_per_token, c.cycles_per_token);
    kc.fill_cycles += c.fill_cycles;
    if (s.type == StageType::attention_matmul || s.type == StageType::softmax_matmul) {
      kc.waits_for_port1_sequence = true;
    }
    kc.stages.push_back(c);
  }
  return kc;
}

std::int64_t sequence_cycles(const KernelCost& cost, std::int64_t seq_len) {
  std::int64_t rows = 0, total = 0;
  if (__builtin_mul_overflow(seq_len, cost.cycles_per_token, &rows) ||
      __builtin_add_overflow(rows, cost.fill_cycles, &total)) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("a sequence of {} rows at {} cycles per row does not fit int64",
                                  seq_len, cost.cycles_per_token));
  }
  return total;
}

}  // namespace atl::cost
