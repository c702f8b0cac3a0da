#include "kernels/linear.h"

#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "kernels/hls/matmul.h"
#include "kernels/vectorize.h"

namespace atl::kernels {

namespace {

void check_linear_shapes(const core::Tensor<std::int8_t>& weight, std::size_t bias_size,
                         const char* what) {
  if (weight.rank() != 2) {
    throw core::Error(std::string(what) + ": weight must be [out, in], got shape " +
                      core::to_string(weight.shape()));
  }
  if (static_cast<std::int64_t>(bias_size) != weight.dim(0)) {
    throw core::Error(std::string(what) + ": bias has " + std::to_string(bias_size) +
                      " elements, expected out_features = " + std::to_string(weight.dim(0)));
  }
}

void check_input(const core::Tensor<std::int8_t>& x, std::int64_t in, const char* what) {
  if (x.rank() != 2 || x.dim(1) != in) {
    throw core::Error(std::string(what) + ": input must be [rows, " + std::to_string(in) +
                      "], got shape " + core::to_string(x.shape()));
  }
}

// sum + bias, exact in 64 bits, saturated to int32 (linear.h).
[[gnu::always_inline]] inline std::int32_t biased(std::int64_t sum, std::int32_t bias) {
  const std::int64_t v = sum + bias;
  return static_cast<std::int32_t>(v < INT32_MIN ? INT32_MIN : (v > INT32_MAX ? INT32_MAX : v));
}

// y = biased(y, bias) for one row (vectorised).
ATL_VECTOR_CLONES void add_bias(std::int32_t* y, const std::int32_t* bias, std::int64_t n) {
  for (std::int64_t o = 0; o < n; ++o) y[o] = biased(y[o], bias[o]);
}

// Inputs per output for which an int32 accumulator of int8 products cannot overflow:
// (2^17 - 1) * 128 * 128 < 2^31.
constexpr std::int64_t kMaxInFeatures = (std::int64_t{1} << 17) - 1;

// Row count the constructor prepares a primitive for (the sequence length of the I-BERT models).
constexpr std::int64_t kPreparedRows = 128;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

}  // namespace

void linear_ref_row(std::span<const std::int8_t> x, const core::Tensor<std::int8_t>& weight,
                    std::span<const std::int32_t> bias, std::span<std::int32_t> y) {
  check_linear_shapes(weight, bias.size(), "linear_ref_row");
  const std::int64_t out = weight.dim(0);
  const std::int64_t in = weight.dim(1);
  if (static_cast<std::int64_t>(x.size()) != in || static_cast<std::int64_t>(y.size()) != out) {
    throw core::Error("linear_ref_row: x has " + std::to_string(x.size()) + " elements, y has " +
                      std::to_string(y.size()) + "; expected " + std::to_string(in) + " and " +
                      std::to_string(out));
  }
  std::vector<std::int8_t> x_buf(x.size());
  hls::ConstArrayStream<std::int8_t, 1> xs{x.data()};
  hls::ArrayStream<std::int32_t, 1> ys{y.data()};
  hls::linear<1, 1>(xs, ys, 1, static_cast<int>(in), static_cast<int>(out), weight.data(),
                    bias.data(), x_buf.data());
}

core::Tensor<std::int32_t> linear_ref(const core::Tensor<std::int8_t>& x,
                                      const core::Tensor<std::int8_t>& weight,
                                      std::span<const std::int32_t> bias) {
  check_linear_shapes(weight, bias.size(), "linear_ref");
  check_input(x, weight.dim(1), "linear_ref");
  core::Tensor<std::int32_t> y({x.dim(0), weight.dim(0)});
  for (std::int64_t r = 0; r < x.dim(0); ++r) linear_ref_row(x.row(r), weight, bias, y.row(r));
  return y;
}

// ---------------------------------------------------------------------------------------------
// oneDNN path. The matmul computes x[M,K] * W^T[K,N] with s8 inputs and an s32 destination and
// no bias, scales or post-ops, so the accumulators are stored as integers (oneDNN's s8 x s8
// compensation is exact integer arithmetic). The bias is added here, exactly and saturating
// (linear.h): oneDNN applies a bias through f32, which is exact only below 2^24.

// Memory: the plan keeps only the reordered weights when it can. The constructor builds the
// primitive for a full sequence, reordering the caller's matrix; when that layout can be
// reordered back to the plain one (no compensation data in it, as with AMX), the plain copy is
// dropped and a later row count that prefers another layout is rebuilt through the plain form.
// For I-BERT-base this saves a copy of all weights (85 MB of the 300 MB budget).
struct LinearPlan::Impl {
  std::int64_t out = 0;
  std::int64_t in = 0;
  std::vector<std::int32_t> bias;
  std::vector<std::int8_t> plain;  // [out, in]; empty when it can be recovered from layouts

  struct Entry {
    dnnl::matmul primitive;
    std::shared_ptr<dnnl::memory> weights;  // reordered into primitive's layout
  };
  mutable std::mutex mutex;
  // Serialises executions of this plan's primitives. oneDNN 2.6's AMX brgemm matmul
  // intermittently produced wrong results when one primitive with one weights memory ran from
  // several threads at once (Linear.PlanReusedAcrossRowCountsAndThreads failed in 5-45 % of runs
  // on a loaded machine, never with this lock; different plans in parallel never failed in
  // 2,400 runs). The encoder runs each plan from one thread, so the lock costs nothing there.
  mutable std::mutex run_mutex;
  mutable std::map<std::int64_t, Entry> by_rows;
  mutable std::vector<std::pair<dnnl::memory::desc, std::shared_ptr<dnnl::memory>>> layouts;

  dnnl::memory::desc plain_md() const {
    return {{in, out}, dnnl::memory::data_type::s8, dnnl::memory::format_tag::ba};
  }

  // Whether the first held layout reorders back to the plain matrix.
  bool recoverable() const {
    try {
      dnnl::reorder::primitive_desc(cpu_engine(), layouts.front().first, cpu_engine(), plain_md());
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }

  static void reorder(dnnl::memory& from, dnnl::memory& to) {
    dnnl::stream s(cpu_engine());
    dnnl::reorder(from, to).execute(s, from, to);
    s.wait();
  }

  // `given` is the caller's [out, in] matrix during construction, else null.
  const Entry& entry(std::int64_t rows, const std::int8_t* given = nullptr) const {
    std::lock_guard lock(mutex);
    if (auto it = by_rows.find(rows); it != by_rows.end()) return it->second;
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    dnnl::engine& eng = cpu_engine();
    const dnnl::memory::desc src_md({rows, in}, dt::s8, tag::ab);
    const dnnl::memory::desc wei_any({in, out}, dt::s8, tag::any);
    const dnnl::memory::desc dst_md({rows, out}, dt::s32, tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, wei_any, dst_md), eng);
    const dnnl::memory::desc wei_md = pd.weights_desc();
    std::shared_ptr<dnnl::memory> wmem;
    for (auto& [md, mem] : layouts) {
      if (md == wei_md) wmem = mem;
    }
    if (!wmem) {
      std::vector<std::int8_t> recovered;
      const std::int8_t* src = given != nullptr ? given : plain.data();
      if (given == nullptr && plain.empty()) {
        recovered.resize(static_cast<std::size_t>(in * out));
        dnnl::memory to(plain_md(), eng, recovered.data());
        reorder(*layouts.front().second, to);
        src = recovered.data();
      }
      dnnl::memory from(plain_md(), eng, const_cast<std::int8_t*>(src));
      wmem = std::make_shared<dnnl::memory>(wei_md, eng);
      reorder(from, *wmem);
      layouts.emplace_back(wei_md, wmem);
    }
    auto [it, inserted] = by_rows.emplace(rows, Entry{dnnl::matmul(pd), wmem});
    return it->second;
  }
};

LinearPlan::LinearPlan(const core::Tensor<std::int8_t>& weight, std::span<const std::int32_t> bias)
    : impl_(std::make_unique<Impl>()) {
  check_linear_shapes(weight, bias.size(), "LinearPlan");
  impl_->out = weight.dim(0);
  impl_->in = weight.dim(1);
  if (impl_->out <= 0 || impl_->in <= 0) {
    throw core::Error("LinearPlan: weight shape " + core::to_string(weight.shape()) +
                      " must have positive dimensions");
  }
  if (impl_->in > kMaxInFeatures) {
    throw core::Error(core::ErrorKind::unsupported,
                      "LinearPlan: weight shape " + core::to_string(weight.shape()) + " has " +
                          std::to_string(impl_->in) + " inputs per output; at most " +
                          std::to_string(kMaxInFeatures) +
                          " keep the int32 accumulator of int8 products exact");
  }
  impl_->bias.assign(bias.begin(), bias.end());
  impl_->entry(kPreparedRows, weight.data());
  if (!impl_->recoverable()) impl_->plain.assign(weight.data(), weight.data() + weight.size());
}

LinearPlan::~LinearPlan() = default;
LinearPlan::LinearPlan(LinearPlan&&) noexcept = default;
LinearPlan& LinearPlan::operator=(LinearPlan&&) noexcept = default;

std::int64_t LinearPlan::in_features() const {
  return impl_->in;
}
std::int64_t LinearPlan::out_features() const {
  return impl_->out;
}

void LinearPlan::run(const std::int8_t* x, std::int64_t rows, std::int32_t* y) const {
  if (rows < 0) throw core::Error("LinearPlan::run: negative row count");
  if (rows == 0) return;
  const Impl::Entry& e = impl_->entry(rows);
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  dnnl::engine& eng = cpu_engine();
  dnnl::memory src({{rows, impl_->in}, dt::s8, tag::ab}, eng, const_cast<std::int8_t*>(x));
  dnnl::memory dst({{rows, impl_->out}, dt::s32, tag::ab}, eng, y);
  std::lock_guard lock(impl_->run_mutex);
  dnnl::stream s(eng);
  e.primitive.execute(s,
                      {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, *e.weights}, {DNNL_ARG_DST, dst}});
  s.wait();
  const std::int32_t* b = impl_->bias.data();
  const std::int64_t out = impl_->out;
#pragma omp parallel for schedule(static) if (rows * out >= kMinParallelElements)
  for (std::int64_t r = 0; r < rows; ++r) add_bias(y + r * out, b, out);
}

core::Tensor<std::int32_t> LinearPlan::run(const core::Tensor<std::int8_t>& x) const {
  check_input(x, impl_->in, "LinearPlan::run");
  core::Tensor<std::int32_t> y({x.dim(0), impl_->out});
  run(x.data(), x.dim(0), y.data());
  return y;
}

void LinearPlan::run_row(std::span<const std::int8_t> x, std::span<std::int32_t> y) const {
  if (static_cast<std::int64_t>(x.size()) != impl_->in ||
      static_cast<std::int64_t>(y.size()) != impl_->out) {
    throw core::Error("LinearPlan::run_row: x has " + std::to_string(x.size()) +
                      " elements, y has " + std::to_string(y.size()) + "; expected " +
                      std::to_string(impl_->in) + " and " + std::to_string(impl_->out));
  }
  run(x.data(), 1, y.data());
}

core::Tensor<std::int32_t> linear(const core::Tensor<std::int8_t>& x,
                                  const core::Tensor<std::int8_t>& weight,
                                  std::span<const std::int32_t> bias) {
  return LinearPlan(weight, bias).run(x);
}

}  // namespace atl::kernels
