#include "sim/result_json.h"

#include <nlohmann/json.hpp>

namespace atl::sim {
namespace {

double us(Picos t) {
  return static_cast<double>(t) / 1e6;
}

}  // namespace

const char* to_string(StepKind kind) {
  switch (kind) {
    case StepKind::kernel:
      return "kernel";
    case StepKind::stream:
      return "stream";
    case StepKind::link:
      return "link";
  }
  return "?";
}

nlohmann::json to_json(const Result& r) {
  nlohmann::json j;
  j["latency_us"] = us(r.latency);
  j["latency_ps"] = r.latency;
  j["throughput_seq_per_s"] = r.throughput_seq_per_s;
  j["makespan_us"] = us(r.makespan);
  j["mean_latency_in_stream_us"] = r.mean_latency_in_stream_us;
  j["sequences"] = r.sequences;
  j["events"] = r.events;
  j["ideal_network"] = r.ideal_network;
  nlohmann::json kernels = nlohmann::json::array();
  for (const KernelStats& k : r.kernels) {
    kernels.push_back(
        {{"name", k.name},
         {"node", k.node},
         {"rows", k.rows},
         {"busy_us", us(k.busy)},
         {"starved_us", us(k.starved)},
         {"blocked_us", us(k.blocked)},
         {"utilisation", r.makespan > 0 ? static_cast<double>(k.busy) / r.makespan : 0.0},
         {"sequence0_start_us", us(k.first_start)},
         {"sequence0_end_us", us(k.last_end)}});
  }
  j["kernels"] = std::move(kernels);
  nlohmann::json links = nlohmann::json::array();
  for (const LinkStats& l : r.links) {
    links.push_back({{"name", l.name},
                     {"busy_us", us(l.busy)},
                     {"bytes", l.bytes},
                     {"rows", l.rows},
                     {"utilisation", l.utilisation}});
  }
  j["links"] = std::move(links);
  nlohmann::json path = nlohmann::json::array();
  for (const PathStep& s : r.critical_path) {
    path.push_back({{"kind", to_string(s.kind)},
                    {"name", s.name},
                    {"first_row", s.first_row},
                    {"last_row", s.last_row},
                    {"start_us", us(s.start)},
                    {"end_us", us(s.end)}});
  }
  j["critical_path"] = std::move(path);
  return j;
}

}  // namespace atl::sim
