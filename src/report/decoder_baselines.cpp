#include "report/decoder_baselines.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "hw/cluster.h"
#include "hw/yaml_fields.h"

namespace atl::report {
namespace {

// A number in (0, hi]; errors name `at` and the field.
double positive(const YAML::Node& e, const std::string& field, const std::string& at, double hi) {
  const double v = hw::number_field(e, field, at);
  if (!(v > 0 && v <= hi)) {
    throw core::Error(fmt::format("{}: {} must be in (0, {:g}], got {:g}", at, field, hi, v));
  }
  return v;
}

std::string choice(const YAML::Node& e, const std::string& field, const std::string& at,
                   const std::set<std::string>& choices) {
  const std::string v = hw::text_field(e, field, at);
  if (!choices.count(v)) {
    std::string list;
    for (const std::string& c : choices) list += (list.empty() ? "" : ", ") + c;
    throw core::Error(fmt::format("{}: {} must be one of {}, got '{}'", at, field, list, v));
  }
  return v;
}

}  // namespace

const char* to_string(DecoderPhase phase) {
  return phase == DecoderPhase::decode ? "decode" : "prefill";
}

std::vector<DecoderBaseline> load_decoder_baselines(const std::filesystem::path& path) {
  const YAML::Node root = hw::load_yaml_map(path, "decoder baselines");
  const YAML::Node entries = root["decoders"];
  if (!entries || !entries.IsSequence() || entries.size() == 0) {
    throw core::Error(fmt::format("{}: expected a non-empty 'decoders:' list", path.string()));
  }
  std::vector<DecoderBaseline> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const YAML::Node& e = entries[i];
    std::string at = fmt::format("{}: decoders[{}]", path.string(), i);
    if (!e.IsMap()) throw core::Error(at + ": expected a mapping");
    DecoderBaseline d;
    d.name = hw::text_field(e, "name", at);
    at += fmt::format(" ({})", d.name);
    if (!names.insert(d.name).second) throw core::Error(at + ": name used twice");
    d.fpga = choice(e, "kind", at, {"gpu", "fpga"}) == "fpga";
    d.device = hw::text_field(e, "device", at);
    d.devices = static_cast<int>(hw::integer_field(e, "devices", at, 1, hw::kMaxNodes));
    d.model = hw::text_field(e, "model", at);
    d.phase = choice(e, "phase", at, {"decode", "prefill"}) == "decode" ? DecoderPhase::decode
                                                                        : DecoderPhase::prefill;
    d.prompt_tokens = hw::integer_field(e, "prompt_tokens", at, 1, std::int64_t{1} << 20);
    if (e["new_tokens"])
      d.new_tokens = hw::integer_field(e, "new_tokens", at, 1, std::int64_t{1} << 20);
    d.latency_ms = positive(e, "latency_ms", at, 1e7);
    if (e["tokens_per_s"]) {
      d.tokens_per_s = positive(e, "tokens_per_s", at, 1e7);
      if (d.phase != DecoderPhase::decode ||
          std::abs(1000 / *d.tokens_per_s / d.latency_ms - 1) > 0.01) {
        throw core::Error(fmt::format(
            "{}: tokens_per_s {:g} is not 1000 / latency_ms {:g} (decode rows only, within 1 %)",
            at, *d.tokens_per_s, d.latency_ms));
      }
    }
    d.power_w = positive(e, "power_w", at, 1e7);
    d.precision = hw::text_field(e, "precision", at);
    d.source = hw::text_field(e, "source", at);
    d.grade = choice(e, "grade", at, {"M", "V", "D", "R", "E"});
    if (e["note"]) d.note = hw::text_field(e, "note", at);
    out.push_back(std::move(d));
  }
  return out;
}

double weight_floor_ms(const Work& work, const PeakDevice& device, int devices,
                       double bytes_per_weight) {
  if (devices < 1 || !(bytes_per_weight > 0) || !(device.mem_gbps > 0)) {
    throw core::Error(fmt::format(
        "weight floor on {}: devices ({}), bytes per weight ({:g}) and mem_gbps ({:g}) must be > 0",
        device.name, devices, bytes_per_weight, device.mem_gbps));
  }
  const double bytes = (work.weight_bytes - work.embedding_bytes) * bytes_per_weight;
  return bytes / (devices * device.mem_gbps * 1e9) * 1e3;
}

}  // namespace atl::report
