#include "cost/decode_fit.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace atl::cost {

std::vector<NodeUse> node_use(const DecodeModel& m, std::size_t nodes) {
  std::vector<NodeUse> use(nodes);
  // Per engine: the largest logic, DSPs and buffers (input rows, RoPE tables, residual rows) of
  // the kernels sharing it (decode_step.h); weights and KV caches on chip are per kernel.
  std::vector<hw::Resources> engine(static_cast<std::size_t>(m.engines));
  for (std::size_t k = 0; k < m.kernels.size(); ++k) {
    const DecodeKernelCost& c = m.kernels[k];
    NodeUse& u = use.at(m.node_of_kernel[k]);
    hw::Resources& e = engine[static_cast<std::size_t>(m.engine_of_kernel[k])];
    for (hw::Resource r : {hw::Resource::lut, hw::Resource::ff, hw::Resource::dsp,
                           hw::Resource::aie, hw::Resource::plio_in, hw::Resource::plio_out}) {
      const std::int64_t more = std::max<std::int64_t>(0, c.on_chip[r] - e[r]);
      e[r] += more;
      u.on_chip[r] += more;
    }
    // kernel_cost puts buffers in BRAM; weights in URAM or BRAM, caches in BRAM.
    const std::int64_t state = (c.memory.weights == Memory::on_chip ? c.weight_bytes : 0) +
                               (c.memory.kv == Memory::on_chip ? c.kv_bytes : 0);
    const std::int64_t buffers = c.on_chip.uram_bytes + c.on_chip.bram_bytes - state;
    const std::int64_t more = std::max<std::int64_t>(0, buffers - e.bram_bytes);
    e.bram_bytes += more;
    u.on_chip.uram_bytes += c.on_chip.uram_bytes;
    u.on_chip.bram_bytes += c.on_chip.bram_bytes - buffers + more;
    u.offchip_bytes += c.offchip_bytes;
    (c.memory.weights == Memory::on_chip ? u.weights_on_chip : u.weights_off_chip) +=
        c.weight_bytes;
    (c.memory.kv == Memory::on_chip ? u.kv_on_chip : u.kv_off_chip) += c.kv_bytes;
  }
  return use;
}

void check_decoder_fits(const std::vector<NodeUse>& use, const hw::Cluster& cluster) {
  for (std::size_t i = 0; i < use.size(); ++i) {
    const hw::Node& node = cluster.nodes.at(i);
    const hw::Resources& have = node.device.resources;
    const NodeUse& u = use[i];
    auto fail = [&](const std::string& what) {
      throw core::Error(core::ErrorKind::does_not_fit,
                        fmt::format("node '{}' ({}): {}", node.name, node.device.name, what));
    };
    for (hw::Resource r : {hw::Resource::lut, hw::Resource::ff, hw::Resource::dsp}) {
      if (u.on_chip[r] > have[r]) {
        fail(fmt::format("its kernels need {} {}, the device has {}", hw::to_string(r),
                         hw::format_amount(r, u.on_chip[r]), hw::format_amount(r, have[r])));
      }
    }
    const std::int64_t memory = u.on_chip.uram_bytes + u.on_chip.bram_bytes;
    const std::int64_t on_chip = have.uram_bytes + have.bram_bytes;
    if (memory > on_chip) {
      fail(
          fmt::format("weights ({} B) and KV cache ({} B) placed on chip with the kernels' "
                      "buffers need {} B of URAM + BRAM, the device has {} B",
                      u.weights_on_chip, u.kv_on_chip, memory, on_chip));
    }
    if (u.offchip_bytes > node.device.offchip_bytes) {
      fail(fmt::format(
          "weights ({} B) and KV cache ({} B) placed off chip need {} B, the "
          "board's off-chip memory holds {} B",
          u.weights_off_chip, u.kv_off_chip, u.offchip_bytes, node.device.offchip_bytes));
    }
  }
}

}  // namespace atl::cost
