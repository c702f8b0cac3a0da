// The mapper's targets: I-BERT-large (24 layers) onto 144 Sidewinder-100 boards in <= 5 s, and
// Llama-2-70B onto 256 Alveo U55C in <= 10 s (issue 13), with the same plan every run. Reports
// the plan's estimate as counters so a regression in quality shows next to one in speed.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "hw/cluster.h"
#include "map/decoder_mapper.h"
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

// 256 x u55c: examples/clusters/u55c-64.yaml's board and network, four times the nodes.
atl::hw::Cluster u55c(int count) {
  const std::filesystem::path root = ATOLL_SOURCE_DIR;
  const auto catalogue = atl::hw::load_catalogue(atl::hw::default_catalogue_dir());
  atl::hw::Cluster c = atl::hw::load_cluster(root / "examples/clusters/u55c-64.yaml", catalogue);
  c.nodes.resize(count, c.nodes[0]);
  for (int i = 0; i < count; ++i) c.nodes[i].name = "fpga" + std::to_string(i);
  return c;
}

void BM_MapLlama70B256(benchmark::State& state) {
  const std::filesystem::path root = ATOLL_SOURCE_DIR;
  const auto config = atl::model::load_model_config(root / "examples/models/llama-2-70b.yaml",
                                                    atl::model::Accept::any);
  const atl::hw::Cluster cluster = u55c(256);
  atl::map::DecoderMapping m;
  for (auto _ : state) {
    m = atl::map::map_decoder(config, cluster, {});
    benchmark::DoNotOptimize(m.node_of_kernel.data());
  }
  state.counters["kernels"] = static_cast<double>(m.graph.kernels.size());
  state.counters["streams"] = static_cast<double>(m.graph.streams.size());
  state.counters["tensor_parallel"] = m.tensor_parallel;
  state.counters["stages"] = m.pipeline_stages;
  state.counters["decode_ms"] = m.decode_ms;
}

BENCHMARK(BM_MapLlama70B256)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
