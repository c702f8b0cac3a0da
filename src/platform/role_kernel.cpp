#include "platform/role_kernel.h"

#include <fmt/format.h>

#include "core/error.h"

namespace atl::platform {
namespace {

using graph::Role;

// The output channels of part `part` of `parts` of a linear with `rows` outputs.
model::Channels part_channels(std::int64_t rows, int part, int parts) {
  const std::int64_t n = rows / parts;
  return {part * n, (part + 1) * n};
}

}  // namespace

RoleKernel::RoleKernel(const graph::Kernel& kernel, const model::EncoderWeights& weights)
    : kernel_(kernel) {
  if (kernel.role == Role::source || kernel.role == Role::sink) return;
  if (kernel.layer < 0 || kernel.layer >= static_cast<int>(weights.layers.size())) {
    throw core::Error(fmt::format("kernel '{}': layer {} but the weights hold {} layers",
                                  kernel.name, kernel.layer, weights.layers.size()));
  }
  const model::LayerWeights& l = weights.layers[static_cast<std::size_t>(kernel.layer)];
  layer_ = &l;
  auto prepare = [&](const model::Linear& lin, const kernels::QuantActParams* act) {
    const std::int64_t rows = lin.weight.dim(0);
    if (kernel.parts < 1 || rows % kernel.parts != 0) {
      throw core::Error(fmt::format("kernel '{}': {} parts do not divide {} output rows",
                                    kernel.name, kernel.parts, rows));
    }
    const model::Channels c = part_channels(rows, kernel.part, kernel.parts);
    const model::Linear part = kernel.parts == 1 ? lin : lin.rows(c.begin, c.end);
    linear_.emplace(part.weight, part.bias);
    if (act) act_ = kernel.parts == 1 ? *act : model::slice(*act, c);
    return c;
  };
  switch (kernel.role) {
    case Role::q:
      prepare(l.q, &l.act_q);
      break;
    case Role::k:
      prepare(l.k, &l.act_k);
      break;
    case Role::v:
      prepare(l.v, &l.act_v);
      break;
    case Role::out_proj:
      prepare(l.out, nullptr);
      break;
    case Role::ffn1: {
      const model::Channels c = prepare(l.ffn1, &l.act_gelu);
      gelu_ = kernel.parts == 1 ? l.gelu : model::slice(l.gelu, c);
      break;
    }
    case Role::ffn2:
      prepare(l.ffn2, nullptr);
      break;
    case Role::attention:
    case Role::context:
      if (kernel.head < 0 || kernel.head >= weights.config.heads) {
        throw core::Error(fmt::format("kernel '{}': head {} outside 0..{}", kernel.name,
                                      kernel.head, weights.config.heads - 1));
      }
      head_.emplace(1, weights.config.head_dim());
      break;
    case Role::ln_attn:
    case Role::ln_ffn:
    case Role::source:
    case Role::sink:
      break;
  }
}

int RoleKernel::threads() const {
  return kernel_.role == Role::attention || kernel_.role == Role::context ? 1 : 0;
}

Message RoleKernel::run(const std::vector<Message>& ports) const {
  const std::string& name = kernel_.name;
  auto port = [&](std::size_t p) -> const Message& {
    if (p >= ports.size()) {
      throw core::Error(fmt::format("kernel '{}': input port {} missing", name, p));
    }
    return ports[p];
  };
  auto i8 = [&](std::size_t p) { return to_tensor<std::int8_t>(port(p), name); };
  const model::LayerWeights& l = *layer_;
  Message out;
  switch (kernel_.role) {
    case Role::q:
    case Role::k:
    case Role::v:
      out = to_message(model::linear_act(*linear_, act_, i8(0)));
      break;
    case Role::out_proj:
    case Role::ffn2:
      out = to_message(model::linear_only(*linear_, i8(0)));
      break;
    case Role::ffn1:
      out = to_message(model::linear_gelu_act(*linear_, gelu_, act_, i8(0)));
      break;
    case Role::attention:
      out = to_message(
          model::attention_head(*head_, i8(0), i8(1), l.softmax, port(0).header.valid_rows));
      break;
    case Role::context:
      out = to_message(
          model::context_head(*head_, to_tensor<std::uint8_t>(port(0), name), i8(1), l.act_out));
      break;
    case Role::ln_attn:
      out = to_message(model::residual_layernorm(to_tensor<std::int32_t>(port(0), name), i8(1),
                                                 l.res_attn, l.ln_attn, l.act_ln_attn));
      break;
    case Role::ln_ffn:
      out = to_message(model::residual_layernorm(to_tensor<std::int32_t>(port(0), name), i8(1),
                                                 l.res_ffn, l.ln_ffn, l.act_ln_ffn));
      break;
    case Role::source:
    case Role::sink:
      throw core::Error(fmt::format("kernel '{}': {} kernels compute nothing", name,
                                    graph::to_string(kernel_.role)));
  }
  out.header.valid_rows = port(0).header.valid_rows;
  return out;
}

}  // namespace atl::platform
