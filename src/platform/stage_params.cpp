#include "platform/stage_params.h"

#include <fmt/format.h>

#include "core/error.h"
#include "graph/arch_ibert.h"
#include "model/encoder.h"

namespace atl::platform {
namespace {

using graph::Role;
using graph::StageType;

// The weights a role's stages draw on (null: the role has no such stage) and the output
// channels its tensor-parallel parts divide.
struct RoleTables {
  const model::Linear* linear = nullptr;
  const kernels::QuantActParams* act = nullptr;  // its quant_act stage
  const kernels::GeluParams* gelu = nullptr;
  const kernels::SoftmaxParams* softmax = nullptr;
  const kernels::QuantActParams* identity = nullptr;  // its residual_act stage (m1, e1)
  const kernels::LayerNormParams* layernorm = nullptr;
  bool per_head = false;  // attention_matmul / softmax_matmul on one head
  std::int64_t rows = 1;
};

RoleTables tables(Role role, const model::LayerWeights& l, const model::ModelConfig& c) {
  if (role.architecture != model::Architecture::ibert_encoder) return {};
  switch (role.index) {
    case graph::ibert::q.index:
      return {.linear = &l.q, .act = &l.act_q, .rows = c.hidden};
    case graph::ibert::k.index:
      return {.linear = &l.k, .act = &l.act_k, .rows = c.hidden};
    case graph::ibert::v.index:
      return {.linear = &l.v, .act = &l.act_v, .rows = c.hidden};
    case graph::ibert::attention.index:
      return {.softmax = &l.softmax, .per_head = true};
    case graph::ibert::context.index:
      return {.act = &l.act_out, .per_head = true};
    case graph::ibert::out_proj
        .index:  // self_output/act_linear (m, e): the requantised output to int32
      return {.linear = &l.out, .act = &l.res_attn.main, .rows = c.hidden};
    case graph::ibert::ln_attn
        .index:  // self_output/act_linear (m1, e1) on the layer input, LayerNorm 1
      return {.act = &l.act_ln_attn, .identity = &l.res_attn.identity, .layernorm = &l.ln_attn};
    case graph::ibert::ffn1.index:
      return {.linear = &l.ffn1, .act = &l.act_gelu, .gelu = &l.gelu, .rows = c.intermediate};
    case graph::ibert::ffn2.index:  // output/act_linear (m, e)
      return {.linear = &l.ffn2, .act = &l.res_ffn.main, .rows = c.hidden};
    case graph::ibert::ln_ffn.index:  // output/act_linear (m1, e1) on ln_attn's output, LayerNorm 2
      return {.act = &l.act_ln_ffn, .identity = &l.res_ffn.identity, .layernorm = &l.ln_ffn};
    case graph::ibert::source.index:
    case graph::ibert::sink.index:
      break;
  }
  return {};
}

// stage_params, or with `raw_linear` a linear stage's weights unprepared into *raw_linear.
StageParams resolve(const graph::Kernel& kernel, std::size_t index,
                    const model::EncoderWeights& weights, model::Linear* raw_linear) {
  if (index >= kernel.stages.size()) {
    throw core::Error(core::ErrorKind::internal,
                      fmt::format("kernel '{}': no stage {}", kernel.name, index));
  }
  const StageType type = kernel.stages[index].type;
  if (kernel.layer < 0 || kernel.layer >= static_cast<int>(weights.layers.size())) {
    throw core::Error(fmt::format("kernel '{}': layer {} but the weights hold {} layers",
                                  kernel.name, kernel.layer, weights.layers.size()));
  }
  const model::ModelConfig& c = weights.config;
  const RoleTables t =
      tables(kernel.role, weights.layers[static_cast<std::size_t>(kernel.layer)], c);
  if (kernel.parts < 1 || kernel.part < 0 || kernel.part >= kernel.parts ||
      t.rows % kernel.parts != 0) {
    throw core::Error(fmt::format("kernel '{}': part {} of {} does not divide its {} output rows",
                                  kernel.name, kernel.part, kernel.parts, t.rows));
  }
  const bool split = kernel.parts > 1;
  const std::int64_t n = t.rows / kernel.parts;
  const model::Channels channels{kernel.part * n, (kernel.part + 1) * n};
  auto missing = [&] {
    return core::Error(fmt::format("kernel '{}': a {} kernel has no {} stage", kernel.name,
                                   graph::to_string(kernel.role), graph::to_string(type)));
  };
  auto need = [&](const auto* table) -> const auto& {
    if (table == nullptr) throw missing();
    return *table;
  };
  switch (type) {
    case StageType::linear: {
      const model::Linear& lin = need(t.linear);
      if (raw_linear != nullptr) {
        *raw_linear = split ? lin.rows(channels.begin, channels.end) : lin;
        return std::monostate{};
      }
      if (!split) return kernels::LinearPlan(lin.weight, lin.bias);
      const model::Linear part = lin.rows(channels.begin, channels.end);
      return kernels::LinearPlan(part.weight, part.bias);
    }
    case StageType::quant_act:
      return split ? model::slice(need(t.act), channels) : need(t.act);
    case StageType::residual_act:
      return need(t.identity);
    case StageType::attention_matmul:
    case StageType::softmax_matmul:
      if (!t.per_head) throw missing();
      if (kernel.head < 0 || kernel.head >= c.heads) {
        throw core::Error(fmt::format("kernel '{}': head {} outside 0..{}", kernel.name,
                                      kernel.head, c.heads - 1));
      }
      return kernels::AttentionPlan(1, c.head_dim());
    case StageType::softmax:
      return need(t.softmax);
    case StageType::gelu:
      return split ? model::slice(need(t.gelu), channels) : need(t.gelu);
    case StageType::layernorm:
      return need(t.layernorm);
    case StageType::concat:
      return std::monostate{};
    case StageType::embedding:
    case StageType::rmsnorm:
    case StageType::decoder_layernorm:
    case StageType::w8a8_linear:
    case StageType::rope:
    case StageType::decoder_attention:
    case StageType::swiglu:
    case StageType::decoder_gelu:
    case StageType::residual_add:
    case StageType::w8a8_partial:
    case StageType::w8a8_reduce:
    case StageType::top1:
    case StageType::argmax:
      throw core::Error(core::ErrorKind::unsupported,
                        fmt::format("kernel '{}': {} is a decoder stage; the software nodes run "
                                    "encoder plans only",
                                    kernel.name, graph::to_string(type)));
  }
  throw core::Error(core::ErrorKind::internal,
                    fmt::format("kernel '{}': unknown stage type", kernel.name));
}

}  // namespace

StageParams stage_params(const graph::Kernel& kernel, std::size_t index,
                         const model::EncoderWeights& weights) {
  return resolve(kernel, index, weights, nullptr);
}

model::Linear stage_linear(const graph::Kernel& kernel, std::size_t index,
                           const model::EncoderWeights& weights) {
  if (index < kernel.stages.size() && kernel.stages[index].type != graph::StageType::linear) {
    throw core::Error(core::ErrorKind::internal,
                      fmt::format("kernel '{}': stage {} is no linear", kernel.name, index));
  }
  model::Linear raw;
  resolve(kernel, index, weights, &raw);
  return raw;
}

}  // namespace atl::platform
