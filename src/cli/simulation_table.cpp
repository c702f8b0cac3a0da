#include "cli/simulation_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "cost/aie_cost.h"

namespace atl::cli {
namespace {

constexpr std::size_t kLongestSteps = 3;

// "critical path: N steps (a kernel, b stream, c link); longest: name[rows] us, ..."
std::string path_summary(const std::vector<sim::PathStep>& path) {
  std::array<int, 3> count{};  // by StepKind: kernel, stream, link
  for (const sim::PathStep& s : path) ++count[static_cast<std::size_t>(s.kind)];
  std::vector<const sim::PathStep*> longest;
  for (const sim::PathStep& s : path) longest.push_back(&s);
  std::stable_sort(longest.begin(), longest.end(), [](const auto* a, const auto* b) {
    return a->end - a->start > b->end - b->start;
  });
  longest.resize(std::min(longest.size(), kLongestSteps));
  std::string out = fmt::format("critical path: {} steps ({} kernel, {} on-chip stream, {} link)",
                                path.size(), count[0], count[1], count[2]);
  for (std::size_t i = 0; i < longest.size(); ++i) {
    const sim::PathStep& s = *longest[i];
    out += fmt::format("{}{}[{}..{}] {:.2f} us", i == 0 ? "; longest: " : ", ", s.name, s.first_row,
                       s.last_row, static_cast<double>(s.end - s.start) / 1e6);
  }
  return out;
}

// "AI Engines: n kernels on t tiles; busiest: name x % busy" when the plan puts matmuls on them.
void print_aie(const plan::Plan& plan, const sim::Result& r) {
  int kernels = 0;
  std::int64_t tiles = 0;
  const sim::KernelStats* busiest = nullptr;
  for (std::size_t k = 0; k < plan.graph.kernels.size(); ++k) {
    const std::int64_t t = cost::aie_tiles(plan.graph.kernels[k]);
    if (t == 0) continue;
    ++kernels;
    tiles += t;
    if (k < r.kernels.size() && (busiest == nullptr || r.kernels[k].busy > busiest->busy)) {
      busiest = &r.kernels[k];
    }
  }
  if (kernels == 0) return;
  fmt::print("AI Engines: {} kernels on {} tiles", kernels, tiles);
  if (busiest != nullptr && r.makespan > 0) {
    fmt::print("; busiest: {} {:.1f} % busy", busiest->name,
               100.0 * static_cast<double>(busiest->busy) / static_cast<double>(r.makespan));
  }
  fmt::print("\n");
}

}  // namespace

void print_simulation(const plan::Plan& plan, const sim::Result& r) {
  const double latency_us = static_cast<double>(r.latency) / 1e6;
  fmt::print(
      "latency (one sequence): {:.2f} us   analytic estimate: {:.2f} us ({:+.1f} %)\n", latency_us,
      plan.estimate.latency_us,
      plan.estimate.latency_us > 0 ? (latency_us / plan.estimate.latency_us - 1) * 100 : 0.0);
  fmt::print("throughput ({} sequences): {:.1f} seq/s   analytic estimate: {:.1f} seq/s\n",
             r.sequences, r.throughput_seq_per_s, plan.estimate.throughput_seq_per_s);
  fmt::print("{}\nevents: {}\n", path_summary(r.critical_path), r.events);
  print_aie(plan, r);
}

void print_decoder_simulation(const sim::DecodeResult& r) {
  constexpr double kMiB = 1 << 20;
  fmt::print("prompt {} tokens, {} new tokens, context {}; {} boards drawing {:.0f} W\n", r.prompt,
             r.new_tokens, r.context, r.boards, r.board_power_w);
  fmt::print(
      "weights: {:.1f} MiB on chip, {:.1f} MiB off chip; KV cache: {:.1f} MiB on chip, "
      "{:.1f} MiB off chip\n",
      r.weight_bytes_on_chip / kMiB, r.weight_bytes_off_chip / kMiB, r.kv_bytes_on_chip / kMiB,
      r.kv_bytes_off_chip / kMiB);
  fmt::print("time to first token: {:.3f} ms (prefill of {} tokens, {:.3f} J)\n", r.ttft_ms,
             r.prompt, r.prefill_energy_j);
  if (r.token_ms.empty()) {
    fmt::print("no decode steps (--new-tokens 1)\n");
  } else {
    fmt::print("{:>10} {:>12}\n", "position", "ms/token");
    const std::size_t n = r.token_ms.size();
    std::size_t shown = n;  // no index shown twice
    for (std::size_t q = 0; q <= 4; ++q) {
      const std::size_t i = q * (n - 1) / 4;
      if (i == shown) continue;
      shown = i;
      fmt::print("{:>10} {:>12.4f}\n", r.positions[i], r.token_ms[i]);
    }
    fmt::print("decode: mean {:.4f} ms/token, {:.1f} tokens/s, {:.4f} J/token\n", r.mean_token_ms,
               r.tokens_per_s, r.energy_per_token_j);
  }
  fmt::print("total: {:.3f} ms\n", r.total_ms);
  int kernels = 0, memory = 0, network = 0;
  for (const sim::DecodePathStep& s : r.critical_path) {
    if (s.kind == sim::DecodePathStep::Kind::kernel) ++kernels;
    if (s.bound == "memory") ++memory;
    if (s.bound == "network") ++network;
  }
  std::vector<const sim::DecodePathStep*> longest;
  for (const sim::DecodePathStep& s : r.critical_path) longest.push_back(&s);
  std::stable_sort(longest.begin(), longest.end(), [](const auto* a, const auto* b) {
    return a->end_us - a->start_us > b->end_us - b->start_us;
  });
  longest.resize(std::min<std::size_t>(longest.size(), 3));
  fmt::print(
      "critical path at position {}: {} steps, {} kernels ({} memory-bound), {} network "
      "hops; longest:",
      r.critical_path_position, r.critical_path.size(), kernels, memory, network);
  for (const sim::DecodePathStep* s : longest) {
    fmt::print(" {} ({}, {:.2f} us)", s->name, s->bound, s->end_us - s->start_us);
  }
  fmt::print("\n");
}

}  // namespace atl::cli
