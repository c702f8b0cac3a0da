// What each kernel of a plan receives and sends, derived once from the graph: the software form
// of the Cluster Builder's per-kernel source/destination IDs (reference-system.md §1.8).
//
// Input side: every consumer port has one or more sources. Several sources on one port are a
// GMI gather (rows concatenated in source-ID order) or, for Pattern::reduce, a lane-wise sum.
// Output side: every stream of a producer is a child. A child that takes the producer's whole row
// gets a copy (bcast, serial replay); a child that takes part of it gets the next chunk of the
// row (scatter: consecutive chunks in stream order, like GMI's chunk k -> child k).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "platform/flit.h"
#include "platform/gmi.h"

namespace atl::platform {

struct Source {
  int kernel = -1;       // graph kernel index of the producer
  std::uint32_t id = 0;  // its kernel ID (the TID of its packets)
  std::size_t row_bytes = 0;
};

struct InPort {
  std::vector<Source> sources;    // in source-ID order
  bool reduce = false;            // lane-wise sum instead of concatenation
  Lanes lanes = Lanes::i8;        // reduce: int32 lanes when the sources send int32
  std::size_t row_bytes() const;  // bytes of one assembled row
};

struct KernelPorts {
  int kernel = -1;
  std::uint32_t id = 0;
  int node = -1;
  std::vector<InPort> inputs;      // by port number
  std::vector<Chunk> children;     // in stream order: what each consumer takes of a row
  std::vector<int> child_kernels;  // graph kernel index of each child
  std::size_t out_row_bytes = 0;
};

struct Wiring {
  IdWidth id_width = IdWidth::galapagos8;
  std::vector<KernelPorts> kernels;  // by graph kernel index
  std::vector<int> node_of_id;       // routing table: kernel ID -> node (-1: none)
  std::uint32_t max_rows = 0;        // rows a message may carry (the sequence length)
};

IdWidth id_width(const plan::Plan& plan);

// Row sizes assume `tokens` rows per message: attention probabilities have one byte per key
// column, so their rows are `tokens` bytes, whatever the graph's seq_len. Throws core::Error
// naming the kernel when the streams do not fit together (scatter chunks overrunning the row,
// gather sources whose rows do not add up, mixed row sizes on a reduce).
Wiring wire(const plan::Plan& plan, std::int64_t tokens);

}  // namespace atl::platform
