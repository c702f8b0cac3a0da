#include "report/explore.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "core/error.h"
#include "graph/graph.h"
#include "hw/cluster.h"
#include "sim/sim.h"

namespace atl::report {
namespace {

int parse_size(const std::string& text, const std::string& where) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end) {
    throw core::Error(fmt::format(
        "{}: '{}' is not a cluster size (expected a list like 1,2,4,8 or a range like 1..256)",
        where, text));
  }
  hw::validate_node_count(v, where);
  return static_cast<int>(v);
}

std::string describe(const ExplorePoint& p) {
  return fmt::format("{} x {}", p.boards, p.board);
}

// Cheapest first: fewest boards, then the two figures in the given order.
bool cheaper(const ExplorePoint& a, const ExplorePoint& b, bool energy_first) {
  const auto key = [&](const ExplorePoint& p) {
    return energy_first ? std::make_tuple(p.boards, p.energy_mj, p.latency_ms)
                        : std::make_tuple(p.boards, p.latency_ms, p.energy_mj);
  };
  return key(a) < key(b);
}

std::optional<std::size_t> cheapest(const std::vector<ExplorePoint>& points, bool energy,
                                    double below) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const ExplorePoint& p = points[i];
    if (!p.fits || (energy ? p.energy_mj : p.latency_ms) >= below) continue;
    if (!best || cheaper(p, points[*best], energy)) best = i;
  }
  return best;
}

}  // namespace

const char* to_string(ExploreObjective objective) {
  switch (objective) {
    case ExploreObjective::latency:
      return "latency";
    case ExploreObjective::throughput:
      return "throughput";
    case ExploreObjective::energy:
      return "energy";
  }
  return "?";
}

ExploreObjective parse_explore_objective(const std::string& text, const std::string& where) {
  for (ExploreObjective o :
       {ExploreObjective::latency, ExploreObjective::throughput, ExploreObjective::energy}) {
    if (text == to_string(o)) return o;
  }
  throw core::Error(
      fmt::format("{}: objective '{}' is not latency, throughput or energy", where, text));
}

const char* to_string(ExploreUnit unit) {
  return unit == ExploreUnit::inference ? "inference" : "token";
}

std::vector<int> parse_cluster_sizes(const std::string& text, const std::string& where) {
  std::set<int> sizes;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    const std::size_t dots = item.find("..");
    if (dots == std::string::npos) {
      sizes.insert(parse_size(item, where));
      continue;
    }
    const int lo = parse_size(item.substr(0, dots), where);
    const int hi = parse_size(item.substr(dots + 2), where);
    if (lo > hi) {
      throw core::Error(fmt::format("{}: range '{}' is empty ({} > {})", where, item, lo, hi));
    }
    for (std::int64_t n = lo; n < hi; n *= 2) sizes.insert(static_cast<int>(n));
    sizes.insert(hi);
  }
  if (sizes.empty()) {
    throw core::Error(fmt::format("{}: empty sweep: no cluster sizes in '{}'", where, text));
  }
  return {sizes.begin(), sizes.end()};
}

ExplorePoint simulate_point(const plan::Plan& plan, std::int64_t batch) {
  sim::Options options;
  options.sequences = batch;
  const sim::Result r = sim::simulate(plan, options);
  std::set<int> used;
  for (std::size_t k = 0; k < plan.graph.kernels.size(); ++k) {
    if (!graph::is_endpoint(plan.graph.kernels[k].role)) used.insert(plan.node_of_kernel[k]);
  }
  ExplorePoint p;
  p.fits = true;
  p.cluster = static_cast<int>(plan.cluster.nodes.size());
  p.boards = static_cast<int>(used.size());
  std::set<std::string> boards;
  for (int n : used) {
    p.board_power_w += plan.cluster.nodes[n].device.board_power_w / p.boards;
    boards.insert(plan.cluster.nodes[n].device.name);
  }
  p.board = boards.size() == 1 ? *boards.begin() : "mixed";
  p.latency_ms = static_cast<double>(batch == 1 ? r.latency : r.makespan) / 1e9;
  const double rate = plan.estimate.throughput_seq_per_s;
  p.analytic_latency_ms =
      plan.estimate.latency_us / 1e3 + (rate > 0 ? static_cast<double>(batch - 1) / rate * 1e3 : 0);
  p.throughput_per_s = r.throughput_seq_per_s;
  p.energy_mj = point_energy_mj(p, batch);
  return p;
}

ExplorePoint decode_point(const sim::DecodeResult& r, const std::string& board) {
  ExplorePoint p;
  p.board = board;
  p.fits = true;
  p.cluster = r.boards;
  p.boards = r.boards;
  p.board_power_w = r.boards > 0 ? r.board_power_w / r.boards : 0;
  p.latency_ms = r.mean_token_ms;
  p.throughput_per_s = r.tokens_per_s;
  p.energy_mj = r.board_power_w * r.mean_token_ms;
  return p;
}

double point_energy_mj(const ExplorePoint& point, std::int64_t batch) {
  return point.board_power_w * point.boards * point.latency_ms / static_cast<double>(batch);
}

std::vector<std::size_t> pareto_front(const std::vector<ExplorePoint>& points,
                                      ExploreObjective objective) {
  const auto no_worse = [](const ExplorePoint& a, const ExplorePoint& b) {
    return a.latency_ms <= b.latency_ms && a.energy_mj <= b.energy_mj && a.boards <= b.boards;
  };
  const auto same = [](const ExplorePoint& a, const ExplorePoint& b) {
    return a.latency_ms == b.latency_ms && a.energy_mj == b.energy_mj && a.boards == b.boards;
  };
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!points[i].fits) continue;
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) {
      if (j == i || !points[j].fits || !no_worse(points[j], points[i])) continue;
      dominated = !same(points[j], points[i]) || j < i;
    }
    if (!dominated) front.push_back(i);
  }
  const bool energy_first = objective == ExploreObjective::energy;
  std::stable_sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) {
    const ExplorePoint& x = points[a];
    const ExplorePoint& y = points[b];
    return energy_first ? std::tie(x.energy_mj, x.latency_ms, x.boards) <
                              std::tie(y.energy_mj, y.latency_ms, y.boards)
                        : std::tie(x.latency_ms, x.energy_mj, x.boards) <
                              std::tie(y.latency_ms, y.energy_mj, y.boards);
  });
  return front;
}

std::vector<Anchor> encoder_anchors(const Baselines& baselines, const std::string& family,
                                    std::int64_t seq_len, std::int64_t batch) {
  std::vector<Anchor> anchors;
  for (const Baseline& b : baselines.entries) {
    if (b.model != family || b.seq_len != seq_len || !b.batch || *b.batch != batch ||
        !b.latency_ms) {
      continue;
    }
    Anchor a;
    a.name = b.name;
    a.device = b.device;
    a.kind = b.kind;
    a.source = b.source;
    a.grade = b.grade;
    a.latency_ms = *b.latency_ms;
    a.power_w = b.power_w;
    a.energy_mj = b.power_w * *b.latency_ms / static_cast<double>(batch);
    anchors.push_back(std::move(a));
  }
  return anchors;
}

std::vector<Anchor> decoder_anchors(const std::vector<DecoderBaseline>& baselines,
                                    const std::vector<PeakDevice>& devices, const Work& work,
                                    const std::string& model) {
  std::vector<Anchor> anchors;
  std::set<std::tuple<std::string, int, double>> floors;  // (device, devices, bytes per weight)
  for (const DecoderBaseline& b : baselines) {
    if (b.model != model || b.phase != DecoderPhase::decode) continue;
    Anchor a;
    a.name = b.name;
    a.device = b.devices > 1 ? fmt::format("{} x {}", b.devices, b.device) : b.device;
    a.kind = b.fpga ? SystemKind::fpga : SystemKind::gpu;
    a.source = b.source;
    a.grade = b.grade;
    a.latency_ms = b.latency_ms;
    a.power_w = b.power_w;
    a.energy_mj = b.energy_mj();
    anchors.push_back(std::move(a));
    if (!b.fpga) floors.insert({b.device, b.devices, b.precision.starts_with("int8") ? 1.0 : 2.0});
  }
  for (const auto& [name, count, bytes] : floors) {
    auto d = std::find_if(devices.begin(), devices.end(),
                          [&](const PeakDevice& x) { return x.name == name; });
    if (d == devices.end()) continue;
    const double ms = weight_floor_ms(work, *d, count, bytes);
    anchors.push_back({.name = fmt::format("floor: {} weights / {} GB/s",
                                           bytes == 1 ? "int8" : "fp16", d->mem_gbps * count),
                       .device = count > 1 ? fmt::format("{} x {}", count, name) : name,
                       .source = d->source,
                       .grade = std::string(1, 'D'),
                       .kind = SystemKind::roofline,
                       .latency_ms = ms,
                       .power_w = d->tdp_w * count,
                       .energy_mj = d->tdp_w * count * ms});
  }
  return anchors;
}

AnchorAnswer answer(const Anchor& anchor, const std::vector<ExplorePoint>& points) {
  return {anchor, cheapest(points, false, anchor.latency_ms),
          cheapest(points, true, anchor.energy_mj)};
}

void conclude(Exploration& e, const std::vector<Anchor>& anchors) {
  e.front = pareto_front(e.points, e.objective);
  e.answers.clear();
  for (const Anchor& a : anchors) e.answers.push_back(answer(a, e.points));
}

std::vector<std::string> answer_lines(const Exploration& e) {
  const std::size_t fitting = static_cast<std::size_t>(
      std::count_if(e.points.begin(), e.points.end(), [](const auto& p) { return p.fits; }));
  // The closest miss: the fastest (or the least energy) fitting point.
  const auto best = [&](bool energy) -> std::string {
    const auto value = [&](std::size_t i) {
      return energy ? e.points[i].energy_mj : e.points[i].latency_ms;
    };
    std::optional<std::size_t> b;
    for (std::size_t i = 0; i < e.points.size(); ++i) {
      if (e.points[i].fits && (!b || value(i) < value(*b))) b = i;
    }
    const ExplorePoint& p = e.points[*b];
    return energy ? fmt::format("least: {} at {:.4g} mJ", describe(p), p.energy_mj)
                  : fmt::format("fastest: {} at {:.4g} ms", describe(p), p.latency_ms);
  };
  const auto part = [&](const std::optional<std::size_t>& i, bool energy) -> std::string {
    if (i) {
      const ExplorePoint& p = e.points[*i];
      return energy ? fmt::format("{} ({:.4g} mJ)", describe(p), p.energy_mj)
                    : fmt::format("{} ({:.4g} ms)", describe(p), p.latency_ms);
    }
    if (fitting == 0) return "none (no combination fits)";
    return fmt::format("none of the {} fitting points ({})", fitting, best(energy));
  };
  std::vector<std::string> lines;
  for (const AnchorAnswer& a : e.answers) {
    lines.push_back(fmt::format("vs {} ({}, {:.4g} ms, {:.4g} mJ per {}): latency: {}; energy: {}",
                                a.anchor.name, a.anchor.device, a.anchor.latency_ms,
                                a.anchor.energy_mj, to_string(e.unit), part(a.faster, false),
                                part(a.greener, true)));
  }
  return lines;
}

}  // namespace atl::report
