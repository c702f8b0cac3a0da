// The integer kernels at I-BERT-base shapes (128 tokens, hidden 768, 12 heads, FFN 3072), the
// machine's int8 GEMM peak (a large oneDNN matmul, the yardstick for the linears), and the full
// 12-layer I-BERT-base forward with its peak memory. bench/run.sh turns the counters into ratios
// (linear GMAC/s vs peak, our forward vs PyTorch's dynamic-int8 BERT-base).
//
// Run the forward alone (--benchmark_filter=Forward) for a clean peak-RSS figure: ru_maxrss is a
// process-wide high-water mark.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <filesystem>
#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <vector>

#include "core/tensor.h"
#include "kernels/attention_matmul.h"
#include "kernels/attention_plan.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"
#include "kernels/softmax.h"
#include "kernels/softmax_matmul.h"
#include "model/config.h"
#include "model/encoder.h"
#include "model/synthetic.h"

namespace {

using atl::core::Tensor;
namespace k = atl::kernels;
namespace m = atl::model;

constexpr std::int64_t kTokens = 128;

m::ModelConfig base_config(std::int64_t layers) {
  auto c = m::load_model_config(std::filesystem::path(ATOLL_SOURCE_DIR) /
                                "examples/models/ibert-base.yaml");
  c.layers = layers;
  return c;
}

// One synthetic layer: realistic quantisation constants for the kernel benchmarks.
const m::LayerWeights& layer0() {
  static const m::EncoderWeights w = m::synthetic_weights(base_config(1), 1);
  return w.layers[0];
}

template <class T>
Tensor<T> random_tensor(atl::core::Shape shape, std::int64_t lo, std::int64_t hi, unsigned seed) {
  Tensor<T> t(std::move(shape));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> dist(lo, hi);
  for (auto& v : t.values()) v = static_cast<T>(dist(rng));
  return t;
}

void set_macs(benchmark::State& state, double macs_per_iteration) {
  state.counters["GMAC/s"] =
      benchmark::Counter(macs_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void set_elements(benchmark::State& state, std::int64_t n) {
  state.SetItemsProcessed(state.iterations() * n);
}

// --- the yardstick: a large int8 GEMM, s8 x s8 -> s32 like every linear -------------------------
void BM_Int8GemmPeak(benchmark::State& state) {
  const std::int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  const dnnl::memory::desc a_md({M, K}, dt::s8, tag::ab), c_md({M, N}, dt::s32, tag::ab);
  const dnnl::matmul::primitive_desc pd(
      dnnl::matmul::desc(a_md, dnnl::memory::desc({K, N}, dt::s8, tag::any), c_md), eng);
  dnnl::memory a(a_md, eng), b(pd.weights_desc(), eng), c(c_md, eng);
  std::fill_n(static_cast<std::int8_t*>(a.get_data_handle()), M * K, std::int8_t{3});
  std::fill_n(static_cast<std::int8_t*>(b.get_data_handle()), pd.weights_desc().get_size(),
              std::int8_t{0});
  dnnl::matmul mm(pd);
  for (auto _ : state) {
    mm.execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    s.wait();
  }
  set_macs(state, static_cast<double>(M * N * K));
  state.SetLabel(pd.impl_info_str());
}
BENCHMARK(BM_Int8GemmPeak)->Args({1024, 3072, 768})->Args({2048, 2048, 2048})->UseRealTime();

// --- linears (LinearPlan, oneDNN) at the encoder's four shapes ---------------------------------
void BM_Linear(benchmark::State& state) {
  const std::int64_t out = state.range(0), in = state.range(1);
  const auto w = random_tensor<std::int8_t>({out, in}, -128, 127, 1);
  const std::vector<std::int32_t> bias(static_cast<std::size_t>(out), 7);
  const k::LinearPlan plan(w, bias);
  const auto x = random_tensor<std::int8_t>({kTokens, in}, -128, 127, 2);
  Tensor<std::int32_t> y({kTokens, out});
  for (auto _ : state) {
    plan.run(x.data(), kTokens, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  set_macs(state, static_cast<double>(kTokens * out * in));
}
BENCHMARK(BM_Linear)
    ->ArgNames({"out", "in"})
    ->Args({768, 768})
    ->Args({3072, 768})
    ->Args({768, 3072})
    ->UseRealTime();

// The same shapes with the 12 layers' weight matrices in turn, as in a forward: the weights
// (85 MB for I-BERT-base) no longer sit in the caches.
void BM_LinearColdWeights(benchmark::State& state) {
  const std::int64_t out = state.range(0), in = state.range(1);
  std::vector<k::LinearPlan> plans;
  const std::vector<std::int32_t> bias(static_cast<std::size_t>(out), 7);
  for (unsigned l = 0; l < 12; ++l) {
    plans.emplace_back(random_tensor<std::int8_t>({out, in}, -128, 127, 100 + l), bias);
  }
  const auto x = random_tensor<std::int8_t>({kTokens, in}, -128, 127, 2);
  Tensor<std::int32_t> y({kTokens, out});
  std::size_t l = 0;
  for (auto _ : state) {
    plans[l].run(x.data(), kTokens, y.data());
    l = (l + 1) % plans.size();
    benchmark::DoNotOptimize(y.data());
  }
  set_macs(state, static_cast<double>(kTokens * out * in));
}
BENCHMARK(BM_LinearColdWeights)
    ->ArgNames({"out", "in"})
    ->Args({768, 768})
    ->Args({3072, 768})
    ->Args({768, 3072})
    ->UseRealTime();

void BM_LinearRef(benchmark::State& state) {
  const auto w = random_tensor<std::int8_t>({768, 768}, -128, 127, 1);
  const std::vector<std::int32_t> bias(768, 7);
  const auto x = random_tensor<std::int8_t>({kTokens, 768}, -128, 127, 2);
  for (auto _ : state) benchmark::DoNotOptimize(k::linear_ref(x, w, bias).data());
  set_macs(state, static_cast<double>(kTokens * 768 * 768));
}
BENCHMARK(BM_LinearRef)->Unit(benchmark::kMillisecond);

// --- attention: all 12 heads ----------------------------------------------------------------
void BM_AttentionScores(benchmark::State& state) {
  const k::AttentionPlan plan(12, 64);
  const auto q = random_tensor<std::int8_t>({kTokens, 768}, -128, 127, 3);
  const auto kk = random_tensor<std::int8_t>({kTokens, 768}, -128, 127, 4);
  for (auto _ : state) benchmark::DoNotOptimize(plan.scores(q, kk).data());
  set_macs(state, static_cast<double>(12 * kTokens * kTokens * 64));
  state.SetLabel(plan.uses_onednn() ? "oneDNN" : "plain loops (no VNNI)");
}
BENCHMARK(BM_AttentionScores)->UseRealTime();

void BM_AttentionContext(benchmark::State& state) {
  const k::AttentionPlan plan(12, 64);
  const auto p = random_tensor<std::uint8_t>({12, kTokens, kTokens}, 0, 255, 5);
  const auto v = random_tensor<std::int8_t>({kTokens, 768}, -128, 127, 6);
  for (auto _ : state) benchmark::DoNotOptimize(plan.context(p, v).data());
  set_macs(state, static_cast<double>(12 * kTokens * kTokens * 64));
}
BENCHMARK(BM_AttentionContext)->UseRealTime();

// The plain per-head kernels, the definition (12 heads of attention_matmul + softmax_matmul).
void BM_AttentionPlainLoops(benchmark::State& state) {
  const auto q = random_tensor<std::int8_t>({kTokens, 64}, -128, 127, 3);
  const auto kk = random_tensor<std::int8_t>({kTokens, 64}, -128, 127, 4);
  const auto p = random_tensor<std::uint8_t>({kTokens, kTokens}, 0, 255, 5);
  for (auto _ : state) {
    for (int h = 0; h < 12; ++h) {
      benchmark::DoNotOptimize(k::attention_matmul(q, kk).data());
      benchmark::DoNotOptimize(k::softmax_matmul(p, kk).data());
    }
  }
  set_macs(state, static_cast<double>(2 * 12 * kTokens * kTokens * 64));
}
BENCHMARK(BM_AttentionPlainLoops)->Unit(benchmark::kMillisecond);

// --- non-linear kernels: fast path (whole tensor, row-parallel) vs the 128-bit definition ------
void BM_Softmax(benchmark::State& state) {
  const auto& w = layer0();
  auto s = random_tensor<std::int32_t>({12 * kTokens, kTokens}, -3000, 3000, 7);
  Tensor<std::uint8_t> p(s.shape());
  for (auto _ : state) {
    k::softmax_rows(s.data(), 12 * kTokens, kTokens, kTokens, w.softmax, p.data());
    benchmark::DoNotOptimize(p.data());
  }
  set_elements(state, s.size());
}
BENCHMARK(BM_Softmax)->UseRealTime();

void BM_SoftmaxRef(benchmark::State& state) {
  const auto& w = layer0();
  auto s = random_tensor<std::int32_t>({12 * kTokens, kTokens}, -3000, 3000, 7);
  Tensor<std::uint8_t> p(s.shape());
  for (auto _ : state) {
    for (std::int64_t r = 0; r < s.rows(); ++r) k::softmax_row_ref(s.row(r), w.softmax, p.row(r));
    benchmark::DoNotOptimize(p.data());
  }
  set_elements(state, s.size());
}
BENCHMARK(BM_SoftmaxRef)->UseRealTime();

void BM_QuantAct(benchmark::State& state) {
  const auto& w = layer0();
  const auto x = random_tensor<std::int32_t>({kTokens, 768}, -200000, 200000, 8);
  for (auto _ : state) benchmark::DoNotOptimize(k::quant_act<std::int8_t>(x, w.act_q).data());
  set_elements(state, x.size());
}
BENCHMARK(BM_QuantAct)->UseRealTime();

void BM_QuantActRef(benchmark::State& state) {
  const auto& w = layer0();
  const auto x = random_tensor<std::int32_t>({kTokens, 768}, -200000, 200000, 8);
  Tensor<std::int8_t> y(x.shape());
  for (auto _ : state) {
    for (std::int64_t r = 0; r < x.rows(); ++r) {
      k::quant_act_row_ref<std::int32_t, std::int8_t>(x.row(r), w.act_q, y.row(r));
    }
    benchmark::DoNotOptimize(y.data());
  }
  set_elements(state, x.size());
}
BENCHMARK(BM_QuantActRef)->UseRealTime();

void BM_ResidualAct(benchmark::State& state) {
  const auto& w = layer0();
  const auto x = random_tensor<std::int32_t>({kTokens, 768}, -200000, 200000, 9);
  const auto id = random_tensor<std::int8_t>({kTokens, 768}, -128, 127, 10);
  for (auto _ : state) benchmark::DoNotOptimize(k::residual_act(x, id, w.res_attn).output.data());
  set_elements(state, x.size());
}
BENCHMARK(BM_ResidualAct)->UseRealTime();

void BM_Gelu(benchmark::State& state) {
  const auto& w = layer0();
  const auto x = random_tensor<std::int32_t>({kTokens, 3072}, -40000, 40000, 11);
  for (auto _ : state) benchmark::DoNotOptimize(k::gelu(x, w.gelu).data());
  set_elements(state, x.size());
}
BENCHMARK(BM_Gelu)->UseRealTime();

void BM_GeluRef(benchmark::State& state) {
  const auto& w = layer0();
  const auto x = random_tensor<std::int32_t>({kTokens, 3072}, -40000, 40000, 11);
  Tensor<std::int32_t> y(x.shape());
  for (auto _ : state) {
    for (std::int64_t r = 0; r < x.rows(); ++r) k::gelu_row_ref(x.row(r), w.gelu, y.row(r));
    benchmark::DoNotOptimize(y.data());
  }
  set_elements(state, x.size());
}
BENCHMARK(BM_GeluRef)->UseRealTime();

void BM_LayerNorm(benchmark::State& state) {
  const auto& w = layer0();
  const auto x = random_tensor<std::int32_t>({kTokens, 768}, -2000000, 2000000, 12);
  for (auto _ : state) benchmark::DoNotOptimize(k::layernorm(x, w.ln_attn).data());
  set_elements(state, x.size());
}
BENCHMARK(BM_LayerNorm)->UseRealTime();

void BM_LayerNormRef(benchmark::State& state) {
  const auto& w = layer0();
  const auto x = random_tensor<std::int32_t>({kTokens, 768}, -2000000, 2000000, 12);
  Tensor<std::int32_t> y(x.shape());
  for (auto _ : state) {
    for (std::int64_t r = 0; r < x.rows(); ++r) k::layernorm_row_ref(x.row(r), w.ln_attn, y.row(r));
    benchmark::DoNotOptimize(y.data());
  }
  set_elements(state, x.size());
}
BENCHMARK(BM_LayerNormRef)->UseRealTime();

// --- the whole 12-layer I-BERT-base forward, 128 tokens, batch 1 -----------------------------
void BM_Forward(benchmark::State& state) {
  const m::ModelConfig config = base_config(12);
  const m::Encoder encoder(m::synthetic_weights(config, 1));
  const auto x = m::random_input(kTokens, config.hidden, 2);
  benchmark::DoNotOptimize(encoder.forward(x).data());  // warm-up: primitives, pages
  m::StageTimes times;
  for (auto _ : state) benchmark::DoNotOptimize(encoder.forward(x, &times).data());
  const double n = static_cast<double>(state.iterations());
  const double h = static_cast<double>(config.hidden), f = static_cast<double>(config.intermediate);
  const double linear_macs = static_cast<double>(config.layers * kTokens) * (4 * h * h + 2 * h * f);
  state.counters["linear_ms"] = times.linear_ms / n;
  state.counters["attention_ms"] = times.attention_ms / n;
  state.counters["nonlinear_ms"] = times.nonlinear_ms / n;
  state.counters["linear_GMAC/s"] = linear_macs * 1e-9 / (times.linear_ms / n * 1e-3);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_Forward)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
