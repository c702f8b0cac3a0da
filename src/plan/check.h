// The meaning of a plan. A plan that is well formed (plan::validate's structural checks) can
// still describe a computation other than the I-BERT encoder its header names: a kernel's role
// edited, a stream re-pointed, more layers declared than there are kernels, or a Galapagos
// numbering that routes a kernel's inputs elsewhere. The software nodes would run such a plan
// to a different answer without noticing, so it is refused here instead.
#pragma once

#include <cstdint>
#include <string>

#include "plan/plan.h"

namespace atl::plan {

// The largest model dimension a plan may hold: products of two stay within 64 bits and a row
// count fits the 32-bit counters of the packet protocol.
inline constexpr std::int64_t kMaxDimension = (std::int64_t{1} << 31) - 1;

// Throws core::Error naming `where` (the plan file), the JSON path (e.g. graph.kernels[17].role),
// the value found and the one expected unless
// - the model shape (graph.layers, hidden, heads, intermediate, seq_len) is one the encoder
//   builder accepts: each positive and at most kMaxDimension, hidden a multiple of heads;
// - the graph's kernels and streams equal, in order, what graph::build_graph (the builder of the
//   graph's architecture) makes from that shape and the knobs of the layer-0 kernels
//   (graph::model_config, graph::knobs_of);
// - the Galapagos numbering, when the plan has one, equals number_galapagos of the graph, its
//   grouping and the placement (the error names the first field that differs).
// The shape is checked and the kernel count compared before anything is built, so a huge
// graph.layers or heads costs nothing.
void check_meaning(const Plan& plan, const std::string& where);

// Throws core::Error of ErrorKind::unsupported, one line naming `what` (e.g. "atoll run") and the
// plan's model and architecture, unless the plan is an encoder's: decoder plans are mapped,
// estimated and run on software nodes (platform/decoder_run.h), not yet simulated or built.
void require_encoder(const Plan& plan, const std::string& what);

}  // namespace atl::plan
