#include "codegen/weights_hpp.h"

#include <fmt/format.h>

#include <variant>
#include <vector>

#include "codegen/c_array.h"
#include "codegen/ip.h"
#include "platform/stage_params.h"

namespace atl::codegen {
namespace {

std::vector<std::int64_t> widen(const auto& values) {
  return std::vector<std::int64_t>(values.begin(), values.end());
}

// A struct's members (declarations) and the definitions of its arrays.
struct Tables {
  std::string owner;  // the struct's name
  std::string members = {}, definitions = {};

  void scalar(const std::string& type, const std::string& name, std::int64_t value) {
    members += fmt::format("  static const {} {} = {};\n", type, name, value);
  }
  void array(const std::string& type, const std::string& name,
             std::span<const std::int64_t> values) {
    members += fmt::format("  static const {} {}[];\n", type, name);
    definitions += int_array(type, owner + "::" + name, values);
  }
  // A QuantAct's m, e, count (1 or per channel) and out_bits, as <prefix>_m ...
  void quant_act(const std::string& prefix, const kernels::QuantActParams& q) {
    array("std::int64_t", prefix + "_m", q.m);
    array("int", prefix + "_e", widen(q.e));
    scalar("int", prefix + "_count", static_cast<std::int64_t>(q.m.size()));
    scalar("int", prefix + "_out_bits", q.out_bits);
  }
};

void stage_tables(const graph::Kernel& g, std::size_t i, const model::EncoderWeights& weights,
                  Tables& t) {
  const graph::Stage& st = g.stages[i];
  t.members += fmt::format("  // stage {}: {}\n", i, graph::to_string(st.type));
  if (st.type == graph::StageType::linear) {
    const model::Linear lin = platform::stage_linear(g, i, weights);
    t.members += "  static const std::int8_t weight[];\n";
    t.definitions += int8_array(t.owner + "::weight",
                                {lin.weight.data(), static_cast<std::size_t>(lin.weight.size())});
    t.array("std::int32_t", "bias", widen(lin.bias));
    return;
  }
  const platform::StageParams params = platform::stage_params(g, i, weights);
  if (const auto* q = std::get_if<kernels::QuantActParams>(&params)) {
    t.quant_act(st.type == graph::StageType::residual_act ? "ident" : "act", *q);
  } else if (const auto* x = std::get_if<kernels::SoftmaxParams>(&params)) {
    t.scalar("std::int64_t", "softmax_x0", x->x0);
    t.scalar("std::int64_t", "softmax_b", x->b);
    t.scalar("std::int64_t", "softmax_c", x->c);
    t.scalar("std::int64_t", "softmax_m", x->m);
    t.scalar("int", "softmax_n", x->n);
    t.scalar("int", "softmax_e", x->e);
  } else if (const auto* ge = std::get_if<kernels::GeluParams>(&params)) {
    t.array("std::int64_t", "gelu_b", ge->b);
    t.array("std::int64_t", "gelu_c", ge->c);
    t.array("std::int64_t", "gelu_shift", ge->shift);
    t.scalar("int", "gelu_count", static_cast<std::int64_t>(ge->b.size()));
    t.scalar("int", "gelu_k", ge->k);
  } else if (const auto* ln = std::get_if<kernels::LayerNormParams>(&params)) {
    t.scalar("int", "ln_shift", ln->shift);
    t.array("std::int64_t", "ln_bias", ln->bias);
  } else {
    t.members += "  // (no constants: its operand arrives on input port 1)\n";
  }
}

}  // namespace

std::string weights_hpp(const plan::Plan& plan, const ClusterView& view,
                        const plan::GalapagosKernel& k, const model::EncoderWeights& weights) {
  std::string s =
      fmt::format("// {}/weights.hpp of cluster_{}: written by atoll build, do not edit.\n// {}",
                  ip_name(k.id), view.index, describe(plan, k));
  if (k.kind != plan::GalapagosKind::compute)
    return s + ": no weights (top.cpp does not include this file).\n#pragma once\n";
  const graph::Kernel& g = graph_kernel(plan, k);
  const std::string name = ip_name(k.id) + "_weights";
  Tables t{name};
  for (std::size_t i = 0; i < g.stages.size(); ++i) stage_tables(g, i, weights, t);
  return s + fmt::format(
                 ", part {} of {}: the constants of its stages as "
                 "kernels/hls/galapagos_kernels.h reads them.\n"
                 "#pragma once\n\n#include <cstdint>\n\nnamespace cluster_{} {{\n\n"
                 "struct {} {{\n{}}};\n\n{}\n}}  // namespace cluster_{}\n",
                 g.part, g.parts, view.index, name, t.members, t.definitions, view.index);
}

}  // namespace atl::codegen
