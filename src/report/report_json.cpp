// to_json(Report): the machine form of the report (`atoll report --format json`).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_field.h"
#include "report/report.h"
#include "sim/result_json.h"

namespace atl::report {
namespace {

// A projection row's boards: far more than any cluster a row describes, far less than int.
constexpr std::int64_t kMaxFpgas = std::int64_t{1} << 20;

template <typename T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const Report& r) {
  nlohmann::json j;
  j["plan"] = r.inputs.plan_path;
  j["model"] = r.plan.graph.model;
  j["analytic"] = {{"latency_us", r.plan.estimate.latency_us},
                   {"throughput_seq_per_s", r.plan.estimate.throughput_seq_per_s}};
  j["simulation"] = sim::to_json(r.sim);
  j["simulation_ideal_network_latency_us"] = static_cast<double>(r.ideal_sim.latency) / 1e6;
  const FpgaResult& f = r.fpga;
  j["fpga"] = {{"label", f.label},
               {"model", f.model},
               {"layers", f.layers},
               {"seq_len", f.seq_len},
               {"fpgas", f.fpgas},
               {"board_power_w", f.board_power_w},
               {"latency_ms", f.latency_ms},
               {"analytic_latency_ms", f.analytic_latency_ms},
               {"throughput_seq_per_s", f.throughput_seq_per_s},
               {"energy_mj", f.energy_mj},
               {"energy_stream_mj", f.energy_stream_mj},
               {"macs", f.work.macs},
               {"weight_bytes", f.work.weight_bytes}};
  nlohmann::json comparisons = nlohmann::json::array();
  for (const Comparison& c : r.comparisons) {
    comparisons.push_back({{"name", c.name},
                           {"kind", to_string(c.kind)},
                           {"device", c.device},
                           {"model", c.model},
                           {"seq_len", c.seq_len},
                           {"batch", opt(c.batch)},
                           {"latency_ms", opt(c.latency_ms)},
                           {"throughput_seq_per_s", opt(c.throughput_seq_per_s)},
                           {"power_w", c.power_w},
                           {"energy_mj", opt(c.energy_mj)},
                           {"comparable", c.comparable},
                           {"fpga_latency_speedup", opt(c.latency_speedup)},
                           {"fpga_throughput_ratio", opt(c.throughput_ratio)},
                           {"fpga_energy_ratio", opt(c.energy_ratio)},
                           {"grade", c.grade},
                           {"source", c.source},
                           {"note", c.note}});
  }
  j["comparisons"] = std::move(comparisons);
  nlohmann::json projection = nlohmann::json::array();
  for (const ProjectionRow& p : r.inputs.projection) {
    projection.push_back({{"model", p.model},
                          {"board", p.board},
                          {"method", to_string(p.method)},
                          {"fpgas", p.fpgas},
                          {"latency_us", p.latency_us},
                          {"analytic_latency_us", p.analytic_latency_us},
                          {"throughput_seq_per_s", p.throughput_seq_per_s},
                          {"board_power_w", p.board_power_w},
                          {"energy_mj", p.energy_mj},
                          {"energy_stream_mj", p.energy_stream_mj},
                          {"note", p.note}});
  }
  j["projection"] = std::move(projection);
  return j;
}

std::vector<ProjectionRow> projection_from_json(const nlohmann::json& report,
                                                const std::string& where) {
  if (!report.is_object() || !report.contains("projection") || !report["projection"].is_array()) {
    throw core::Error(where + ": expected a report JSON with a 'projection' list");
  }
  std::vector<ProjectionRow> rows;
  const nlohmann::json& list = report["projection"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& p = list[i];
    const std::string at = fmt::format("{}: projection[{}]", where, i);
    ProjectionRow r;
    r.model = core::json_field<std::string>(p, "model", at);
    r.board = core::json_field<std::string>(p, "board", at);
    r.method = parse_method(core::json_field<std::string>(p, "method", at), at);
    r.fpgas = static_cast<int>(core::json_int(p, "fpgas", at, 0, kMaxFpgas));
    r.latency_us = core::json_field<double>(p, "latency_us", at);
    r.analytic_latency_us = core::json_field<double>(p, "analytic_latency_us", at);
    r.throughput_seq_per_s = core::json_field<double>(p, "throughput_seq_per_s", at);
    r.board_power_w = core::json_field<double>(p, "board_power_w", at);
    r.energy_mj = core::json_field<double>(p, "energy_mj", at);
    r.energy_stream_mj = core::json_field<double>(p, "energy_stream_mj", at);
    r.note = p.contains("note") ? core::json_field<std::string>(p, "note", at) : "";
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace atl::report
