// Cluster Builder's eight sub-layers of one encoder layer (reference-system.md §1.8): the groups
// of the ibert-encoder roles (graph/arch_ibert.cpp), and the grouping of them into Galapagos
// clusters ("cluster" in config.json). A grouping decides the Galapagos kernel IDs
// (plan/galapagos.h): each group is one Galapagos cluster per encoder layer.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace atl::graph {

enum class Sublayer {
  attention_0,            // q, k, v linears (partition x 3 kernels, + a bypass kernel)
  attention_1,            // attention heads: Q.K^T + softmax
  attention_2,            // context heads: P.V + quant_act
  attention_output_0,     // out_proj (partition kernels)
  attention_output_1,     // ln_attn: residual + LayerNorm
  intermediate_0,         // ffn1 (partition kernels, + a bypass kernel)
  intermediate_output_0,  // ffn2 (partition kernels)
  intermediate_output_1,  // ln_ffn: residual + LayerNorm
};

// Sub-layers in data-flow order (attention_0 .. intermediate_output_1).
const std::vector<Sublayer>& all_sublayers();

// Cluster Builder's names ("attention_0", ...) and back; errors name `where` and the choices.
std::string to_string(Sublayer s);
Sublayer sublayer_from_string(const std::string& s, const std::string& where);

// The sub-layer an I-BERT compute role belongs to (its RoleInfo::group); throws core::Error for
// source and sink and for the roles of other architectures.
Sublayer sublayer_of(Role role);

// Groups of sub-layers, one Galapagos cluster each (the same grouping for every encoder layer).
using Grouping = std::vector<std::vector<Sublayer>>;

// All eight sub-layers in one cluster: the published config.json's grouping.
Grouping single_cluster_grouping();

// Throws core::Error naming `where` unless `grouping` is a partition of the eight sub-layers:
// no empty group, every sub-layer exactly once.
void validate(const Grouping& grouping, const std::string& where);

}  // namespace atl::graph
