// The application description: a transformer as a graph of hardware kernels joined by streams.
//
// A Kernel is one Galapagos kernel (one kernel ID, one place on one FPGA): a short dataflow
// pipeline of Stages, exactly like one sub-layer entry of the Cluster Builder config.json
// (e.g. the FFN1 kernel = linear -> gelu -> quant_act). A Stream carries rows (one packet per
// token row) from a producer to a consumer with a communication pattern (GMI collective).
//
// A kernel's stage list is the one executable description of what it computes: the cost model
// has one formula per StageType (cost/), and a software node runs the stages in order, each by
// its one kernel function (platform/stage.h). Roles name the kernel's place in its architecture
// (graph/architecture.h), which fixes its stage list (graph::stage_types) and where each stage's
// parameters come from in the weights (platform/stage_params.h), without string matching.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/npy.h"
#include "model/config.h"

namespace atl::graph {

enum class StageType {
  linear,            // int8 x int8 -> int32 + bias, M x K weights stationary on chip
  quant_act,         // per-channel dyadic requantisation int32 -> int8 (int32 when out_bits > 8)
  residual_act,      // IdentityQuantAct + IdentityAdd: the int32 main input (already requantised
                     // by the producer's quant_act) + the int8 residual (port 1) requantised
                     // -> int32 (golden act_linear: output = output0 + output1)
  attention_matmul,  // per head Q.K^T -> int32 scores
  softmax,           // I-BERT integer softmax -> uint8-ish probabilities
  softmax_matmul,    // per head P.V -> int32
  concat,            // heads concatenated in head order (GMI gather)
  gelu,              // I-BERT integer GELU
  layernorm,         // I-BERT integer LayerNorm
  // Decoder stages (kernels/ decoder headers; activations int32 fixed point, docs/decoders.md):
  embedding,          // token id -> its embedding row (m channels of a k-row table; GPT-2 adds
                      // the learned position row)
  rmsnorm,            // integer RMSNorm (kernels/rmsnorm.h)
  decoder_layernorm,  // integer LayerNorm of the decoders (kernels/rmsnorm.h, mean-centred)
  w8a8_linear,        // per-token int8 quantisation + int8 x int8 linear + per-channel rescale
                      // (kernels/w8a8.h), m x k
  rope,               // rotary position embedding of m channels from a table of k (cos, sin)
                      // pairs: seq_len positions x head_dim / 2 (kernels/rope.h)
  decoder_attention,  // one query head over the int8 KV cache: scores, causal i-exp softmax,
                      // P.V (kernels/decoder_attention.h); m positions, k head_dim
  swiglu,             // silu(gate) * up of m channels (kernels/swiglu.h)
  decoder_gelu,       // integer GELU on int32 fixed point (kernels/decoder_gelu.h)
  residual_add,       // main input + residual (port 1), int32 saturating
  // Tensor parallelism of the decoders (docs/decoders.md, "On the cluster"):
  w8a8_partial,  // a linear split by input rows: its k input channels quantised at the scale of
                 // the whole row (the max |x| of every part arrives on port 1), times its k
                 // columns of the m x K weights -> m int32 partial accumulators (+ the row's
                 // max |x|, for the requantisation)
  w8a8_reduce,   // the sum of k parts' partial accumulators, then the per-channel rescale and
                 // bias of the linear's m channels (the requantisation of kernels/w8a8.h)
  top1,          // an LM head slice's (largest logit, its vocabulary index) of m logits
  argmax,        // greedy token: the first largest of k (logit, index) pairs (kernels/argmax.h:
                 // the lowest index on ties)
};

// Parallelism knobs (Cluster Builder names): linear MAC/cycle = tile * pe * 64 (two int8 MACs
// packed per DSP48E2); other stages process `unroll` channels per cycle; attention kernels use
// `pe` (2 = one 64-wide packed PE). `aie` > 0 puts a linear or attention matmul stage on that
// many AI Engine tiles instead of DSPs (Versal AI Core boards; docs/cost-model.md "AI Engines");
// tile, pe and unroll then stay 1. It changes where the stage runs, never its integers.
struct Knobs {
  int tile = 1;
  int pe = 1;
  int unroll = 1;
  int aie = 0;
  friend bool operator==(const Knobs&, const Knobs&) = default;
};

struct Stage {
  StageType type = StageType::linear;
  std::int64_t m = 0;  // linear: output rows M; attention: key columns; others: channels
  std::int64_t k = 0;  // linear: input width K; attention/softmax_matmul: head_dim;
                       // residual_act: identity rows it must hold (seq_len), see cost-model.md;
                       // embedding: table rows; rope: table pairs
  Knobs knobs;
  friend bool operator==(const Stage&, const Stage&) = default;
};

// A kernel's role: its label in its architecture's role table (graph/architecture.h), which
// fixes the kernel's stage list, input ports, how it splits and which sub-layer it belongs to.
// Every architecture's table starts with the two host endpoints: index 0 source (injects the
// input), 1 sink (collects the output). Each builder names its own labels as constants (e.g.
// graph::ibert::q in arch_ibert.h); there is no global list of roles.
struct Role {
  model::Architecture architecture = model::Architecture::ibert_encoder;
  int index = 0;
  friend auto operator<=>(const Role&, const Role&) = default;
};

inline constexpr int kSourceRole = 0;
inline constexpr int kSinkRole = 1;
constexpr bool is_source(Role r) {
  return r.index == kSourceRole;
}
constexpr bool is_sink(Role r) {
  return r.index == kSinkRole;
}
// Source or sink: host endpoints that compute nothing and cost nothing.
constexpr bool is_endpoint(Role r) {
  return is_source(r) || is_sink(r);
}

struct Kernel {
  std::string name;  // unique, e.g. "l0.q", "l0.h3.attn", "l0.ffn1.p1"
  Role role;         // source unless set
  int layer = -1;    // layer, -1 for source/sink and the per-model kernels of a decoder
  int head = -1;     // attention/context kernels: head index
  int part = 0;      // tensor-parallel slice of a linear (output rows), 0..parts-1
  int parts = 1;
  std::vector<Stage> stages;
  core::DType out_dtype = core::DType::i8;
  std::int64_t out_bytes_per_token = 0;  // bytes of one output row
  friend bool operator==(const Kernel&, const Kernel&) = default;
};

enum class Pattern {
  send,     // point to point, whole rows
  bcast,    // every consumer gets every row (serial replay in GMI)
  scatter,  // each row cut into per-consumer chunks (per head)
  gather,   // rows concatenated from several producers in source order
  reduce,   // element-wise sum of several producers' rows
};

struct Stream {
  int producer = -1;  // index into Graph::kernels
  int consumer = -1;
  Pattern pattern = Pattern::send;
  std::int64_t bytes_per_token = 0;  // payload this stream carries per token row
  int port = 0;  // consumer input: 0 main; 1 second operand (K for attention, V for context,
                 // residual identity for ln_*)
  // Where the stream's bytes start in the producer's output row (decoders: a slice of it; the
  // encoder's streams say 0). A consumer port's input is its streams' bytes concatenated in
  // stream order.
  std::int64_t offset = 0;
  friend bool operator==(const Stream&, const Stream&) = default;
};

struct Graph {
  std::string model;                                                      // model name
  model::Architecture architecture = model::Architecture::ibert_encoder;  // of every kernel role
  std::int64_t seq_len = 0;                                               // tokens per sequence
  std::int64_t hidden = 0, heads = 0, intermediate = 0, layers = 0;
  std::int64_t kv_heads = 0, vocab = 0;  // decoders only (0 for an encoder)
  std::vector<Kernel> kernels;
  std::vector<Stream> streams;
  friend bool operator==(const Graph&, const Graph&) = default;
};

std::string to_string(StageType t);
std::string to_string(Role r);  // its label, e.g. "q", "attention", "ln_attn"
std::string to_string(Pattern p);

// Parsing of the names above; throw core::Error naming `where` and the known names.
StageType stage_type_from_string(const std::string& s, const std::string& where);
Role role_from_string(model::Architecture architecture, const std::string& s,
                      const std::string& where);
Pattern pattern_from_string(const std::string& s, const std::string& where);

// Throws core::Error unless the graph is well formed: unique kernel names, stream ends that are
// kernel indices, no dangling ports (every stream lands on a port its consumer has, every
// non-source kernel is fed on port 0 and every non-sink kernel feeds someone), positive bytes,
// and no cycles (the message names the kernels on the cycle).
void validate(const Graph& graph);

// Kernel indices in a topological order (producers before consumers); throws on a cycle.
std::vector<int> topological_order(const Graph& graph);

}  // namespace atl::graph
