// What each task of the software nodes receives and sends, derived once from the plan's
// Galapagos numbering (plan/galapagos.h): the software form of Cluster Builder's per-kernel
// source and destination IDs (reference-system.md §1.8).
//
// One task per Galapagos kernel that handles data: every compute kernel (its graph kernel's
// stages), every virtual kernel (inside kernel 0), bypass kernel and comm kernel (their CommOp),
// plus the host's two ends: the feed, which sends the input to layer 0's input virtual kernel,
// and the drain, which receives what the last layer sends to the host. Kernel 0 itself is no
// task: its PacketDecoder runs in the router (router.h).
//
// Input side: a task reads one message per source, telling them apart by TID as Cluster
// Builder's arbiter does (sources[i] feeds input port i of a compute kernel; a gather
// concatenates them in source order). Output side: every dest gets the whole row, except from a
// scatter (chunk i to dest i) or a forward (source i's message to dest i); comm_kernel.h. A dest
// in another cluster is reached through its kernel 0 (gmi_skew.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "platform/flit.h"
#include "platform/routing.h"

namespace atl::platform {

enum class TaskKind {
  compute,  // a compute kernel: its graph kernel's stages
  comm,     // a virtual, bypass or comm kernel: its CommOp
  feed,     // the host's input end
  drain,    // the host's output end
};

struct Source {
  plan::GalapagosAddress from;
  std::uint32_t tid = 0;  // the TID its packets carry (0 from the host)
  std::size_t row_bytes = 0;
};

struct Dest {
  plan::GalapagosAddress to;
  std::size_t bytes = 0;  // of every row it receives (a scatter's chunk, or the whole row)
};

struct TaskPorts {
  plan::GalapagosAddress address;  // feed: {kHost, 0}; drain: the host address the output has
  TaskKind kind = TaskKind::compute;
  plan::CommOp op = plan::CommOp::forward;  // comm tasks
  int graph_kernel = -1;                    // compute tasks
  int node = -1;
  std::string name;  // "l0.q", "comm kernel 34 (scatter) of Galapagos cluster 0", "the host"
  std::vector<Source> sources;  // the kernels sending to it, in the order the numbering lists them
  std::vector<Dest> dests;      // in the numbering's order
  std::size_t out_row_bytes = 0;
};

struct Wiring {
  std::vector<TaskPorts> tasks;  // the numbering's kernels in cluster and ID order, then the
                                 // feed and the drain
  RoutingTable routes;
  std::uint32_t max_rows = 0;  // rows a message may carry (the sequence length)
};

// Wiring of `numbering` for `plan`'s graph, rows of `tokens` tokens (attention probabilities
// have one byte per token). The host's ends sit where the graph's source and sink kernels are
// placed. Throws core::Error naming the kernel when the numbering does not fit together (a dest
// that is no kernel, a compute kernel whose first listed source does not send to it or whose
// sources' rows are not what its graph kernel's input ports take, two sources with one TID,
// scatter rows that do not split evenly) or does not say where the input enters or the output
// leaves.
Wiring wire(const plan::Plan& plan, const plan::Galapagos& numbering, std::int64_t tokens);

}  // namespace atl::platform
