// Batch-1 decoding of a TinyLlama-1.1B-shaped integer model against the machine's memory
// bandwidth, and the int8 product at prefill sizes against oneDNN.
//
// Shape: TinyLlama/TinyLlama-1.1B-Chat-v1.0, config.json on its Hugging Face model card:
// hidden_size 2048, intermediate_size 5632, num_hidden_layers 22, num_attention_heads 32,
// num_key_value_heads 4 (head dim 64, so K and V are [256][2048]), vocab_size 32000,
// tie_word_embeddings false (a separate LM head [32000][2048]);
// examples/models/tinyllama-1.1b.yaml.
//
// Two decodes, one token per iteration, batch 1:
//   BM_DecodeIntDecoder: model::IntDecoder::forward, the whole integer decode step (norms, RoPE,
//     attention over the int8 KV cache, SwiGLU, LM head, argmax) on synthetic weights
//     (model::synthetic_reader) calibrated to int8; positions 16 to 127.
//   BM_DecodeProductsOnly: only what reads the weights, every layer's int8 products as the
//     IntDecoder holds them (Q, K and V stacked in one matrix, O, gate and up stacked, down) and
//     the LM head with kernels::Int8Matrix on seeded random int8 (speed does not depend on the
//     values), in one parallel region per token with a kernels::ThreadTeam barrier after each
//     product (as the IntDecoder runs them), once per int8 path of this CPU: how close the
//     products alone come to the bandwidth bound.
//
// Groups (bench/run.sh runs each in its own process, so that ru_maxrss, a process-wide high-water
// mark, is the decode model's alone):
//   --benchmark_filter=^BM_MemoryReadBandwidth  read bandwidth: a 512 MB buffer summed by all
//                                               threads (run before and after the decode)
//   --benchmark_filter=^BM_DecodeProductsOnly   the products, one run per int8 path of this CPU;
//                                               between two tokens (untimed) a pass that only
//                                               reads all weights: read_pass_GB/s
//   --benchmark_filter=^BM_DecodeIntDecoder     the integer decoder
//   --benchmark_filter=^BM_Product              Int8Matrix vs oneDNN (LinearPlan) at 1-128 tokens
#include <benchmark/benchmark.h>
#include <omp.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <vector>

#include "kernels/argmax.h"
#include "kernels/int8_matrix.h"
#include "kernels/linear.h"
#include "kernels/thread_team.h"
#include "kernels/vectorize.h"
#include "model/config.h"
#include "model/int_decoder.h"
#include "model/synthetic_decoder.h"

namespace {

namespace k = atl::kernels;
namespace m = atl::model;

// TinyLlama-1.1B (see the top of the file).
constexpr std::int64_t kDim = 2048;
constexpr std::int64_t kHidden = 5632;
constexpr std::int64_t kLayers = 22;
constexpr std::int64_t kKvDim = 4 * (kDim / 32);  // kv_heads * head_dim
constexpr std::int64_t kVocab = 32000;
constexpr std::int64_t kProducts = 4;  // per layer: QKV, O, gate-up, down

// Seeded int8 values (xorshift64*: a GB in about a second).
std::vector<std::int8_t> random_i8(std::int64_t n, std::uint64_t seed) {
  std::vector<std::int8_t> v(static_cast<std::size_t>(n));
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::int64_t i = 0; i < n; i += 8) {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    const std::uint64_t r = s * 0x2545F4914F6CDD1Dull;
    for (std::int64_t j = 0; j < 8 && i + j < n; ++j) {
      v[static_cast<std::size_t>(i + j)] = static_cast<std::int8_t>(r >> (8 * j));
    }
  }
  return v;
}

k::Int8Matrix random_matrix(std::int64_t out, std::int64_t in, std::uint64_t seed) {
  return k::Int8Matrix(random_i8(out * in, seed), out, in);
}

// --- (a) memory read bandwidth ---------------------------------------------------------------

// 64-bit words that may alias the int8 weights they are read from.
using Word = std::uint64_t __attribute__((may_alias));

// Four independent sums: the loads, not an addition chain, set the pace. n: a multiple of 4.
ATL_VECTOR_CLONES std::uint64_t sum_words(const Word* p, std::int64_t n) {
  std::uint64_t s[4] = {};
  for (std::int64_t i = 0; i < n; i += 4) {
    for (std::int64_t j = 0; j < 4; ++j) s[j] += p[i + j];
  }
  return s[0] + s[1] + s[2] + s[3];
}

void BM_MemoryReadBandwidth(benchmark::State& state) {
  constexpr std::int64_t kWords = (std::int64_t{512} << 20) / 8;  // far beyond any L3
  // Like the packed weights of an Int8Matrix: on huge pages where the kernel grants them.
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  const auto free_huge = [](std::uint64_t* p) { ::operator delete[](p, std::align_val_t{kHuge}); };
  std::unique_ptr<std::uint64_t[], decltype(free_huge)> buffer(
      static_cast<std::uint64_t*>(::operator new[](kWords * 8, std::align_val_t{kHuge})),
      free_huge);
  madvise(buffer.get(), kWords * 8, MADV_HUGEPAGE);
  constexpr std::int64_t kChunk = 1 << 16;  // words per work item
  const std::int64_t chunks = kWords / kChunk;
#pragma omp parallel for schedule(static)
  for (std::int64_t c = 0; c < chunks; ++c) {
    for (std::int64_t i = c * kChunk; i < (c + 1) * kChunk; ++i) buffer[i] = i;
  }
  for (auto _ : state) {
    std::uint64_t total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (std::int64_t c = 0; c < chunks; ++c) total += sum_words(buffer.get() + c * kChunk, kChunk);
    benchmark::DoNotOptimize(total);
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(kWords * 8) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MemoryReadBandwidth)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// --- (b) decode and (c) its peak memory ------------------------------------------------------

struct DecodeWeights {
  std::vector<k::Int8Matrix> layers;  // per layer: wq;wk;wv, wo, w1;w3 (gate;up), w2 (down)
  std::unique_ptr<k::Int8Matrix> lm_head;
  std::int64_t bytes = 0;  // int8 weight bytes read per token
};

DecodeWeights tinyllama_weights() {
  DecodeWeights w;
  std::uint64_t seed = 1;
  for (std::int64_t l = 0; l < kLayers; ++l) {
    for (const auto& [out, in] :
         {std::pair{kDim + 2 * kKvDim, kDim}, {kDim, kDim}, {2 * kHidden, kDim}, {kDim, kHidden}}) {
      w.layers.push_back(random_matrix(out, in, seed++));
    }
  }
  w.lm_head = std::make_unique<k::Int8Matrix>(random_matrix(kVocab, kDim, seed));
  for (const auto& m : w.layers) w.bytes += m.packed_bytes();
  w.bytes += w.lm_head->packed_bytes();
  return w;
}

// Built on first use and kept: Google Benchmark calls a benchmark several times.
const DecodeWeights& decode_weights() {
  static const DecodeWeights w = tinyllama_weights();
  return w;
}

// Wall seconds since `start`: the fastest token of a run is what the code reaches in the moments
// a loaded machine gives it both cores (reported beside the mean, never instead of it).
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds of all threads of this process (threads waiting for a core do not count).
double process_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// One pass that reads every packed weight byte and does nothing else, in one OpenMP region:
// the bandwidth these very pages give, measured between two tokens (the load of a shared
// machine changes from second to second). Pieces of at most 512 KB, handed out dynamically.
std::uint64_t read_all(const DecodeWeights& w) {
  std::vector<std::span<const std::int8_t>> pieces;
  const auto add = [&](const k::Int8Matrix& m) {
    const auto bytes = m.packed();  // 64-byte aligned, a multiple of 64 bytes
    for (std::size_t at = 0; at < bytes.size(); at += 512 << 10) {
      pieces.push_back(bytes.subspan(at, std::min<std::size_t>(512 << 10, bytes.size() - at)));
    }
  };
  for (const auto& m : w.layers) add(m);
  add(*w.lm_head);
  std::uint64_t total = 0;
  const auto n = static_cast<std::int64_t>(pieces.size());
#pragma omp parallel for schedule(dynamic) reduction(+ : total)
  for (std::int64_t i = 0; i < n; ++i) {
    const auto& piece = pieces[static_cast<std::size_t>(i)];
    total += sum_words(reinterpret_cast<const Word*>(piece.data()),
                       static_cast<std::int64_t>(piece.size() / 8));
  }
  return total;
}

void BM_DecodeProductsOnly(benchmark::State& state, k::Int8Isa isa) {
  const DecodeWeights& w = decode_weights();
  const auto x = random_i8(kDim, 101);     // a normed, requantised token
  const auto h = random_i8(kHidden, 102);  // the SwiGLU output, requantised
  std::vector<std::int32_t> y(static_cast<std::size_t>(kVocab));
  // As the IntDecoder runs them: one parallel region per token, each product shared by the team
  // and followed by a barrier.
  k::ThreadTeam team(omp_get_max_threads());
  const auto token = [&] {
#pragma omp parallel
    {
      const k::TeamThread me = k::TeamThread::current(team);
      for (std::int64_t l = 0; l < kLayers; ++l) {
        for (std::int64_t j = 0; j < kProducts; ++j) {
          w.layers[static_cast<std::size_t>(l * kProducts + j)].multiply(
              j == kProducts - 1 ? h.data() : x.data(), 1, y.data(), {}, me, isa);
          me.barrier();
        }
      }
      w.lm_head->multiply(x.data(), 1, y.data(), {}, me, isa);
      me.barrier();
    }
  };
  token();  // warm-up
  std::vector<double> pass_s, pass_cpu_s;
  double fastest_s = 1e9;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    token();
    benchmark::DoNotOptimize(y.data());
    fastest_s = std::min(fastest_s, seconds_since(start));
    state.PauseTiming();
    const double cpu0 = process_cpu_s();
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(read_all(w));
    pass_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    pass_cpu_s.push_back(process_cpu_s() - cpu0);
    state.ResumeTiming();
  }
  std::sort(pass_s.begin(), pass_s.end());
  std::sort(pass_cpu_s.begin(), pass_cpu_s.end());
  state.SetLabel(
      std::string("TinyLlama-1.1B shape; int8 products only: 22 layers x 4 + LM head; ") +
      k::to_string(isa));
  state.counters["weight_mb"] = static_cast<double>(w.bytes) / (1 << 20);
  state.counters["fastest_token_ms"] = fastest_s * 1e3;
  state.counters["read_pass_cpu_s"] = pass_cpu_s[pass_cpu_s.size() / 2];
  state.counters["read_pass_GB/s"] =
      static_cast<double>(w.bytes) * 1e-9 / pass_s[pass_s.size() / 2];
  state.counters["weight_GB/s"] = benchmark::Counter(static_cast<double>(w.bytes) * 1e-9,
                                                     benchmark::Counter::kIsIterationInvariantRate);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// --- the whole integer decoder (model::IntDecoder), one token per iteration ------------------

// Resident memory of this process now (VmRSS), in MiB.
double resident_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  double kib = 0;
  while (status >> key) {
    if (key == "VmRSS:" && status >> kib) break;
    status.ignore(1 << 10, '\n');
  }
  return kib / 1024.0;
}

struct IntModel {
  std::unique_ptr<m::IntDecoder> decoder;
  double rss_after_build_mib = 0;
};

// Synthetic TinyLlama-1.1B weights (model::synthetic_reader) calibrated to the integer decoder
// one piece at a time: at most one layer (or the LM head) of float weights is held.
const IntModel& int_model() {
  static const IntModel model = [] {
    IntModel r;
    const auto config = m::load_decoder_config(std::filesystem::path(ATOLL_SOURCE_DIR) /
                                               "examples/models/tinyllama-1.1b.yaml");
    r.decoder = std::make_unique<m::IntDecoder>(m::synthetic_reader(config, 1));
    r.rss_after_build_mib = resident_mib();
    return r;
  }();
  return model;
}

void BM_DecodeIntDecoder(benchmark::State& state) {
  const IntModel& model = int_model();
  m::IntDecoder& decoder = *model.decoder;
  constexpr int kPrompt = 16;    // positions filled by a prefill before the timed tokens
  constexpr int kContext = 128;  // the cache is reset (untimed) when a run reaches it
  const std::vector<int> prompt = [] {
    std::vector<int> p(kPrompt);
    for (int i = 0; i < kPrompt; ++i) p[static_cast<std::size_t>(i)] = 1 + 37 * i;
    return p;
  }();
  int token = 0;
  const auto restart = [&] {
    decoder.reset();
    const auto logits = decoder.prefill(prompt);
    token = static_cast<int>(
        atl::kernels::argmax(logits.data(), static_cast<std::int64_t>(logits.size())));
  };
  restart();
  double fastest_s = 1e9;
  for (auto _ : state) {
    if (decoder.next_position() >= kContext) {
      state.PauseTiming();
      restart();
      state.ResumeTiming();
    }
    const auto start = std::chrono::steady_clock::now();
    const auto logits = decoder.forward(token, static_cast<int>(decoder.next_position()));
    token = static_cast<int>(
        atl::kernels::argmax(logits.data(), static_cast<std::int64_t>(logits.size())));
    fastest_s = std::min(fastest_s, seconds_since(start));
  }
  state.counters["fastest_token_ms"] = fastest_s * 1e3;
  state.SetLabel(
      "TinyLlama-1.1B shape, synthetic weights; model::IntDecoder::forward, the whole "
      "step (greedy, positions 16-127)");
  state.counters["rss_mb"] = model.rss_after_build_mib;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_DecodeIntDecoder)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->MinTime(2.0);

// --- prefill: Int8Matrix vs oneDNN on the FFN up matrix [5632][2048] --------------------------

void set_macs(benchmark::State& state, double macs) {
  state.counters["GMAC/s"] =
      benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ProductInt8Matrix(benchmark::State& state) {
  const std::int64_t tokens = state.range(0);
  const auto m = random_matrix(kHidden, kDim, 7);
  const auto x = random_i8(tokens * kDim, 8);
  std::vector<std::int32_t> y(static_cast<std::size_t>(tokens * kHidden));
  for (auto _ : state) {
    m.multiply(x.data(), tokens, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  set_macs(state, static_cast<double>(tokens * kHidden * kDim));
  state.SetLabel(k::to_string(k::best_int8_isa()));
}
BENCHMARK(BM_ProductInt8Matrix)->Arg(1)->Arg(8)->Arg(32)->Arg(128)->UseRealTime();

void BM_ProductOneDnn(benchmark::State& state) {
  const std::int64_t tokens = state.range(0);
  const atl::core::Tensor<std::int8_t> w({kHidden, kDim}, random_i8(kHidden * kDim, 7));
  const std::vector<std::int32_t> bias(static_cast<std::size_t>(kHidden), 0);
  const k::LinearPlan plan(w, bias);
  const auto x = random_i8(tokens * kDim, 8);
  std::vector<std::int32_t> y(static_cast<std::size_t>(tokens * kHidden));
  for (auto _ : state) {
    plan.run(x.data(), tokens, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  set_macs(state, static_cast<double>(tokens * kHidden * kDim));
}
BENCHMARK(BM_ProductOneDnn)->Arg(1)->Arg(8)->Arg(32)->Arg(128)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  // The decode once per path this CPU has, the fastest (what multiply() picks) first.
  for (const k::Int8Isa isa :
       {k::Int8Isa::avx512_vnni, k::Int8Isa::avx_vnni, k::Int8Isa::portable}) {
    if (!k::int8_isa_available(isa)) continue;
    benchmark::RegisterBenchmark(
        (std::string("BM_DecodeProductsOnly/") + k::to_string(isa)).c_str(), BM_DecodeProductsOnly,
        isa)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MeasureProcessCPUTime()
        ->MinTime(2.0);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
