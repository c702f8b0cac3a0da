// Per-token decode time of stories260K's shape (synthetic weights of examples/models/
// stories260K.yaml; the real checkpoint when ../shared has it) on 4 in-process software nodes
// with tensor parallelism (platform/decoder_run.h) against the single-process model::IntDecoder
// (`atoll generate`), in one run: ratios.py prints the ratio (issue 13 target: <= 2x).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "hw/cluster.h"
#include "hw/device.h"
#include "map/decoder_mapper.h"
#include "model/config.h"
#include "model/int_decoder.h"
#include "model/llama2c.h"
#include "model/synthetic_decoder.h"
#include "plan/make_plan.h"
#include "plan/plan.h"
#include "platform/decoder_run.h"

namespace {

using namespace atl;

constexpr int kNewTokens = 64;
const std::filesystem::path kCheckpoint =
    std::filesystem::path(ATOLL_SOURCE_DIR) / "../shared/models/stories260K/stories260K.bin";

model::DecoderWeightReader weights() {
  if (std::filesystem::exists(kCheckpoint)) return model::open_llama2c(kCheckpoint);
  const model::DecoderConfig c = model::load_decoder_config(
      std::filesystem::path(ATOLL_SOURCE_DIR) / "examples/models/stories260K.yaml");
  return model::synthetic_reader(c, 1);
}

// The decoder mapper's plan for 4 boards at tensor-parallel degree 4 (docs/mapping.md): every
// splitting role in 4 parts, part p and the attention kernel of heads 2p and 2p + 1 on board p,
// the norms, reductions and the host's ends on board 0.
plan::Plan four_nodes(const model::DecoderConfig& d) {
  const model::ModelConfig c = model::model_config(d);
  const hw::Catalogue catalogue = hw::load_catalogue(hw::default_catalogue_dir());
  hw::Cluster cluster;
  cluster.name = "bench";
  for (int n = 0; n < 4; ++n)
    cluster.nodes.push_back({fmt::format("n{}", n), catalogue.at("u55c")});
  map::DecoderMapping m = map::map_decoder(c, cluster, {.tensor_parallel = 4});
  plan::Plan p = plan::make_plan(d.name, std::move(m.graph), cluster, std::move(m.node_of_kernel),
                                 std::move(m.estimate), plan::Objective::latency);
  p.memory = std::move(m.memory);
  return p;
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// `atoll generate`'s loop: BOS, then kNewTokens - 1 decode steps; the median step.
void BM_DecodeStories260KSingleProcess(benchmark::State& state) {
  model::IntDecoder m(weights());
  std::vector<double> steps;
  for (auto _ : state) {
    m.reset();
    m.prefill(std::vector<int>{1});
    for (int pos = 1; pos < kNewTokens; ++pos) {
      const auto t0 = std::chrono::steady_clock::now();
      m.forward(m.greedy_token(), pos);
      steps.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  state.counters["ms_per_token"] = median(steps);
}
BENCHMARK(BM_DecodeStories260KSingleProcess)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);

// The same tokens as the single process, or the benchmark reports an error instead of a time.
void BM_DecodeStories260KFourNodes(benchmark::State& state) {
  const platform::DecoderTables tables = platform::calibrate_decoder(weights());
  const plan::Plan p = four_nodes(tables.config);
  model::IntDecoder m(weights());
  const std::vector<std::int64_t> expected =
      model::greedy_tokens(m, std::vector<int>{1}, kNewTokens);
  std::vector<double> steps;
  for (auto _ : state) {
    const platform::Generation g =
        platform::generate_on_nodes(p, tables, std::vector<std::int64_t>{1}, kNewTokens, {});
    if (g.tokens != expected) {
      state.SkipWithError("the 4 nodes' tokens differ from IntDecoder's");
      return;
    }
    steps.insert(steps.end(), g.decode_ms.begin(), g.decode_ms.end());
  }
  state.counters["ms_per_token"] = median(steps);
  state.counters["kernels"] = static_cast<double>(p.graph.kernels.size());
  int cross = 0;
  for (const graph::Stream& s : p.graph.streams) {
    cross += p.node_of_kernel[static_cast<std::size_t>(s.producer)] !=
             p.node_of_kernel[static_cast<std::size_t>(s.consumer)];
  }
  state.counters["streams"] = static_cast<double>(p.graph.streams.size());
  state.counters["cross_node_streams"] = cross;
}
BENCHMARK(BM_DecodeStories260KFourNodes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
