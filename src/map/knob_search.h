// Knob choice: for a target rate T (cycles per token that no kernel may exceed), the cheapest
// knobs of every role the model's architecture builder offers (graph/architecture.h):
// tile/pe/unroll per stage and partition (tensor-parallel slices of the output rows along the
// role's split dimension). "Cheapest" is the sum over resources of the fraction of one
// FPGA's budget the role's kernels use, so the scarcest resource weighs most.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "graph/architecture.h"
#include "hw/device.h"
#include "map/resources.h"
#include "model/config.h"

namespace atl::map {

class KnobSearch {
 public:
  // Enumerates and costs the knob options of every stage of every role on `device`.
  KnobSearch(const model::ModelConfig& config, const hw::Device& device, const Caps& caps);

  // Every cycles-per-token value some stage option reaches, ascending: the rates worth trying.
  const std::vector<std::int64_t>& rates() const { return rates_; }

  // Cheapest knobs with every kernel at most `rate` cycles per token and every kernel within one
  // FPGA's budget; nullopt if some role cannot reach the rate.
  std::optional<graph::KnobMap> knobs_for(std::int64_t rate) const;

  // The same for one role: its cheapest knobs with every kernel at most `rate` cycles per token.
  std::optional<graph::RoleKnobs> role_knobs(graph::Role role, std::int64_t rate) const;

  // Why knobs_for(slowest rate) fails: the role whose smallest kernel exceeds one FPGA, with the
  // resource and amounts; empty when every role fits.
  std::string oversized_role() const;

 private:
  struct Option {
    graph::Knobs knobs;
    std::int64_t cycles = 0;
    double score = 0;
  };
  struct RoleShape {
    graph::Role role;
    int partition;
    graph::Kernel kernel;                     // layer-0 part-0 kernel at the published knobs
    std::vector<std::vector<Option>> stages;  // per stage, the options
  };

  double score(const Resources& r) const;

  model::ModelConfig config_;
  hw::Device device_;
  Resources budget_;
  std::vector<RoleShape> shapes_;  // per role, per partition candidate
  std::vector<std::int64_t> rates_;
};

}  // namespace atl::map
