// Linear (MatMul + AddBias): y[n][o] = saturate_int32(bias[o] + sum_k x[n][k] * W[o][k]).
// int8 activations x int8 weights, int32 bias, int32 output, no rounding. The sum of products is
// exact in int32 (|sum| <= K * 2^14 < 2^31 for K < 2^17, the limit LinearPlan enforces); adding
// the bias can leave int32 (a bias near INT32_MAX), so the bias is added exactly in 64 bits and
// the result saturates. I-BERT's QuantLinear has an int32 accumulator in its description but
// computes in float32 (ibert-reference.md §4), which keeps the large value; the QuantAct after it
// clamps such a value to the int8 limit, and saturation gives the same limit, where wrapping
// would flip the sign.
//
// Two implementations with identical results:
//   linear_ref / linear_ref_row: the definition (kernels/hls/matmul.h).
//   LinearPlan / linear:         oneDNN int8 matmul (s8 x s8 -> s32, s32 bias). The primitive and
//                                the reordered weights are prepared once per weight matrix.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/tensor.h"

namespace atl::kernels {

// One row: x [in], weight [out, in] (row-major), bias [out], y [out].
void linear_ref_row(std::span<const std::int8_t> x, const core::Tensor<std::int8_t>& weight,
                    std::span<const std::int32_t> bias, std::span<std::int32_t> y);

// x [rows, in], weight [out, in], bias [out] -> [rows, out].
core::Tensor<std::int32_t> linear_ref(const core::Tensor<std::int8_t>& x,
                                      const core::Tensor<std::int8_t>& weight,
                                      std::span<const std::int32_t> bias);

// A weight matrix prepared for oneDNN: the weights are reordered into the layout the int8
// matmul prefers once, and one primitive is cached per distinct row count. Thread-safe: run() may
// be called concurrently from several threads.
class LinearPlan {
 public:
  // weight [out, in] int8, bias [out] int32 (both copied). Throws (unsupported) for in >= 2^17,
  // where oneDNN's int32 accumulator could overflow.
  LinearPlan(const core::Tensor<std::int8_t>& weight, std::span<const std::int32_t> bias);
  ~LinearPlan();
  LinearPlan(LinearPlan&&) noexcept;
  LinearPlan& operator=(LinearPlan&&) noexcept;
  LinearPlan(const LinearPlan&) = delete;
  LinearPlan& operator=(const LinearPlan&) = delete;

  std::int64_t in_features() const;
  std::int64_t out_features() const;

  // x [rows, in] -> [rows, out].
  core::Tensor<std::int32_t> run(const core::Tensor<std::int8_t>& x) const;
  // Raw form: x has rows*in elements (row-major), y has rows*out elements.
  void run(const std::int8_t* x, std::int64_t rows, std::int32_t* y) const;
  // One row (x [in] -> y [out]).
  void run_row(std::span<const std::int8_t> x, std::span<std::int32_t> y) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: builds a plan and runs it once (prefer a LinearPlan when a weight is reused).
core::Tensor<std::int32_t> linear(const core::Tensor<std::int8_t>& x,
                                  const core::Tensor<std::int8_t>& weight,
                                  std::span<const std::int32_t> bias);

}  // namespace atl::kernels
