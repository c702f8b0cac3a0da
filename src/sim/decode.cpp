#include "sim/decode.h"

#include <fmt/format.h>

#include "core/error.h"
#include "cost/decode_fit.h"
#include "cost/decode_step.h"

namespace atl::sim {
namespace {

void check_options(const plan::Plan& plan, const DecodeOptions& o) {
  const graph::Graph& g = plan.graph;
  if (g.architecture == model::Architecture::ibert_encoder) {
    throw core::Error(
        fmt::format("model '{}' is an encoder: --prompt and --new-tokens time a "
                    "decoder's generation (simulate an encoder with --sequences)",
                    g.model));
  }
  const std::int64_t context = g.seq_len;
  if (o.prompt < 1 || o.prompt > context) {
    throw core::Error(fmt::format("--prompt {}: model '{}' has a context of {} tokens (1..{})",
                                  o.prompt, g.model, context, context));
  }
  if (o.new_tokens < 1) {
    throw core::Error(
        fmt::format("--new-tokens {}: at least 1 token must be generated", o.new_tokens));
  }
  if (o.new_tokens - 1 > context - o.prompt) {
    throw core::Error(fmt::format(
        "--prompt {} --new-tokens {}: the last decode step would be at position {}, past model "
        "'{}''s context of {} tokens (at most {} new tokens after this prompt)",
        o.prompt, o.new_tokens,
        static_cast<std::uint64_t>(o.prompt) + static_cast<std::uint64_t>(o.new_tokens) - 2,
        g.model, context, context - o.prompt + 1));
  }
}

double us(double s) {
  return s * 1e6;
}

std::vector<DecodePathStep> path_steps(const plan::Plan& plan, const cost::DecodeModel& model,
                                       const cost::PassTiming& t) {
  const graph::Graph& g = plan.graph;
  auto node = [&](int k) { return plan.cluster.nodes[plan.node_of_kernel[k]].name; };
  std::vector<DecodePathStep> steps;
  for (const cost::PathLink& link : cost::critical_path(g, model, t)) {
    if (link.stream >= 0) {
      const graph::Stream& s = g.streams[link.stream];
      const cost::KernelSpan& from = t.kernels[s.producer];
      steps.push_back(
          {DecodePathStep::Kind::stream,
           fmt::format("{} -> {}", g.kernels[s.producer].name, g.kernels[s.consumer].name),
           fmt::format("{} -> {}", node(s.producer), node(s.consumer)),
           model.stream_hops[link.stream] == 0 ? "on-chip" : "network", us(from.end_s),
           us(t.streams[link.stream].last_s)});
    }
    const cost::KernelSpan& k = t.kernels[link.kernel];
    steps.push_back({DecodePathStep::Kind::kernel, g.kernels[link.kernel].name, node(link.kernel),
                     k.memory_bound ? "memory" : "compute", us(k.start_s), us(k.end_s)});
  }
  return steps;
}

}  // namespace

DecodeResult simulate_decoder(const plan::Plan& plan, const DecodeOptions& o) {
  check_options(plan, o);
  const graph::Graph& g = plan.graph;
  const cost::DecodeModel model =
      cost::decode_model(g, plan.cluster, plan.node_of_kernel, plan.memory, o.ideal_network);
  const std::vector<cost::NodeUse> use = cost::node_use(model, plan.cluster.nodes.size());
  cost::check_decoder_fits(use, plan.cluster);

  DecodeResult r;
  r.prompt = o.prompt;
  r.new_tokens = o.new_tokens;
  r.context = g.seq_len;
  r.boards = static_cast<int>(plan.cluster.nodes.size());
  for (const hw::Node& n : plan.cluster.nodes) r.board_power_w += n.device.board_power_w;
  for (const cost::NodeUse& u : use) {
    r.weight_bytes_on_chip += u.weights_on_chip;
    r.weight_bytes_off_chip += u.weights_off_chip;
    r.kv_bytes_on_chip += u.kv_on_chip;
    r.kv_bytes_off_chip += u.kv_off_chip;
  }

  cost::PassTiming last = cost::time_pass(g, model, {0, o.prompt, 1});
  r.ttft_ms = last.seconds * 1e3;
  r.prefill_energy_j = r.board_power_w * last.seconds;
  double decode_s = 0;
  for (std::int64_t i = 0; i + 1 < o.new_tokens; ++i) {
    const std::int64_t position = o.prompt + i;
    last = cost::time_pass(g, model, {position, 1, 1});
    r.positions.push_back(position);
    r.token_ms.push_back(last.seconds * 1e3);
    decode_s += last.seconds;
  }
  r.critical_path_position = r.positions.empty() ? 0 : r.positions.back();
  r.critical_path = path_steps(plan, model, last);
  r.total_ms = r.ttft_ms + decode_s * 1e3;
  if (!r.token_ms.empty()) {
    const double steps = static_cast<double>(r.token_ms.size());
    r.mean_token_ms = decode_s * 1e3 / steps;
    r.tokens_per_s = steps / decode_s;
    r.energy_per_token_j = r.board_power_w * decode_s / steps;
  }
  return r;
}

}  // namespace atl::sim
