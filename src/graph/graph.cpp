#include "graph/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "core/error.h"
#include "graph/architecture.h"

namespace atl::graph {
namespace {

// One table per enum keeps the names and their parsing in one place.
constexpr std::array<std::pair<StageType, const char*>, 22> kStageNames{{
    {StageType::linear, "linear"},
    {StageType::quant_act, "quant_act"},
    {StageType::residual_act, "residual_act"},
    {StageType::attention_matmul, "attention_matmul"},
    {StageType::softmax, "softmax"},
    {StageType::softmax_matmul, "softmax_matmul"},
    {StageType::concat, "concat"},
    {StageType::gelu, "gelu"},
    {StageType::layernorm, "layernorm"},
    {StageType::embedding, "embedding"},
    {StageType::rmsnorm, "rmsnorm"},
    {StageType::decoder_layernorm, "decoder_layernorm"},
    {StageType::w8a8_linear, "w8a8_linear"},
    {StageType::rope, "rope"},
    {StageType::decoder_attention, "decoder_attention"},
    {StageType::swiglu, "swiglu"},
    {StageType::decoder_gelu, "decoder_gelu"},
    {StageType::residual_add, "residual_add"},
    {StageType::w8a8_partial, "w8a8_partial"},
    {StageType::w8a8_reduce, "w8a8_reduce"},
    {StageType::top1, "top1"},
    {StageType::argmax, "argmax"},
}};

constexpr std::array<std::pair<Pattern, const char*>, 5> kPatternNames{{
    {Pattern::send, "send"},
    {Pattern::bcast, "bcast"},
    {Pattern::scatter, "scatter"},
    {Pattern::gather, "gather"},
    {Pattern::reduce, "reduce"},
}};

template <typename E, std::size_t N>
std::string name_of(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "?";
}

template <typename E, std::size_t N>
E parse(const std::array<std::pair<E, const char*>, N>& table, const std::string& s,
        const std::string& what, const std::string& where) {
  std::string known;
  for (const auto& [v, name] : table) {
    if (s == name) return v;
    known += known.empty() ? name : std::string(", ") + name;
  }
  throw core::Error(
      fmt::format("{}: unknown {} '{}' (expected one of: {})", where, what, s, known));
}

}  // namespace

std::string to_string(StageType t) {
  return name_of(kStageNames, t);
}
std::string to_string(Role r) {
  return role_info(r).name;
}
std::string to_string(Pattern p) {
  return name_of(kPatternNames, p);
}

StageType stage_type_from_string(const std::string& s, const std::string& where) {
  return parse(kStageNames, s, "stage type", where);
}
Role role_from_string(model::Architecture architecture, const std::string& s,
                      const std::string& where) {
  const std::vector<RoleInfo>& roles = builder(architecture).roles;
  std::string known;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (roles[i].name == s) return {architecture, static_cast<int>(i)};
    known += (known.empty() ? "" : ", ") + roles[i].name;
  }
  throw core::Error(fmt::format("{}: unknown role '{}' of a {} (expected one of: {})", where, s,
                                model::to_string(architecture), known));
}
Pattern pattern_from_string(const std::string& s, const std::string& where) {
  return parse(kPatternNames, s, "pattern", where);
}

std::vector<int> topological_order(const Graph& g) {
  const int n = static_cast<int>(g.kernels.size());
  std::vector<std::vector<int>> out(n);
  std::vector<int> indegree(n, 0);
  for (const Stream& s : g.streams) {
    out[s.producer].push_back(s.consumer);
    ++indegree[s.consumer];
  }
  // Kahn's algorithm, always taking the smallest ready index so the order is deterministic.
  std::set<int> ready;
  for (int i = 0; i < n; ++i) {
    if (indegree[i] == 0) ready.insert(i);
  }
  std::vector<int> order;
  order.reserve(n);
  while (!ready.empty()) {
    const int k = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(k);
    for (int c : out[k]) {
      if (--indegree[c] == 0) ready.insert(c);
    }
  }
  if (static_cast<int>(order.size()) == n) return order;

  // Every kernel left has a producer that is also left: walk producers until one repeats.
  std::vector<int> producer_left(n, -1);
  for (const Stream& s : g.streams) {
    if (indegree[s.consumer] > 0 && indegree[s.producer] > 0)
      producer_left[s.consumer] = s.producer;
  }
  int k = 0;
  while (indegree[k] == 0) ++k;
  std::vector<int> seen_at(n, -1);
  std::vector<int> walk;
  while (seen_at[k] < 0) {
    seen_at[k] = static_cast<int>(walk.size());
    walk.push_back(k);
    k = producer_left[k];
  }
  // The walk goes consumer -> producer; reversed, the loop reads in data-flow order.
  std::string forward;
  std::vector<int> loop(walk.begin() + seen_at[k], walk.end());
  std::reverse(loop.begin(), loop.end());
  // Start at the first kernel of the graph on the loop, so the message does not depend on the walk.
  std::rotate(loop.begin(), std::min_element(loop.begin(), loop.end()), loop.end());
  for (int i : loop) forward += g.kernels[i].name + " -> ";
  forward += g.kernels[loop.front()].name;
  throw core::Error(fmt::format("graph '{}': cycle through kernels {}", g.model, forward));
}

void validate(const Graph& g) {
  const int n = static_cast<int>(g.kernels.size());
  auto fail = [&](const std::string& what) {
    throw core::Error(fmt::format("graph '{}': {}", g.model, what));
  };
  if (n == 0) fail("no kernels");
  if (g.seq_len <= 0) fail(fmt::format("seq_len must be positive, got {}", g.seq_len));
  std::set<std::string> names;
  for (const Kernel& k : g.kernels) {
    if (k.name.empty()) fail("a kernel has an empty name");
    if (!names.insert(k.name).second) fail(fmt::format("duplicate kernel name '{}'", k.name));
    if (k.parts < 1 || k.part < 0 || k.part >= k.parts) {
      fail(fmt::format("kernel '{}': part {} of {} is out of range", k.name, k.part, k.parts));
    }
    if (k.role.architecture != g.architecture || k.role.index < 0 ||
        k.role.index >= static_cast<int>(builder(g.architecture).roles.size())) {
      fail(fmt::format("kernel '{}': role {} is not one of a {}", k.name, k.role.index,
                       model::to_string(g.architecture)));
    }
    if (!is_sink(k.role) && k.out_bytes_per_token <= 0) {
      fail(fmt::format("kernel '{}': out_bytes_per_token must be positive", k.name));
    }
  }
  std::vector<std::array<int, 2>> fed(n, {0, 0});
  std::vector<int> feeds(n, 0);
  for (std::size_t i = 0; i < g.streams.size(); ++i) {
    const Stream& s = g.streams[i];
    if (s.producer < 0 || s.producer >= n || s.consumer < 0 || s.consumer >= n) {
      fail(fmt::format("stream {}: producer {} / consumer {} is not a kernel index (0..{})", i,
                       s.producer, s.consumer, n - 1));
    }
    const Kernel& p = g.kernels[s.producer];
    const Kernel& c = g.kernels[s.consumer];
    const std::string label = fmt::format("stream {} ({} -> {})", i, p.name, c.name);
    if (is_sink(p.role)) fail(label + ": the sink produces nothing");
    const int ports = role_info(c.role).ports;
    if (s.port < 0 || s.port >= ports) {
      fail(fmt::format("{}: port {} is dangling, a {} kernel reads ports 0..{}", label, s.port,
                       to_string(c.role), ports - 1));
    }
    if (s.bytes_per_token <= 0) fail(label + ": bytes_per_token must be positive");
    if (s.offset < 0 || (s.offset > 0 && s.offset + s.bytes_per_token > p.out_bytes_per_token)) {
      fail(fmt::format("{}: bytes {}..{} outside the producer's {}-byte row", label, s.offset,
                       s.offset + s.bytes_per_token, p.out_bytes_per_token));
    }
    ++fed[s.consumer][s.port];
    ++feeds[s.producer];
  }
  for (int i = 0; i < n; ++i) {
    const Kernel& k = g.kernels[i];
    for (int port = 0; port < role_info(k.role).ports; ++port) {
      if (fed[i][port] == 0)
        fail(fmt::format("kernel '{}': input port {} is dangling", k.name, port));
    }
    if (!is_sink(k.role) && feeds[i] == 0) {
      fail(fmt::format("kernel '{}': output is dangling (no stream reads it)", k.name));
    }
  }
  topological_order(g);
}

}  // namespace atl::graph
