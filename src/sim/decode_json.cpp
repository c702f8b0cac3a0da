#include "sim/decode_json.h"

#include <nlohmann/json.hpp>

namespace atl::sim {

const char* to_string(DecodePathStep::Kind kind) {
  return kind == DecodePathStep::Kind::kernel ? "kernel" : "stream";
}

nlohmann::json to_json(const DecodeResult& r) {
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t i = 0; i < r.token_ms.size(); ++i) {
    steps.push_back({{"position", r.positions[i]}, {"ms", r.token_ms[i]}});
  }
  nlohmann::json path = nlohmann::json::array();
  for (const DecodePathStep& s : r.critical_path) {
    path.push_back({{"kind", to_string(s.kind)},
                    {"name", s.name},
                    {"node", s.node},
                    {"bound", s.bound},
                    {"start_us", s.start_us},
                    {"end_us", s.end_us}});
  }
  return {{"prompt", r.prompt},
          {"new_tokens", r.new_tokens},
          {"context", r.context},
          {"boards", r.boards},
          {"board_power_w", r.board_power_w},
          {"ttft_ms", r.ttft_ms},
          {"mean_token_ms", r.mean_token_ms},
          {"tokens_per_s", r.tokens_per_s},
          {"total_ms", r.total_ms},
          {"energy_per_token_j", r.energy_per_token_j},
          {"prefill_energy_j", r.prefill_energy_j},
          {"weight_bytes",
           {{"on_chip", r.weight_bytes_on_chip}, {"off_chip", r.weight_bytes_off_chip}}},
          {"kv_bytes", {{"on_chip", r.kv_bytes_on_chip}, {"off_chip", r.kv_bytes_off_chip}}},
          {"decode_steps", std::move(steps)},
          {"critical_path_position", r.critical_path_position},
          {"critical_path", std::move(path)}};
}

}  // namespace atl::sim
