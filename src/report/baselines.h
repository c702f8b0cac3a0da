// The comparison side of a report: published GPU/CPU BERT results and the peak figures of those
// devices (data/baselines/{gpu,cpu}.yaml, schema in data/README.md), plus roofline lower bounds
// computed from the peaks and the model's work.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "report/work.h"

namespace atl::report {

// What a comparison row is: a published GPU or CPU result (gpu.yaml, cpu.yaml), a roofline bound
// of a peak device, the local CPU (`atoll infer`), or a published FPGA system (decoders.yaml).
enum class SystemKind { gpu, cpu, roofline, local, fpga };
const char* to_string(SystemKind kind);  // "gpu" | "cpu" | "roofline" | "local" | "fpga"

struct Baseline {
  std::string name;                   // unique id, e.g. "trt10.11-l40s-bert-base-s128-b1-int8"
  std::string device;                 // a PeakDevice name
  SystemKind kind = SystemKind::gpu;  // gpu or cpu: which file it came from
  std::string model;                  // "bert-base" | "bert-large"
  std::int64_t seq_len = 0;
  std::optional<std::int64_t> batch;  // absent where the submitter chooses (MLPerf)
  std::optional<double> latency_ms;
  std::optional<double> throughput_seq_s;
  double power_w = 0;  // device TDP: power x latency is an upper bound on energy
  std::string precision, source, grade, note;
};

struct PeakDevice {
  std::string name;
  SystemKind kind = SystemKind::gpu;
  double int8_tops_dense = 0, mem_gbps = 0, tdp_w = 0;
  std::string source, grade;
};

struct Baselines {
  std::vector<Baseline> entries;
  std::vector<PeakDevice> devices;
};

// Reads one baselines file; `kind` (gpu or cpu) tags its entries. Errors name the file, the
// entry index and the field.
Baselines load_baselines(const std::filesystem::path& path, SystemKind kind);

// gpu.yaml and cpu.yaml from `dir` (default: hw::default_data_dir() / "baselines").
Baselines load_default_baselines(const std::filesystem::path& dir);

// Roofline lower bound of one batch-1 inference on a device: max(2 * MACs / peak ops,
// weight bytes / memory bandwidth), in milliseconds.
double roofline_ms(const Work& work, const PeakDevice& device);

}  // namespace atl::report
