#include "report/baselines.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/error.h"

namespace atl::report {
namespace {

std::string text(const YAML::Node& n, const char* field, const std::string& at, bool required) {
  const YAML::Node v = n[field];
  if (!v || v.IsNull()) {
    if (required) throw core::Error(fmt::format("{}: missing field '{}'", at, field));
    return "";
  }
  return v.as<std::string>();
}

std::optional<double> number(const YAML::Node& n, const char* field, const std::string& at) {
  const YAML::Node v = n[field];
  if (!v || v.IsNull()) return std::nullopt;
  try {
    return v.as<double>();
  } catch (const YAML::Exception&) {
    throw core::Error(
        fmt::format("{}: field '{}' must be a number, got '{}'", at, field, v.as<std::string>()));
  }
}

double positive(const YAML::Node& n, const char* field, const std::string& at) {
  std::optional<double> v = number(n, field, at);
  if (!v) throw core::Error(fmt::format("{}: missing field '{}'", at, field));
  if (!(*v > 0))
    throw core::Error(fmt::format("{}: field '{}' must be > 0, got {}", at, field, *v));
  return *v;
}

}  // namespace

const char* to_string(SystemKind kind) {
  switch (kind) {
    case SystemKind::gpu:
      return "gpu";
    case SystemKind::cpu:
      return "cpu";
    case SystemKind::roofline:
      return "roofline";
    case SystemKind::local:
      return "local";
    case SystemKind::fpga:
      return "fpga";
  }
  return "?";
}

Baselines load_baselines(const std::filesystem::path& path, SystemKind kind) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    throw core::Error(fmt::format("{}: cannot read baselines: {}", path.string(), e.what()));
  }
  Baselines b;
  const YAML::Node entries = root["baselines"];
  if (!entries || !entries.IsSequence()) {
    throw core::Error(fmt::format("{}: expected a 'baselines:' list", path.string()));
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const YAML::Node& e = entries[i];
    const std::string at = fmt::format("{}: baselines[{}]", path.string(), i);
    Baseline x;
    x.name = text(e, "name", at, true);
    const std::string named = fmt::format("{} ({})", at, x.name);
    x.kind = kind;
    x.device = text(e, "device", named, true);
    x.model = text(e, "model", named, true);
    x.seq_len = static_cast<std::int64_t>(positive(e, "seq_len", named));
    if (std::optional<double> batch = number(e, "batch", named)) {
      x.batch = static_cast<std::int64_t>(*batch);
    }
    x.latency_ms = number(e, "latency_ms", named);
    x.throughput_seq_s = number(e, "throughput_seq_s", named);
    if (!x.latency_ms && !x.throughput_seq_s) {
      throw core::Error(named + ": needs latency_ms or throughput_seq_s");
    }
    if ((x.latency_ms && !(*x.latency_ms > 0)) ||
        (x.throughput_seq_s && !(*x.throughput_seq_s > 0))) {
      throw core::Error(named + ": latency_ms and throughput_seq_s must be > 0");
    }
    x.power_w = positive(e, "power_w", named);
    x.precision = text(e, "precision", named, false);
    x.source = text(e, "source", named, true);
    x.grade = text(e, "grade", named, true);
    x.note = text(e, "note", named, false);
    b.entries.push_back(std::move(x));
  }
  const YAML::Node devices = root["devices"];
  if (devices && devices.IsSequence()) {
    for (std::size_t i = 0; i < devices.size(); ++i) {
      const YAML::Node& d = devices[i];
      const std::string at = fmt::format("{}: devices[{}]", path.string(), i);
      PeakDevice p;
      p.name = text(d, "name", at, true);
      p.kind = kind;
      p.int8_tops_dense = positive(d, "int8_tops_dense", at);
      p.mem_gbps = positive(d, "mem_gbps", at);
      p.tdp_w = positive(d, "tdp_w", at);
      p.source = text(d, "source", at, true);
      p.grade = text(d, "grade", at, true);
      b.devices.push_back(std::move(p));
    }
  }
  return b;
}

Baselines load_default_baselines(const std::filesystem::path& dir) {
  Baselines all = load_baselines(dir / "gpu.yaml", SystemKind::gpu);
  Baselines cpu = load_baselines(dir / "cpu.yaml", SystemKind::cpu);
  all.entries.insert(all.entries.end(), cpu.entries.begin(), cpu.entries.end());
  all.devices.insert(all.devices.end(), cpu.devices.begin(), cpu.devices.end());
  return all;
}

double roofline_ms(const Work& work, const PeakDevice& device) {
  const double compute_s = 2 * work.macs / (device.int8_tops_dense * 1e12);
  const double memory_s = work.weight_bytes / (device.mem_gbps * 1e9);
  return std::max(compute_s, memory_s) * 1e3;
}

}  // namespace atl::report
