// The software cluster's costs:
//   - one I-BERT-base encoder (seq 128) on the six-FPGA plan, in-process, against the
//     single-process reference (target: within 2x);
//   - packets/s and GB/s of the MPI and UDP transports on loopback, for a hidden-state row
//     (768 int8 = 12 flits) and an FFN/int32 row (48 flits), Galapagos wire format.
// The MPI case needs two ranks, so this program starts itself under mpirun
// (`platform_bench --mpi-stream ...` is that child) and reads back what rank 1 measured.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "graph/arch_ibert.h"
#include "model/encoder.h"
#include "model/synthetic.h"
#include "plan/plan.h"
#include "platform/failure.h"
#include "platform/mpi_launch.h"
#include "platform/mpi_transport.h"
#include "platform/run.h"
#include "platform/udp_transport.h"

namespace atl::platform {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

struct Encoder6 {
  plan::Plan plan;
  model::EncoderWeights weights;
  core::Tensor<std::int8_t> input;
};

const Encoder6& encoder6() {
  static const Encoder6 e = [] {
    Encoder6 e;
    e.plan =
        plan::load_plan(fs::path(ATOLL_SOURCE_DIR) / "examples/plans/ibert-encoder-6fpga.json");
    e.weights = model::synthetic_weights(graph::model_config(e.plan.graph), 1);
    e.input = model::random_input(e.plan.graph.seq_len, e.plan.graph.hidden, 2);
    return e;
  }();
  return e;
}

void BM_ReferenceEncoder(benchmark::State& state) {
  const Encoder6& e = encoder6();
  const model::Encoder reference(e.weights);
  for (auto _ : state) benchmark::DoNotOptimize(reference.forward(e.input));
}
BENCHMARK(BM_ReferenceEncoder)->Unit(benchmark::kMillisecond)->MinTime(2);

// The six nodes set up once (weight slices, oneDNN plans, kernel threads), then one sequence
// per iteration, as a deployed cluster serves them: the measure of the 2x target.
void BM_InprocSixNodes(benchmark::State& state) {
  const Encoder6& e = encoder6();
  SoftwareCluster nodes(e.plan, e.weights, e.input.dim(0));
  for (auto _ : state) benchmark::DoNotOptimize(nodes.run(e.input).output);
}
BENCHMARK(BM_InprocSixNodes)->Unit(benchmark::kMillisecond)->MinTime(2);

// One-shot, as `atoll run` does: setup plus one sequence on new threads (run_ms: the sequence).
void BM_InprocSixNodesOneShot(benchmark::State& state) {
  const Encoder6& e = encoder6();
  double run_ms = 0;
  for (auto _ : state) {
    RunResult r = run_plan(e.plan, e.weights, e.input);
    run_ms += r.run_ms;
    benchmark::DoNotOptimize(r.output);
  }
  state.counters["run_ms"] = run_ms / static_cast<double>(state.iterations());
}
BENCHMARK(BM_InprocSixNodesOneShot)->Unit(benchmark::kMillisecond)->MinTime(2);

Packet row_packet_of(std::size_t flits, std::uint32_t dest) {
  Packet p;
  p.dest = dest;
  p.id = 1;
  p.user = static_cast<std::uint16_t>(flits);
  p.data.assign(flits * kFlitBytes, 0x3c);
  return p;
}

// Node 1 holds kernel 2 (the receiver); node 0 kernel 1 (the sender).
// Kernel 1 (cluster 0) on node 0, kernel 2 on node 1.
RoutingTable two_nodes() {
  RoutingTable t;
  add_route(t, {0, 1}, 0);
  add_route(t, {0, 2}, 1);
  return t;
}

// Does nothing: the receiving side of a transport benchmark never sends.
class NoSend final : public Transport {
 public:
  Attachment attach(int, Router&, Failure&) override { return {}; }
  void send(int, Packet, Deadline, std::stop_token) override {}
  void barrier(Deadline, std::stop_token) override {}
};

void set_rate(benchmark::State& state, std::int64_t packets, std::size_t flits, double seconds) {
  const double bytes =
      static_cast<double>(packets * static_cast<std::int64_t>((flits + 1) * kFlitBytes));
  state.counters["packets_per_s"] = static_cast<double>(packets) / seconds;
  state.counters["GB_per_s"] = bytes / seconds / 1e9;
}

void BM_UdpTransport(benchmark::State& state) {
  const auto flits = static_cast<std::size_t>(state.range(0));
  const std::int64_t packets = 20000;
  const int port = 30000 + ::getpid() % 20000;
  const std::vector<UdpEndpoint> endpoints = loopback_endpoints(2, port);
  UdpTransport tx(endpoints, 0), rx(endpoints, 1);
  NoSend none;
  Router router(1, "rx", two_nodes(), none);
  Fifo<Packet> inbox("bench", static_cast<std::size_t>(packets));
  router.attach({0, 2}, inbox);
  Failure failure;
  const Attachment attached = rx.attach(1, router, failure);
  const Deadline setup = Clock::now() + seconds(10);
  std::jthread other([&] { tx.barrier(setup, {}); });
  rx.barrier(setup, {});
  other.join();
  const Packet p = row_packet_of(flits, 2);
  std::int64_t lost = 0;
  double total_s = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    std::jthread sender([&] {
      for (std::int64_t i = 0; i < packets; ++i) tx.send(1, p, Clock::now() + seconds(10), {});
    });
    std::int64_t got = 0;
    try {
      for (; got < packets; ++got) inbox.pop(Clock::now() + std::chrono::milliseconds(500));
    } catch (const core::Error&) {
      lost += packets - got;  // UDP drops what an overflowing socket cannot hold
    }
    sender.join();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    total_s += s;
    state.SetIterationTime(s);
  }
  set_rate(state, packets * state.iterations() - lost, flits, total_s);
  state.counters["lost"] = static_cast<double>(lost);
}
BENCHMARK(BM_UdpTransport)->Arg(12)->Arg(48)->UseManualTime()->Iterations(3);

// Rank 0 streams `packets` packets of `flits` flits to rank 1 through MpiTransport; rank 1
// times first-to-last arrival and writes "seconds packets" to `out`.
int mpi_stream(std::int64_t packets, std::size_t flits, const std::string& out) {
  MpiSession mpi(nullptr, nullptr);
  MpiTransport transport(rank_layout(2, mpi.world(), 1));
  NoSend none;
  Router router(mpi.rank(), fmt::format("rank{}", mpi.rank()), two_nodes(),
                mpi.rank() == 1 ? static_cast<Transport&>(none) : transport);
  Fifo<Packet> inbox("bench", static_cast<std::size_t>(packets));
  Failure failure;
  Attachment attached;
  if (mpi.rank() == 1) {
    router.attach({0, 2}, inbox);
    attached = transport.attach(1, router, failure);
  }
  const Deadline deadline = Clock::now() + seconds(60);
  transport.barrier(deadline, {});
  if (mpi.rank() == 0) {
    const Packet p = row_packet_of(flits, 2);
    for (std::int64_t i = 0; i < packets; ++i) transport.send(1, p, deadline, {});
  } else {
    inbox.pop(deadline);
    const auto t0 = Clock::now();
    for (std::int64_t i = 1; i < packets; ++i) inbox.pop(deadline);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::ofstream(out) << s << " " << packets - 1 << "\n";
  }
  transport.barrier(deadline, {});
  return 0;
}

void BM_MpiTransport(benchmark::State& state) {
  const auto flits = static_cast<std::size_t>(state.range(0));
  const fs::path out =
      fs::temp_directory_path() / fmt::format("atoll-mpi-bench-{}.txt", ::getpid());
  double total_s = 0;
  std::int64_t total_packets = 0;
  for (auto _ : state) {
    const int rc =
        run_process(mpirun_command(2, self_executable(),
                                   {"--mpi-stream", "20000", std::to_string(flits), out.string()}),
                    seconds(120));
    if (rc != 0) {
      state.SkipWithError("mpirun failed");
      return;
    }
    double s = 0;
    std::int64_t n = 0;
    std::ifstream(out) >> s >> n;
    total_s += s;
    total_packets += n;
    state.SetIterationTime(s);
  }
  fs::remove(out);
  set_rate(state, total_packets, flits, total_s);
}
BENCHMARK(BM_MpiTransport)->Arg(12)->Arg(48)->UseManualTime()->Iterations(3);

}  // namespace
}  // namespace atl::platform

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--mpi-stream") == 0) {
    return atl::platform::mpi_stream(std::stoll(argv[2]), std::stoul(argv[3]), argv[4]);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
