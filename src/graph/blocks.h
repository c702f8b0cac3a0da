// The shared building blocks of the architecture builders (graph/arch_*.cpp): kernels of a role
// with the role's stage list shaped for the model, tensor-parallel linears, streams that carry
// channel slices, and the GMI pattern of every stream from the graph's fan-in and fan-out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/architecture.h"
#include "graph/graph.h"
#include "model/config.h"

namespace atl::graph {

// A run of output channels [begin, end) of one kernel: how row slices meet across a
// tensor-parallel split (q parts -> heads, ffn1 parts -> ffn2 parts).
struct Slice {
  int kernel;
  std::int64_t begin, end;
};

class GraphBuilder {
 public:
  // A graph of `config`'s shape and architecture with knobs `knobs` (validated by the caller).
  GraphBuilder(const model::ModelConfig& config, const KnobMap& knobs);

  // Adds a kernel; returns its index.
  int add(Kernel kernel);
  // A kernel without stages yet (out_bytes_per_token = rows * dtype size).
  Kernel kernel(std::string name, Role role, int layer, core::DType out, std::int64_t rows) const;

  // The `partition` kernels of a splitting role (knobs[role].partition), each computing
  // rows/partition output channels of a linear of width `width`; named
  // "<prefix><label>[.p<part>]".
  std::vector<Slice> add_linear(const std::string& prefix, int layer, Role role, std::int64_t rows,
                                std::int64_t width, core::DType out);
  // One kernel of a per-head role for head `head`: "<prefix>h<head>.<label>".
  int add_head(const std::string& prefix, int layer, int head, Role role, std::int64_t rows,
               core::DType out);
  // One kernel of a role that is neither split nor per head: "<prefix><label>".
  int add_single(const std::string& prefix, int layer, Role role, std::int64_t rows,
                 std::int64_t width, core::DType out);

  // The role's stages: linears M x K (K = width; a linear before SwiGLU has 2 M: gate and up);
  // an embedding M channels of a K-row table; attention stages span the seq_len key columns of
  // one head of width head_dim; element-wise stages work on the kernel's `rows` channels (RoPE in
  // heads of head_dim); a residual stage holds up to seq_len identity rows.
  std::vector<Stage> stages(Role role, std::int64_t rows, std::int64_t width) const;

  // Feeds channels [lo, hi) of the producers' concatenated output to port `port` of `consumer`;
  // one stream per producer whose slice overlaps, carrying the overlap.
  void feed_slice(const std::vector<Slice>& producers, int consumer, std::int64_t lo,
                  std::int64_t hi, int port, std::int64_t bytes_per_elem);
  // `bytes` of every row of `producer`, from byte `offset` of it, to port `port` of `consumer`.
  void connect(int producer, int consumer, std::int64_t bytes, int port, std::int64_t offset = 0);

  // Assigns every stream's GMI pattern and returns the graph.
  Graph finish() &&;

  const model::ModelConfig& config() const { return c_; }

 private:
  const model::ModelConfig& c_;
  const KnobMap& knobs_;
  Graph g_;
};

// Element size of a dtype in bytes.
std::int64_t elem_bytes(core::DType t);

}  // namespace atl::graph
