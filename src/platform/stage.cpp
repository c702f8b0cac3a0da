#include "platform/stage.h"

#include <fmt/format.h>

#include <utility>

#include "core/error.h"
#include "kernels/gelu.h"
#include "kernels/identity_add.h"

namespace atl::platform {
namespace {

using graph::StageType;
using I8 = core::Tensor<std::int8_t>;
using U8 = core::Tensor<std::uint8_t>;
using I32 = core::Tensor<std::int32_t>;

template <class T>
core::DType dtype_of_tensor() {
  if constexpr (std::is_same_v<T, I8>) return core::DType::i8;
  if constexpr (std::is_same_v<T, U8>) return core::DType::u8;
  return core::DType::i32;
}

core::DType dtype_of(const StageValue& v) {
  return std::visit([](const auto& t) { return dtype_of_tensor<std::decay_t<decltype(t)>>(); }, v);
}

// The value `v` as a T, for stage `type` of `kernel` (what: "input" or "operand").
template <class T>
T take(StageValue&& v, StageType type, const std::string& kernel, const char* what) {
  if (T* t = std::get_if<T>(&v)) return std::move(*t);
  throw core::Error(fmt::format("kernel '{}': stage {} got a {} {}, expected {}", kernel,
                                graph::to_string(type), core::to_string(dtype_of(v)), what,
                                core::to_string(dtype_of_tensor<T>())));
}

template <class T>
const T& operand_as(const StageValue* v, StageType type, const std::string& kernel) {
  if (v == nullptr) {
    throw core::Error(fmt::format("kernel '{}': stage {} needs its second input (port 1)", kernel,
                                  graph::to_string(type)));
  }
  if (const T* t = std::get_if<T>(v)) return *t;
  throw core::Error(fmt::format("kernel '{}': stage {} got a {} operand, expected {}", kernel,
                                graph::to_string(type), core::to_string(dtype_of(*v)),
                                core::to_string(dtype_of_tensor<T>())));
}

template <class P>
const P& params_as(const StageParams& p, StageType type, const std::string& kernel) {
  if (const P* q = std::get_if<P>(&p)) return *q;
  throw core::Error(core::ErrorKind::internal,
                    fmt::format("kernel '{}': stage {} was prepared with the wrong parameters",
                                kernel, graph::to_string(type)));
}

// A one-head attention plan's rank-3 result [1, rows, cols] as [rows, cols] (no copy).
template <class T>
core::Tensor<T> drop_head_axis(core::Tensor<T>&& t) {
  const core::Shape shape{t.dim(1), t.dim(2)};
  return core::Tensor<T>(shape, std::move(t.values()));
}

}  // namespace

bool takes_operand(StageType type) {
  return type == StageType::residual_act || type == StageType::attention_matmul ||
         type == StageType::softmax_matmul;
}

core::DType input_dtype(StageType type) {
  switch (type) {
    case StageType::linear:
    case StageType::attention_matmul:
    case StageType::concat:
      return core::DType::i8;
    case StageType::softmax_matmul:
      return core::DType::u8;
    case StageType::quant_act:
    case StageType::residual_act:
    case StageType::softmax:
    case StageType::gelu:
    case StageType::layernorm:
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
      return core::DType::i32;  // decoder activations are int32 fixed point
  }
  return core::DType::i32;
}

core::DType output_dtype(StageType type, const StageParams& params) {
  switch (type) {
    case StageType::quant_act: {
      const auto* act = std::get_if<kernels::QuantActParams>(&params);
      return act != nullptr && act->out_bits <= 8 ? core::DType::i8 : core::DType::i32;
    }
    case StageType::softmax:
      return core::DType::u8;
    case StageType::concat:
      return core::DType::i8;
    case StageType::linear:
    case StageType::residual_act:
    case StageType::attention_matmul:
    case StageType::softmax_matmul:
    case StageType::gelu:
    case StageType::layernorm:
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
      return core::DType::i32;
  }
  return core::DType::i32;
}

StageValue run_stage(StageType type, const StageParams& params, StageValue in,
                     const StageValue* operand, std::int64_t valid_rows,
                     const std::string& kernel) {
  switch (type) {
    case StageType::linear:
      return params_as<kernels::LinearPlan>(params, type, kernel)
          .run(take<I8>(std::move(in), type, kernel, "input"));
    case StageType::quant_act: {
      const auto& act = params_as<kernels::QuantActParams>(params, type, kernel);
      const I32 x = take<I32>(std::move(in), type, kernel, "input");
      if (act.out_bits <= 8) return kernels::quant_act<std::int8_t>(x, act);
      return kernels::quant_act<std::int32_t>(x, act);
    }
    case StageType::residual_act:
      return kernels::identity_add(take<I32>(std::move(in), type, kernel, "input"),
                                   operand_as<I8>(operand, type, kernel),
                                   params_as<kernels::QuantActParams>(params, type, kernel));
    case StageType::attention_matmul:
      return drop_head_axis(params_as<kernels::AttentionPlan>(params, type, kernel)
                                .scores(take<I8>(std::move(in), type, kernel, "input"),
                                        operand_as<I8>(operand, type, kernel)));
    case StageType::softmax: {
      const I32 scores = take<I32>(std::move(in), type, kernel, "input");
      const auto& sm = params_as<kernels::SoftmaxParams>(params, type, kernel);
      if (scores.rank() != 2) {
        throw core::Error(fmt::format("kernel '{}': softmax input must be [rows, keys], got {}",
                                      kernel, core::to_string(scores.shape())));
      }
      U8 p(scores.shape());
      kernels::softmax_rows(scores.data(), scores.dim(0), static_cast<std::size_t>(scores.dim(1)),
                            valid_rows, sm, p.data());
      return p;
    }
    case StageType::softmax_matmul: {
      U8 p = take<U8>(std::move(in), type, kernel, "input");
      const core::Shape one_head{1, p.dim(0), p.dim(1)};
      return params_as<kernels::AttentionPlan>(params, type, kernel)
          .context(U8(one_head, std::move(p.values())), operand_as<I8>(operand, type, kernel));
    }
    case StageType::concat:
      return take<I8>(std::move(in), type, kernel, "input");
    case StageType::gelu:
      return kernels::gelu(take<I32>(std::move(in), type, kernel, "input"),
                           params_as<kernels::GeluParams>(params, type, kernel));
    case StageType::layernorm:
      return kernels::layernorm(take<I32>(std::move(in), type, kernel, "input"),
                                params_as<kernels::LayerNormParams>(params, type, kernel));
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
                                    kernel, graph::to_string(type)));
  }
  throw core::Error(core::ErrorKind::internal, fmt::format("kernel '{}': unknown stage type {}",
                                                           kernel, static_cast<int>(type)));
}

}  // namespace atl::platform
