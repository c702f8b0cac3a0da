// The simulator's target: 12-layer I-BERT-base on 72 Sidewinder-100 boards (six per layer, split
// like the 6-FPGA prototype: QKV | heads | out-proj + LN1 | FFN1 | FFN2 | LN2), 1,000 sequences
// back to back, in <= 10 s and <= 1 GB. Prints events/s and the peak resident memory. And the
// decoder's (issue 13): Llama-2-70B on 256 Alveo U55C, a prompt of 128 tokens and 512 decode
// steps, in <= 10 s (the mapping before it is not timed).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <string>

#include "graph/arch_ibert.h"
#include "hw/cluster.h"
#include "map/decoder_mapper.h"
#include "map/mapper.h"
#include "map/placement.h"
#include "model/config.h"
#include "plan/make_plan.h"
#include "sim/decode.h"
#include "sim/sim.h"

namespace {

atl::plan::Plan bert_base_72() {
  const std::filesystem::path root = ATOLL_SOURCE_DIR;
  atl::model::ModelConfig config =
      atl::model::load_model_config(root / "examples/models/ibert-base.yaml");
  atl::hw::Catalogue catalogue = atl::hw::load_catalogue(atl::hw::default_catalogue_dir());
  atl::hw::Cluster cluster =
      atl::hw::load_cluster(root / "examples/clusters/sidewinder-144.yaml", catalogue);
  cluster.nodes.resize(6 * config.layers);
  atl::graph::Graph graph = atl::graph::build_graph(config);
  std::string placement = "placement:\n";
  for (int l = 0; l < config.layers; ++l) {
    const int f = 6 * l;
    placement += fmt::format(
        "  fpga{}: [l{}.q, l{}.k, l{}.v]\n  fpga{}: [\"l{}.h*\"]\n  fpga{}: [l{}.out_proj, "
        "l{}.ln_attn]\n  fpga{}: [l{}.ffn1]\n  fpga{}: [l{}.ffn2]\n  fpga{}: [l{}.ln_ffn]\n",
        f, l, l, l, f + 1, l, f + 2, l, l, f + 3, l, f + 4, l, f + 5, l);
  }
  std::vector<int> nodes = atl::map::parse_placement(placement, "bench", graph, cluster);
  atl::map::Mapping m = atl::map::map_manual(std::move(graph), cluster, std::move(nodes));
  atl::plan::Plan p;
  p.model_config = "ibert-base";
  p.graph = std::move(m.graph);
  p.cluster = std::move(cluster);
  p.node_of_kernel = std::move(m.node_of_kernel);
  p.estimate = m.estimate;
  return p;
}

void BM_SimulateBertBase72Fpgas(benchmark::State& state) {
  const atl::plan::Plan plan = bert_base_72();
  atl::sim::Options options;
  options.sequences = state.range(0);
  atl::sim::Result r;
  for (auto _ : state) {
    r = atl::sim::simulate(plan, options);
    benchmark::DoNotOptimize(r.latency);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["events"] = static_cast<double>(r.events);
  state.counters["events_per_s"] = benchmark::Counter(
      static_cast<double>(r.events), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["latency_us"] = static_cast<double>(r.latency) / 1e6;
  state.counters["analytic_latency_us"] = plan.estimate.latency_us;
  state.counters["seq_per_s"] = r.throughput_seq_per_s;
  state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_SimulateBertBase72Fpgas)->Arg(1000)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

namespace decoder {

void BM_SimulateLlama70B256(benchmark::State& state) {
  const std::filesystem::path root = ATOLL_SOURCE_DIR;
  const auto config = atl::model::load_model_config(root / "examples/models/llama-2-70b.yaml",
                                                    atl::model::Accept::any);
  const auto catalogue = atl::hw::load_catalogue(atl::hw::default_catalogue_dir());
  atl::hw::Cluster cluster =
      atl::hw::load_cluster(root / "examples/clusters/u55c-64.yaml", catalogue);
  cluster.nodes.resize(256, cluster.nodes[0]);
  for (int i = 0; i < 256; ++i) cluster.nodes[i].name = "fpga" + std::to_string(i);
  atl::map::DecoderMapping m = atl::map::map_decoder(config, cluster, {});
  atl::plan::Plan plan =
      atl::plan::make_plan("llama-2-70b.yaml", std::move(m.graph), cluster,
                           std::move(m.node_of_kernel), m.estimate, atl::plan::Objective::latency);
  plan.memory = std::move(m.memory);
  atl::sim::DecodeResult r;
  for (auto _ : state) {
    r = atl::sim::simulate_decoder(plan, {128, state.range(0) + 1, false});
    benchmark::DoNotOptimize(r.token_ms.data());
  }
  state.counters["decode_steps"] = static_cast<double>(r.token_ms.size());
  state.counters["ttft_ms"] = r.ttft_ms;
  state.counters["mean_token_ms"] = r.mean_token_ms;
}

BENCHMARK(BM_SimulateLlama70B256)->Arg(512)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace decoder

BENCHMARK_MAIN();
