// What a decoder kernel costs for a pass of token rows: a prefill (R rows at positions
// 0..R-1), a decode step (1 row at position p) or a batch of sequences stepping together.
// Weights (linear matrices, the embedding table) and the attention kernels' KV cache live either
// on chip (URAM/BRAM, counted in the kernel's resources) or in the board's off-chip memory (HBM
// or DDR: hw::Device::offchip_bytes, read at offchip_gbytes_per_s x kOffchipEfficiency).
// Every figure is explained in docs/cost-model.md ("Decoders").
#pragma once

#include <cstdint>
#include <string>

#include "cost/cost.h"
#include "graph/graph.h"
#include "hw/device.h"
#include "hw/resources.h"

namespace atl::cost {

// Where a kernel keeps its weights or its KV cache.
enum class Memory { on_chip, off_chip };
const char* to_string(Memory memory);  // "on_chip" | "off_chip"
// The inverse; errors name `where` and the choices.
Memory memory_from_string(const std::string& text, const std::string& where);

struct KernelMemory {
  Memory weights = Memory::on_chip;
  Memory kv = Memory::on_chip;
  friend bool operator==(const KernelMemory&, const KernelMemory&) = default;
};

// Sustained fraction of the board's peak off-chip bandwidth for long sequential reads: Shuhai
// measured 425 of the U280's 460 GB/s HBM (Wang et al., FCCM 2020, arXiv 2005.04324;
// hardware-numbers.md §1.1). Applied to every board (no other board has a published
// measurement in the catalogue).
inline constexpr double kOffchipEfficiency = 425.0 / 460.0;

// A pass: `sequences` sequences each bring `rows` rows at positions first_position ..
// first_position + rows - 1 (prefill: 0, N, 1; decode step: p, 1, 1; batch B: p, 1, B).
struct Pass {
  std::int64_t first_position = 0;
  std::int64_t rows = 1;
  std::int64_t sequences = 1;
};

struct DecodeKernelCost {
  KernelCost base;                         // kernel_cost: everything on chip
  KernelMemory memory;                     // where this kernel's weights and KV cache are
  hw::Resources on_chip;                   // base.resources less what lives off chip
  std::int64_t weight_bytes = 0;           // linear weights + scales + biases, embedding table
  std::int64_t offchip_bytes = 0;          // capacity it takes in the board's off-chip memory
  std::int64_t kv_bytes_per_position = 0;  // attention: K and V rows (int8) + their scales
  std::int64_t kv_bytes = 0;               // attention: the whole context's cache
  std::int64_t embedding_row_bytes = 0;    // embedding: the table row (+ scale) one token reads
  std::int64_t other_cycles = 0;           // per row: the slowest stage other than attention's
  std::int64_t attention_pe = 0;           // > 0: the kernel has a decoder_attention stage
  std::int64_t attention_heads = 0;        // query heads its engines serve in turn (tile)
  std::int64_t attention_fixed_fill = 0;   // its fill less its per-row cycles
  std::int64_t fill_cycles = 0;            // sum of the other stages' fills
};

// Costs `kernel` on `device` with its memory placement (kernel_cost's errors). An attention
// kernel caches `kv_heads` KV heads (grouped-query heads share one; 0: one per query head).
DecodeKernelCost decode_kernel_cost(const graph::Kernel& kernel, const hw::Device& device,
                                    KernelMemory memory, std::int64_t kv_heads = 0);

struct PassCost {
  std::int64_t first_row_cycles = 0;  // fill + the first row's interval
  std::int64_t cycles = 0;            // fill + every row's interval (all sequences)
  std::int64_t last_row_cycles = 0;   // the last row's interval
  std::int64_t offchip_bytes = 0;     // read and written in the board's off-chip memory
};

// Cycles of the kernel's pipeline and its off-chip traffic for `pass`: weights read once per
// pass; attention reads K and V of positions 0 .. last of each sequence once and writes its new
// rows; an embedding reads one table row per row.
PassCost pass_cost(const DecodeKernelCost& cost, const Pass& pass);

// The board's sustained off-chip bandwidth in bytes per second (peak x kOffchipEfficiency).
double offchip_bytes_per_s(const hw::Device& device);

}  // namespace atl::cost
