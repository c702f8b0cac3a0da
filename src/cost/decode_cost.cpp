// Decoder kernels per pass: which of kernel_cost's figures move off chip, and the per-row cycles
// of the attention stage at each position (docs/cost-model.md, "Decoders").
#include "cost/decode_cost.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace atl::cost {
namespace {

using graph::StageType;

constexpr std::int64_t kKeyPadding = 16;  // as kernel_cost: key columns padded to 16
constexpr std::int64_t kScaleBytes = 4;   // one int32 scale per cached K or V row

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// Takes `bytes` out of the on-chip memories the way kernel_cost put them in: URAM when the
// stage's block fitted the device's URAM, else BRAM.
void take_off_chip(hw::Resources& r, std::int64_t bytes, const hw::Device& d) {
  if (bytes <= d.resources.uram_bytes && r.uram_bytes >= bytes) {
    r.uram_bytes -= bytes;
  } else {
    r.bram_bytes -= bytes;
  }
}

// Cycles of one attention row at `position`: the keys 0..position, padded, pe per cycle.
std::int64_t attention_row(const DecodeKernelCost& c, std::int64_t position) {
  return c.attention_heads *
         ceil_div(ceil_div(position + 1, kKeyPadding) * kKeyPadding, c.attention_pe);
}

std::int64_t row_interval(const DecodeKernelCost& c, std::int64_t position) {
  if (c.attention_pe == 0) return c.other_cycles;
  return std::max(c.other_cycles, attention_row(c, position));
}

}  // namespace

const char* to_string(Memory memory) {
  return memory == Memory::on_chip ? "on_chip" : "off_chip";
}

Memory memory_from_string(const std::string& text, const std::string& where) {
  if (text == "on_chip") return Memory::on_chip;
  if (text == "off_chip") return Memory::off_chip;
  throw core::Error(fmt::format("{}: '{}' is not on_chip or off_chip", where, text));
}

double offchip_bytes_per_s(const hw::Device& device) {
  return device.offchip_gbytes_per_s * 1e9 * kOffchipEfficiency;
}

DecodeKernelCost decode_kernel_cost(const graph::Kernel& kernel, const hw::Device& device,
                                    KernelMemory memory, std::int64_t kv_heads) {
  DecodeKernelCost c;
  c.base = kernel_cost(kernel, device);
  c.memory = memory;
  c.on_chip = c.base.resources;
  for (std::size_t i = 0; i < c.base.stages.size(); ++i) {
    const graph::Stage& s = kernel.stages[i];
    const StageCost& sc = c.base.stages[i];
    if (s.type == StageType::decoder_attention) {
      c.attention_pe = s.knobs.pe;
      c.attention_heads = s.knobs.tile;
      c.attention_fixed_fill = sc.fill_cycles - sc.cycles_per_token;
      // kernel_cost holds a cache per query head; grouped-query heads share their KV head's.
      const std::int64_t heads = kv_heads > 0 ? kv_heads : c.attention_heads;
      const std::int64_t per_head = 2 * s.k + 2 * kScaleBytes;
      const std::int64_t columns = ceil_div(s.m, kKeyPadding) * kKeyPadding;
      c.kv_bytes_per_position = heads * per_head;
      c.kv_bytes = columns * c.kv_bytes_per_position;
      c.on_chip.bram_bytes -= (c.attention_heads - heads) * columns * per_head;
      if (memory.kv == Memory::off_chip) {
        c.on_chip.bram_bytes -= c.kv_bytes;
        c.offchip_bytes += c.kv_bytes;
      }
      continue;
    }
    c.other_cycles = std::max(c.other_cycles, sc.cycles_per_token);
    c.fill_cycles += sc.fill_cycles;
    // The weight block kernel_cost keeps on chip (matrix + per-channel scales and biases).
    std::int64_t weights = 0;
    if (s.type == StageType::linear) weights = s.m * s.k + s.m * 4;
    if (s.type == StageType::w8a8_linear || s.type == StageType::w8a8_partial) {
      weights = s.m * s.k + s.m * 8;
    }
    if (s.type == StageType::embedding) {
      weights = s.m * s.k + s.k * 4;
      c.embedding_row_bytes = s.m + 4;
    }
    c.weight_bytes += weights;
    if (weights > 0 && memory.weights == Memory::off_chip) {
      take_off_chip(c.on_chip, weights, device);
      c.offchip_bytes += weights;
    }
  }
  return c;
}

PassCost pass_cost(const DecodeKernelCost& c, const Pass& pass) {
  if (pass.rows < 1 || pass.sequences < 1 || pass.first_position < 0) {
    throw core::Error(core::ErrorKind::internal,
                      fmt::format("pass of {} rows x {} sequences at position {}", pass.rows,
                                  pass.sequences, pass.first_position));
  }
  const std::int64_t last = pass.first_position + pass.rows - 1;
  PassCost p;
  const std::int64_t fill = c.fill_cycles + (c.attention_pe > 0 ? c.attention_fixed_fill : 0);
  std::int64_t rows = 0;  // one sequence's row intervals
  if (c.attention_pe == 0) {
    rows = pass.rows * c.other_cycles;
  } else {
    for (std::int64_t i = pass.first_position; i <= last; ++i) rows += row_interval(c, i);
  }
  p.first_row_cycles = fill + row_interval(c, pass.first_position);
  p.cycles = fill + rows * pass.sequences;
  p.last_row_cycles = row_interval(c, last);
  const std::int64_t all_rows = pass.rows * pass.sequences;
  if (c.memory.weights == Memory::off_chip) {
    p.offchip_bytes +=
        c.embedding_row_bytes > 0 ? all_rows * c.embedding_row_bytes : c.weight_bytes;
  }
  if (c.attention_pe > 0 && c.memory.kv == Memory::off_chip) {
    // K and V of positions 0..last read once per sequence; the new rows written.
    p.offchip_bytes += pass.sequences * (last + 1 + pass.rows) * c.kv_bytes_per_position;
  }
  return p;
}

}  // namespace atl::cost
