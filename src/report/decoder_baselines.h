// The decoder side of the comparison: published batch-1 LLM decoding and prefill results
// (data/baselines/decoders.yaml, schema in data/README.md) and the weight-bytes / memory-bandwidth
// floor of one decode step on a GPU (every weight read once per token).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "report/baselines.h"
#include "report/work.h"

namespace atl::report {

enum class DecoderPhase { decode, prefill };
const char* to_string(DecoderPhase phase);  // "decode" | "prefill"

struct DecoderBaseline {
  std::string name;    // unique id
  bool fpga = false;   // kind: fpga (a published FPGA system, e.g. FlightLLM); else kind: gpu
  std::string device;  // a PeakDevice name (gpu.yaml) or a catalogue board
  int devices = 1;     // GPUs or FPGAs used
  std::string model;   // examples/models name, e.g. "llama-2-7b"
  DecoderPhase phase = DecoderPhase::decode;
  std::int64_t prompt_tokens = 0;
  std::optional<std::int64_t> new_tokens;
  double latency_ms = 0;               // per token (decode) or the whole prefill
  std::optional<double> tokens_per_s;  // the published figure latency_ms was derived from
  double power_w = 0;                  // all devices together
  std::string precision, source, grade, note;

  double energy_mj() const { return power_w * latency_ms; }  // per token, or per prefill
};

// Reads decoders.yaml; errors name the file, the entry and the field: required fields, kind gpu
// or fpga, phase decode or prefill, devices 1..4096, prompt_tokens 1..1048576, latency_ms and
// power_w in (0, 1e7], tokens_per_s (when given) within 1 % of 1000 / latency_ms, grade one of
// M V D R E, names unique.
std::vector<DecoderBaseline> load_decoder_baselines(const std::filesystem::path& path);

// The floor of one batch-1 decode step: the linear weights (work.weight_bytes less the embedding
// table, of which a token reads one row) at `bytes_per_weight` (2 for FP16/BF16, 1 for INT8)
// read once from the memory of `devices` x `device` at its mem_gbps. Milliseconds.
double weight_floor_ms(const Work& work, const PeakDevice& device, int devices,
                       double bytes_per_weight);

}  // namespace atl::report
