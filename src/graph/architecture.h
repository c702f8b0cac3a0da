// The architecture registry (the llama.cpp way): one builder per architecture, each in its own
// file (arch_ibert.cpp, arch_llama.cpp, arch_gpt2.cpp) over the shared building blocks of
// graph/blocks.h. A builder offers what the rest of atoll needs to know about a model family:
//   - its roles: the labels of its kernels (table index = Role::index), each with its stage
//     list, input ports, the output dimension a tensor-parallel partition splits, whether it is
//     one kernel per head, and the sub-layer (Galapagos group) it belongs to;
//   - default knobs, a map keyed by role;
//   - build(config, knobs) -> Graph and the kernel count of that graph without building it.
// The mapper (map/) reads the roles and split dimensions from here and asks the builder for the
// graph; nothing outside a builder file lists an architecture's roles. docs/architecture.md says
// how to add one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "model/config.h"

namespace atl::graph {

// Knobs of every kernel of one role (all layers share them, as in Cluster Builder).
struct RoleKnobs {
  // Tensor-parallel kernels: a role that splits (RoleInfo::split) divides its output rows into
  // `partition` slices; the others are always 1 (heads already give attention its parallelism).
  int partition = 1;
  // One entry per stage of the role's kernels, in pipeline order (see stage_types(role)).
  std::vector<Knobs> stages;
  friend bool operator==(const RoleKnobs&, const RoleKnobs&) = default;
};

// The knobs of all compute roles of a model, keyed by role.
struct KnobMap {
  std::map<Role, RoleKnobs> roles;
  // The knobs of a role; throws core::Error naming the role when the map has none for it.
  RoleKnobs& operator[](Role role);
  const RoleKnobs& operator[](Role role) const;
  friend bool operator==(const KnobMap&, const KnobMap&) = default;
};

// The output dimension a role's partition splits (its output rows).
enum class Split {
  none,          // not split (per-head kernels, norms, endpoints)
  hidden,        // model width
  intermediate,  // FFN width
  kv,            // kv_heads * head_dim (grouped-query K/V projections)
  vocab,         // vocabulary (LM head)
};

struct RoleInfo {
  std::string name;               // label in plans and messages, e.g. "q", "ln_attn"
  std::vector<StageType> stages;  // the pipeline of its kernels
  int ports = 1;                  // inputs read: port 0, and port 1 (second operand / residual)
  Split split = Split::none;
  bool whole_heads = false;  // a partition must divide the heads (each head from one slice)
  bool per_head = false;     // one kernel per attention head
  int group = -1;            // index into Builder::groups; -1 for source and sink
};

struct Builder {
  model::Architecture architecture = model::Architecture::ibert_encoder;
  std::vector<RoleInfo> roles;  // [0] source, [1] sink, then the compute roles in data-flow order
  std::vector<std::string> groups;  // sub-layers (I-BERT: Cluster Builder's eight)
  KnobMap default_knobs;
  // Builds the graph of `config` (of this architecture) with validated `knobs`.
  Graph (*build)(const model::ModelConfig& config, const KnobMap& knobs) = nullptr;
  // The number of kernels build makes, computed without building; -1 past 64 bits.
  std::int64_t (*kernel_count)(const model::ModelConfig& config, const KnobMap& knobs) = nullptr;
};

// The registry: the builder of an architecture (a switch in this one function).
const Builder& builder(model::Architecture architecture);

// The table entry of a role; throws core::Error when its index is outside its table.
const RoleInfo& role_info(Role role);

// The compute roles of an architecture (all but source and sink) in data-flow order.
std::vector<Role> compute_roles(model::Architecture architecture);

// The stage pipeline of a role's kernels, e.g. I-BERT ffn1 -> {linear, gelu, quant_act}. This
// list is what cost/ costs and what a software node runs (platform/stage_pipeline.h).
const std::vector<StageType>& stage_types(Role role);

// The output rows a partition of `role` divides for `config` (0 when the role does not split).
std::int64_t split_rows(Role role, const model::ModelConfig& config);

// Throws core::Error naming the role and knob unless the knobs fit the model: one entry per
// compute role of its architecture, stage counts match, knobs are positive, partition divides
// the rows it splits (and the heads for whole-head roles), non-splitting roles have 1.
void validate(const KnobMap& knobs, const model::ModelConfig& config);

// The graph of `config` through its architecture's builder: validates the knobs (and the
// result). Without knobs: the builder's defaults.
Graph build_graph(const model::ModelConfig& config, const KnobMap& knobs);
Graph build_graph(const model::ModelConfig& config);

// The number of kernels build_graph makes (knobs validated), -1 if it would not fit 64 bits.
// Lets a reader compare a file's kernel count before building anything.
std::int64_t kernel_count(const model::ModelConfig& config, const KnobMap& knobs);

// Reads the knobs back from a built graph: each compute role's first kernel in layer 0 (or
// outside the layers); throws core::Error naming the role when it has none.
KnobMap knobs_of(const Graph& graph);

// The model shape a graph was built for (name, architecture, layers, widths, seq_len): what is
// needed to re-create a synthetic encoder from a plan alone.
model::ModelConfig model_config(const Graph& graph);

}  // namespace atl::graph
