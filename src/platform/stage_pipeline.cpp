#include "platform/stage_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <memory>

#include "core/error.h"
#include "graph/architecture.h"
#include "kernels/fused.h"
#include "kernels/identity_add.h"
#include "platform/stage_params.h"

namespace atl::platform {
namespace {

using graph::StageType;
using I8 = core::Tensor<std::int8_t>;
using I32 = core::Tensor<std::int32_t>;

std::string stage_list(const std::vector<StageType>& types) {
  std::string s;
  for (StageType t : types) s += (s.empty() ? "" : ", ") + graph::to_string(t);
  return s.empty() ? "none" : s;
}

bool starts_with(const std::vector<graph::Stage>& stages, std::size_t i,
                 std::initializer_list<StageType> types) {
  if (stages.size() - i < types.size()) return false;
  return std::equal(types.begin(), types.end(), stages.begin() + static_cast<std::ptrdiff_t>(i),
                    [](StageType t, const graph::Stage& s) { return s.type == t; });
}

StageValue input_value(const Message& m, core::DType dtype, const std::string& where) {
  switch (dtype) {
    case core::DType::i8:
      return to_tensor<std::int8_t>(m, where);
    case core::DType::u8:
      return to_tensor<std::uint8_t>(m, where);
    default:
      return to_tensor<std::int32_t>(m, where);
  }
}

// rows x n int32 values requantised into a new [rows, n] tensor of Out.
template <class Out>
core::Tensor<Out> requantize(const std::int32_t* y, std::int64_t rows, std::int64_t n,
                             const kernels::QuantActParams& act, const std::string& kernel) {
  kernels::validate(act, n, fmt::format("kernel '{}' quant_act", kernel));
  core::Tensor<Out> out({rows, n});
  if (kernels::fits_int64(act) && act.out_bits <= static_cast<int>(8 * sizeof(Out))) {
    kernels::quant_act_rows_i64(y, rows, static_cast<std::size_t>(n), act, out.data());
    return out;
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    kernels::quant_act_row_ref<std::int32_t, Out>({y + r * n, static_cast<std::size_t>(n)}, act,
                                                  out.row(r));
  }
  return out;
}

}  // namespace

StagePipeline::StagePipeline(const graph::Kernel& kernel, const model::EncoderWeights& weights,
                             Fusion fusion)
    : kernel_(kernel) {
  if (graph::is_endpoint(kernel.role)) return;
  std::vector<StageType> types;
  for (const graph::Stage& s : kernel.stages) types.push_back(s.type);
  if (types != graph::stage_types(kernel.role)) {
    throw core::Error(fmt::format("kernel '{}': its stages are [{}], but role {} runs [{}]",
                                  kernel.name, stage_list(types), graph::to_string(kernel.role),
                                  stage_list(graph::stage_types(kernel.role))));
  }
  for (std::size_t i = 0; i < kernel.stages.size(); ++i) {
    params_.push_back(stage_params(kernel, i, weights));
  }
  core::DType out = input_dtype(types.front());
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (input_dtype(types[i]) != out) {
      throw core::Error(core::ErrorKind::internal,
                        fmt::format("kernel '{}': stage {} ({}) takes {} but is given {}",
                                    kernel.name, i, graph::to_string(types[i]),
                                    core::to_string(input_dtype(types[i])), core::to_string(out)));
    }
    out = output_dtype(types[i], params_[i]);
  }
  if (out != kernel.out_dtype) {
    throw core::Error(
        fmt::format("kernel '{}': its stages give {} rows, the graph says it sends {}", kernel.name,
                    core::to_string(out), core::to_string(kernel.out_dtype)));
  }
  auto int8_act = [&](std::size_t i) {
    return output_dtype(types[i], params_[i]) == core::DType::i8;
  };
  for (std::size_t i = 0; i < types.size();) {
    Block b{Step::stage, i};
    if (fusion == Fusion::fused) {
      const auto& s = kernel.stages;
      if (starts_with(s, i, {StageType::linear, StageType::gelu, StageType::quant_act}) &&
          int8_act(i + 2)) {
        b.step = Step::linear_gelu_act;
      } else if (starts_with(s, i, {StageType::linear, StageType::quant_act})) {
        b.step = Step::linear_act;
      } else if (starts_with(
                     s, i, {StageType::residual_act, StageType::layernorm, StageType::quant_act}) &&
                 int8_act(i + 2)) {
        b.step = Step::norm;
      }
    }
    blocks_.push_back(b);
    i += b.step == Step::stage ? 1 : (b.step == Step::linear_act ? 2 : 3);
  }
}

int StagePipeline::threads() const {
  const bool per_head =
      std::any_of(kernel_.stages.begin(), kernel_.stages.end(), [](const auto& s) {
        return s.type == StageType::attention_matmul || s.type == StageType::softmax_matmul;
      });
  return per_head ? 1 : 0;
}

StageValue StagePipeline::run_block(const Block& b, StageValue in, const StageValue* operand,
                                    std::int64_t valid_rows) const {
  const std::size_t f = b.first;
  const std::string& name = kernel_.name;
  if (b.step == Step::stage) {
    return run_stage(kernel_.stages[f].type, params_[f], std::move(in), operand, valid_rows, name);
  }
  if (b.step == Step::norm) {  // run() gives the stages that take one an int8 operand
    const I32 x = std::get<I32>(std::move(in));
    return kernels::identity_add_layernorm_act(x.values(), std::get<I8>(*operand),
                                               std::get<kernels::QuantActParams>(params_[f]),
                                               std::get<kernels::LayerNormParams>(params_[f + 1]),
                                               std::get<kernels::QuantActParams>(params_[f + 2]));
  }
  // linear_act, linear_gelu_act: the int32 rows of the linear in a buffer that is not
  // zero-filled, consumed by the element-wise stages.
  const auto& linear = std::get<kernels::LinearPlan>(params_[f]);
  const I8 x = std::get<I8>(std::move(in));
  if (x.rank() != 2 || x.dim(1) != linear.in_features()) {
    throw core::Error(fmt::format("kernel '{}': linear input {}, expected [rows, {}]", name,
                                  core::to_string(x.shape()), linear.in_features()));
  }
  const std::int64_t rows = x.dim(0), n = linear.out_features();
  const auto y = std::make_unique_for_overwrite<std::int32_t[]>(static_cast<std::size_t>(rows * n));
  linear.run(x.data(), rows, y.get());
  if (b.step == Step::linear_gelu_act) {
    return kernels::gelu_act({y.get(), static_cast<std::size_t>(rows * n)}, n,
                             std::get<kernels::GeluParams>(params_[f + 1]),
                             std::get<kernels::QuantActParams>(params_[f + 2]));
  }
  const auto& act = std::get<kernels::QuantActParams>(params_[f + 1]);
  if (act.out_bits <= 8) return requantize<std::int8_t>(y.get(), rows, n, act, name);
  return requantize<std::int32_t>(y.get(), rows, n, act, name);
}

Message StagePipeline::run(const std::vector<Message>& ports) const {
  const std::string& name = kernel_.name;
  if (params_.empty()) {
    throw core::Error(fmt::format("kernel '{}': {} kernels compute nothing", name,
                                  graph::to_string(kernel_.role)));
  }
  auto port = [&](std::size_t p) -> const Message& {
    if (p >= ports.size()) {
      throw core::Error(fmt::format("kernel '{}': input port {} missing", name, p));
    }
    return ports[p];
  };
  const std::int64_t valid_rows = port(0).header.valid_rows;
  StageValue value = input_value(port(0), input_dtype(kernel_.stages.front().type), name);
  const bool has_operand = std::any_of(kernel_.stages.begin(), kernel_.stages.end(),
                                       [](const auto& s) { return takes_operand(s.type); });
  const StageValue operand =
      has_operand ? StageValue(to_tensor<std::int8_t>(port(1), name)) : StageValue();
  for (const Block& b : blocks_) {
    value = run_block(b, std::move(value), has_operand ? &operand : nullptr, valid_rows);
  }
  Message out = std::visit([](const auto& t) { return to_message(t); }, value);
  out.header.valid_rows = static_cast<std::uint32_t>(valid_rows);
  return out;
}

}  // namespace atl::platform
