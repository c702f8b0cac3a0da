// What a software node sends on every kind of stream of the I-BERT encoder equals what the seed
// hardware's kernel sends there: the golden file at that kernel boundary (layers 0 and 1,
// reference-system.md §2.3-2.4). Each case runs the producing kernel as a node does (its
// StagePipeline on assembled input messages made from golden inputs, 41 valid tokens of 128),
// cuts the output into the stream's packets with the plan's wiring (chunk_packets), reassembles
// them as the consumer's reader does (MessageReader, gather) and compares with the golden file.
// The golden set lacks the FFN linears' weights, so ffn1 and ffn2 run the stages after their
// linear from the golden linear output.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "core/npy.h"
#include "graph/arch_ibert.h"
#include "plans.h"
#include "platform/comm_kernel.h"
#include "platform/gmi_skew.h"
#include "platform/ports.h"
#include "platform/stage_params.h"
#include "platform/stage_pipeline.h"

namespace atl::platform {
namespace {

namespace ibert = graph::ibert;

namespace fs = std::filesystem;
using graph::Role;
using I8 = core::Tensor<std::int8_t>;
using U8 = core::Tensor<std::uint8_t>;
using I32 = core::Tensor<std::int32_t>;

const fs::path kGolden = fs::path(ATOLL_GOLDEN_DIR) / "encoder";
constexpr std::uint32_t kValidTokens = 41;  // the golden sequence: 41 tokens padded to 128

template <class T>
core::Tensor<T> golden(const fs::path& file) {
  return core::read_npy<T>(file.string() + ".npy");
}

template <class T>
std::vector<T> table(const fs::path& file) {
  return golden<T>(file).values();
}

kernels::QuantActParams act(const fs::path& dir, int bits, const char* m = "m",
                            const char* e = "e") {
  return {table<std::int64_t>(dir / m), table<int>(dir / e), bits};
}

// The golden parameters of one layer; the FFN linears keep only their biases (the weights are
// not in the golden set).
model::LayerWeights golden_layer(const fs::path& L) {
  const fs::path sa = L / "self_attention", so = L / "self_output", in = L / "intermediate",
                 ou = L / "output";
  auto linear = [](const fs::path& d) {
    return model::Linear{golden<std::int8_t>(d / "weight_integer"),
                         table<std::int32_t>(d / "bias_integer")};
  };
  model::LayerWeights l;
  l.q = linear(sa / "linear_q");
  l.k = linear(sa / "linear_k");
  l.v = linear(sa / "linear_v");
  l.act_q = act(sa / "act_q", 8);
  l.act_k = act(sa / "act_k", 8);
  l.act_v = act(sa / "act_v", 8);
  const fs::path sm = sa / "softmax";
  l.softmax = {table<std::int64_t>(sm / "x0")[0], table<std::int64_t>(sm / "b")[0],
               table<std::int64_t>(sm / "c")[0],  table<int>(sm / "const")[0],
               table<std::int64_t>(sm / "m")[0],  table<int>(sm / "e")[0]};
  l.act_out = act(sa / "act_out", 8);
  l.out = linear(so / "linear");
  l.res_attn = {act(so / "act_linear", 32), act(so / "act_linear", 32, "m1", "e1")};
  l.ln_attn = {table<int>(so / "layernorm" / "shift")[0],
               table<std::int64_t>(so / "layernorm" / "bias")};
  l.act_ln_attn = act(so / "act_layernorm", 8);
  l.gelu = {table<std::int64_t>(in / "gelu" / "b"), table<std::int64_t>(in / "gelu" / "c"),
            table<std::int64_t>(in / "gelu" / "shift"), table<int>(in / "gelu" / "const")[0]};
  l.act_gelu = act(in / "act", 8);
  l.res_ffn = {act(ou / "act_linear", 32), act(ou / "act_linear", 32, "m1", "e1")};
  l.ln_ffn = {table<int>(ou / "layernorm" / "shift")[0],
              table<std::int64_t>(ou / "layernorm" / "bias")};
  l.act_ln_ffn = act(ou / "act_layernorm", 8);
  return l;
}

template <class T>
Message message(const core::Tensor<T>& t) {
  Message m = to_message(t);
  m.header.valid_rows = kValidTokens;
  return m;
}

class StreamGolden : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (!fs::is_directory(kGolden)) GTEST_SKIP() << "golden data not found at " << kGolden;
    model::ModelConfig c;
    c.name = "ibert-golden";
    c.layers = 2;
    c.hidden = 768;
    c.heads = 12;
    c.intermediate = 3072;
    c.seq_len = 128;
    plan_ = testing::place(graph::build_graph(c), 1, [](int) { return 0; });
    wiring_ = wire(plan_, plan_.galapagos, c.seq_len);
    weights_.config = c;
    for (int l = 0; l < 2; ++l)
      weights_.layers.push_back(golden_layer(kGolden / std::to_string(l)));
    layer_ = GetParam();
    dir_ = kGolden / std::to_string(layer_);
  }

  // The kernel of `role` (and `head`) in this layer, or in `layer`; source and sink by role.
  int kernel(Role role, int head = -1, std::optional<int> layer = {}) const {
    const auto& ks = plan_.graph.kernels;
    const bool ends = role == ibert::source || role == ibert::sink;
    for (std::size_t i = 0; i < ks.size(); ++i) {
      if (ks[i].role == role && ks[i].head == head &&
          (ends || ks[i].layer == layer.value_or(layer_))) {
        return static_cast<int>(i);
      }
    }
    ADD_FAILURE() << "no kernel " << graph::to_string(role);
    return 0;
  }

  Message run(int k, const std::vector<Message>& ports) const {
    return StagePipeline(plan_.graph.kernels[static_cast<std::size_t>(k)], weights_).run(ports);
  }

  // Kernel k's stages from `first` on, one by one, on `in` (the FFN kernels after their linear).
  Message run_from(int k, std::size_t first, StageValue in) const {
    const graph::Kernel& kk = plan_.graph.kernels[static_cast<std::size_t>(k)];
    for (std::size_t i = first; i < kk.stages.size(); ++i) {
      in = run_stage(kk.stages[i].type, stage_params(kk, i, weights_), std::move(in), nullptr,
                     kValidTokens, kk.name);
    }
    return std::visit([](const auto& t) { return message(t); }, in);
  }

  // The task of graph kernel k: its compute kernel, or the host's ends for source and sink.
  const TaskPorts& task(int k) const {
    const graph::Role role = plan_.graph.kernels[static_cast<std::size_t>(k)].role;
    for (const TaskPorts& t : wiring_.tasks) {
      if (t.graph_kernel == k || (role == ibert::source && t.kind == TaskKind::feed) ||
          (role == ibert::sink && t.kind == TaskKind::drain)) {
        return t;
      }
    }
    ADD_FAILURE() << "no task for kernel " << k;
    return wiring_.tasks.front();
  }

  const TaskPorts* task_at(plan::GalapagosAddress a) const {
    for (const TaskPorts& t : wiring_.tasks) {
      if (t.kind != TaskKind::feed && t.address == a) return &t;
    }
    return nullptr;
  }

  // The packets `from` sends to `to` for `m` (through kernel 0's skew and decoder when `to` lies
  // in another cluster), reassembled as the receiver does.
  Message hop(const TaskPorts& from, plan::GalapagosAddress to, const Message& m) const {
    MessageReader reader(m.row_bytes, wiring_.max_rows, "stream");
    for (Packet p : pack(m, from.address.id, to.id)) {
      if (to.cluster != from.address.cluster) p = gmi_decode(gmi_skew(p, to), "kernel 0");
      EXPECT_EQ(p.dest, to.id);
      EXPECT_EQ(p.id, from.address.id);
      reader.add(p);
    }
    EXPECT_TRUE(reader.complete());
    return reader.take();
  }

  // What `to` receives when `from` sends `out[d]` to its dest d: packet by packet through the
  // comm kernels between them (a gather passes on this source's part, which the test gathers
  // with the others itself).
  std::optional<Message> follow(const TaskPorts& from, const std::vector<Message>& out,
                                const TaskPorts& to) const {
    for (std::size_t d = 0; d < from.dests.size(); ++d) {
      const TaskPorts* next = task_at(from.dests[d].to);
      if (!next) continue;
      Message got = hop(from, next->address, out[d]);
      if (next == &to) return got;
      if (next->kind != TaskKind::comm) continue;
      std::vector<Message> next_out;
      if (next->op == plan::CommOp::forward) {
        // Source k's message goes to dest k: only this source's dest gets one.
        std::size_t k = 0;
        while (next->sources[k].from != from.address) ++k;
        const TaskPorts* only = task_at(next->dests[k].to);
        if (only == &to) return hop(*next, only->address, got);
        continue;
      }
      if (next->op == plan::CommOp::gather || next->op == plan::CommOp::gather_broadcast) {
        next_out.assign(next->dests.size(), got);
      } else {
        next_out = comm_outputs(next->op, {got}, next->dests.size());
      }
      if (auto r = follow(*next, next_out, to)) return r;
    }
    return std::nullopt;
  }

  template <class T>
  core::Tensor<T> sent(int producer, int consumer, const Message& out) const {
    const TaskPorts& from = task(producer);
    if (auto m = follow(from, std::vector<Message>(from.dests.size(), out), task(consumer))) {
      return to_tensor<T>(*m, "stream");
    }
    ADD_FAILURE() << "no path " << producer << " -> " << consumer;
    return {};
  }

  fs::path head_file(const char* kernel, const char* file, int h) const {
    return dir_ / "self_attention" / kernel / (std::string(file) + "_" + std::to_string(h));
  }

  plan::Plan plan_;
  Wiring wiring_;
  model::EncoderWeights weights_;
  int layer_ = 0;
  fs::path dir_;
};

TEST_P(StreamGolden, QkvToHeadsScatter) {
  const fs::path sa = dir_ / "self_attention";
  const std::vector<Message> in{message(golden<std::int8_t>(sa / "linear_q" / "input"))};
  const Message q = run(kernel(ibert::q), in), k = run(kernel(ibert::k), in),
                v = run(kernel(ibert::v), in);
  EXPECT_EQ(to_tensor<std::int8_t>(q, "q"), golden<std::int8_t>(sa / "act_q" / "output"));
  for (int h = 0; h < 12; ++h) {
    const int attn = kernel(ibert::attention, h), ctx = kernel(ibert::context, h);
    EXPECT_EQ(sent<std::int8_t>(kernel(ibert::q), attn, q),
              golden<std::int8_t>(head_file("attention_matmul", "input_q", h)))
        << "head " << h;
    EXPECT_EQ(sent<std::int8_t>(kernel(ibert::k), attn, k),
              golden<std::int8_t>(head_file("attention_matmul", "input_k", h)))
        << "head " << h;
    EXPECT_EQ(sent<std::int8_t>(kernel(ibert::v), ctx, v),
              golden<std::int8_t>(head_file("softmax_matmul", "input_v", h)))
        << "head " << h;
  }
}

TEST_P(StreamGolden, AttentionToContext) {
  for (int h = 0; h < 12; ++h) {
    const int attn = kernel(ibert::attention, h);
    const Message p =
        run(attn, {message(golden<std::int8_t>(head_file("attention_matmul", "input_q", h))),
                   message(golden<std::int8_t>(head_file("attention_matmul", "input_k", h)))});
    const U8 got = sent<std::uint8_t>(attn, kernel(ibert::context, h), p);
    EXPECT_EQ(got, golden<std::uint8_t>(head_file("softmax", "output", h))) << "head " << h;
    EXPECT_EQ(got, golden<std::uint8_t>(head_file("softmax_matmul", "input_softmax", h)))
        << "head " << h;
  }
}

TEST_P(StreamGolden, HeadsToOutProjGather) {
  const int out_proj = kernel(ibert::out_proj);
  std::vector<Message> pieces;  // the gather's sources, in source order (heads in order)
  for (int h = 0; h < 12; ++h) {
    const int ctx = kernel(ibert::context, h);
    const Message c =
        run(ctx, {message(golden<std::uint8_t>(head_file("softmax_matmul", "input_softmax", h))),
                  message(golden<std::int8_t>(head_file("softmax_matmul", "input_v", h)))});
    pieces.push_back(message(sent<std::int8_t>(ctx, out_proj, c)));
  }
  const I8 gathered = to_tensor<std::int8_t>(gather(pieces), "gather");
  EXPECT_EQ(gathered, golden<std::int8_t>(dir_ / "self_attention" / "act_out" / "output"));
  EXPECT_EQ(gathered, golden<std::int8_t>(dir_ / "self_output" / "linear" / "input"));
}

TEST_P(StreamGolden, OutProjToLayerNormIsTheRequantisedLinear) {
  const fs::path so = dir_ / "self_output";
  const int out_proj = kernel(ibert::out_proj);
  const Message out = run(out_proj, {message(golden<std::int8_t>(so / "linear" / "input"))});
  EXPECT_EQ(out.row_bytes, 768u * 4);  // int32 rows
  EXPECT_EQ(sent<std::int32_t>(out_proj, kernel(ibert::ln_attn), out),
            golden<std::int32_t>(so / "act_linear" / "output0"));
}

TEST_P(StreamGolden, LayerNormAttnToFfn1AndResidual) {
  const fs::path so = dir_ / "self_output";
  const int ln = kernel(ibert::ln_attn);
  const Message out = run(ln, {message(golden<std::int32_t>(so / "act_linear" / "output0")),
                               message(golden<std::int8_t>(so / "act_linear" / "identity"))});
  EXPECT_EQ(sent<std::int8_t>(ln, kernel(ibert::ffn1), out),
            golden<std::int8_t>(dir_ / "intermediate" / "linear" / "input"));
  EXPECT_EQ(sent<std::int8_t>(ln, kernel(ibert::ln_ffn), out),
            golden<std::int8_t>(dir_ / "output" / "act_linear" / "identity"));
}

TEST_P(StreamGolden, ResidualStageAddsTheRequantisedIdentity) {
  // Inside ln_attn / ln_ffn: residual_act of output0 and the identity is the golden sum.
  for (const auto& [role, sub] :
       {std::pair{ibert::ln_attn, "self_output"}, std::pair{ibert::ln_ffn, "output"}}) {
    const fs::path a = dir_ / sub / "act_linear";
    const graph::Kernel& k = plan_.graph.kernels[static_cast<std::size_t>(kernel(role))];
    ASSERT_EQ(k.stages[0].type, graph::StageType::residual_act);
    const StageValue identity = golden<std::int8_t>(a / "identity");
    const StageValue sum =
        run_stage(k.stages[0].type, stage_params(k, 0, weights_),
                  golden<std::int32_t>(a / "output0"), &identity, kValidTokens, k.name);
    EXPECT_EQ(std::get<I32>(sum), golden<std::int32_t>(a / "output")) << sub;
  }
}

TEST_P(StreamGolden, Ffn1ToFfn2) {
  const int ffn1 = kernel(ibert::ffn1);
  const Message out =
      run_from(ffn1, 1, golden<std::int32_t>(dir_ / "intermediate" / "linear" / "output"));
  EXPECT_EQ(sent<std::int8_t>(ffn1, kernel(ibert::ffn2), out),
            golden<std::int8_t>(dir_ / "output" / "linear" / "input"));
}

TEST_P(StreamGolden, Ffn2ToLayerNormIsTheRequantisedLinear) {
  const int ffn2 = kernel(ibert::ffn2);
  const Message out =
      run_from(ffn2, 1, golden<std::int32_t>(dir_ / "output" / "linear" / "output"));
  EXPECT_EQ(out.row_bytes, 768u * 4);
  EXPECT_EQ(sent<std::int32_t>(ffn2, kernel(ibert::ln_ffn), out),
            golden<std::int32_t>(dir_ / "output" / "act_linear" / "output0"));
}

TEST_P(StreamGolden, LayerNormFfnToNextLayer) {
  const fs::path a = dir_ / "output" / "act_linear";
  const int ln = kernel(ibert::ln_ffn);
  const Message out = run(ln, {message(golden<std::int32_t>(a / "output0")),
                               message(golden<std::int8_t>(a / "identity"))});
  const I8 want = golden<std::int8_t>(dir_ / "output" / "act_layernorm" / "output");
  if (layer_ == 0) {
    EXPECT_EQ(sent<std::int8_t>(ln, kernel(ibert::q, -1, 1), out), want);
    EXPECT_EQ(sent<std::int8_t>(ln, kernel(ibert::ln_attn, -1, 1), out),
              golden<std::int8_t>(kGolden / "1" / "self_output" / "act_linear" / "identity"));
    EXPECT_EQ(want, golden<std::int8_t>(kGolden / "1" / "self_attention" / "linear_q" / "input"));
  } else {
    EXPECT_EQ(sent<std::int8_t>(ln, kernel(ibert::sink), out), want);
  }
}

INSTANTIATE_TEST_SUITE_P(Layers, StreamGolden, ::testing::Values(0, 1));

}  // namespace
}  // namespace atl::platform
