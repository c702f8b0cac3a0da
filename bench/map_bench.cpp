// The mapper's target: I-BERT-large (24 layers) onto 144 Sidewinder-100 boards in <= 5 s, with
// the same plan every run. Reports the plan's estimate as counters so a regression in quality
// shows next to one in speed.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "hw/cluster.h"
#include "map/mapper.h"
#include "model/config.h"

namespace {

void BM_MapBertLarge144(benchmark::State& state, atl::map::Objective objective) {
  const std::filesystem::path root = ATOLL_SOURCE_DIR;
  const auto config = atl::model::load_model_config(root / "examples/models/ibert-large.yaml");
  const auto catalogue = atl::hw::load_catalogue(atl::hw::default_catalogue_dir());
  const auto cluster =
      atl::hw::load_cluster(root / "examples/clusters/sidewinder-144.yaml", catalogue);
  atl::map::Mapping m;
  for (auto _ : state) {
    m = atl::map::map_automatic(config, cluster, objective);
    benchmark::DoNotOptimize(m.node_of_kernel.data());
  }
  int used = 0;
  for (const auto& n : m.estimate.nodes) used += n.resources.dsp > 0;
  state.counters["kernels"] = static_cast<double>(m.graph.kernels.size());
  state.counters["fpgas_used"] = used;
  state.counters["latency_us"] = m.estimate.latency_us;
  state.counters["seq_per_s"] = m.estimate.throughput_seq_per_s;
}

BENCHMARK_CAPTURE(BM_MapBertLarge144, latency, atl::map::Objective::latency)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_MapBertLarge144, throughput, atl::map::Objective::throughput)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
