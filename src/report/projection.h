// Projection: the same I-BERT models on other boards and cluster sizes, simulated, with energy
// per inference. Three ways to get a plan, from most to least specific:
//   replicated: a plan's own per-layer split repeated for every layer of the full model (one
//               copy of its FPGAs per layer, same knobs) - e.g. the 6-FPGA encoder -> 72 FPGAs;
//   mapped:     the automatic mapper on N boards of the target (knobs and placement searched).
//               report/ does not run the mapper: the CLI maps (cli/projection.cpp) and hands the
//               plan to project_plan;
//   mapped_aie: the same with AI Engines allowed (Versal AI Core boards): each linear and
//               attention matmul on DSPs or AI Engine tiles, whichever the mapper finds cheaper;
//   aie_bound:  an analytic lower bound for AI-Engine boards: every matmul MAC at the array's
//               peak (docs/projection.md), next to the mapped_aie plan.
// Energy per inference = board power x boards used x latency of one sequence (every board at its
// maximum board power for the whole inference: an upper bound, like the GPUs' TDP x latency).
#pragma once

#include <cstdint>
#include <string>

#include "hw/cluster.h"
#include "model/config.h"
#include "plan/plan.h"

namespace atl::report {

enum class Method { replicated, mapped, aie_bound, mapped_aie };
const char* to_string(Method method);  // "replicated" | "mapped" | "aie_bound" | "mapped_aie"
// The inverse of to_string; errors name `where`.
Method parse_method(const std::string& text, const std::string& where);

struct ProjectionRow {
  std::string model;  // "ibert-base", ...
  std::string board;  // catalogue name
  Method method = Method::replicated;
  int fpgas = 0;  // boards holding kernels
  double latency_us = 0;
  double analytic_latency_us = 0;  // the mapper's estimate (0 for aie_bound)
  double throughput_seq_per_s = 0;
  double board_power_w = 0;
  double energy_mj = 0;         // board power x fpgas x latency
  double energy_stream_mj = 0;  // board power x fpgas / throughput (energy per sequence, streaming)
  std::string note;
};

// `plan`'s encoder layers repeated until the graph has `layers` layers: layer l's kernels go on
// the nodes of the plan's layer (l mod plan layers), shifted by (l / plan layers) x the plan's
// node count; the cluster grows by copies of its nodes. Source and sink stay at the ends. Every
// layer is grouped into Galapagos clusters as the plan's layers are (plan.galapagos.grouping).
// Throws core::Error unless the plan is an encoder graph (kernels named l<layer>.<...>), and
// ErrorKind::does_not_fit when a node's kernels exceed its device (cost::check_fits).
plan::Plan replicate_layers(const plan::Plan& plan, std::int64_t layers);

// Energy fields of a row from its latency, throughput, power and fpgas.
void fill_energy(ProjectionRow& row);

// Simulates `plan` (`sequences` back to back) into a row.
ProjectionRow project_plan(const plan::Plan& plan, Method method, std::int64_t sequences);

// `fpgas` copies of `board` named fpga0, fpga1, ... joined by `network`: the cluster of a mapped
// projection.
hw::Cluster board_cluster(const hw::Device& board, int fpgas, const hw::Network& network);

// Lower bound on AI Engines: every linear and attention MAC at the AIE array's peak
// (tiles x MACs per tile per cycle x AIE clock) on `fpgas` boards in a layer pipeline, plus one
// network hop per layer boundary, and throughput = 1 / (model MACs / (fpgas x peak)).
ProjectionRow project_aie_bound(const model::ModelConfig& config, const hw::Device& board,
                                int fpgas, const hw::Network& network);

}  // namespace atl::report
