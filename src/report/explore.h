// The design-space exploration of `atoll explore`: every (board, cluster size) combination mapped
// and simulated (the CLI does that, report/ does not run the mapper), then the Pareto front of
// (latency, energy, boards) and, for every GPU/CPU anchor, the cheapest cluster that beats it on
// latency and the cheapest that beats it on energy.
//
// Units: an encoder point is one inference of `batch` sequences (latency of the whole batch,
// energy per sequence); a decoder point will be one generated token (per-token latency, energy
// per token) once the decoder simulation exists. The front and the answers do not care which.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "report/baselines.h"
#include "report/decoder_baselines.h"
#include "report/work.h"
#include "sim/decode_result.h"

namespace atl::report {

// What the sweep optimises: the mapper's objective (throughput for `throughput`, else latency)
// and the order of the front (by latency, or by energy for `energy`).
enum class ExploreObjective { latency, throughput, energy };
const char* to_string(ExploreObjective objective);  // "latency" | "throughput" | "energy"
// The inverse of to_string; errors name `where` and list the choices.
ExploreObjective parse_explore_objective(const std::string& text, const std::string& where);

// What one point measures: one inference (encoders) or one generated token (decoders).
enum class ExploreUnit { inference, token };
const char* to_string(ExploreUnit unit);  // "inference" | "token"

// Cluster sizes from --fpgas: a list "1,2,4,8", or a range "lo..hi" = lo, 2lo, 4lo, ... and hi
// itself; mixed "1..8,12". Sorted, duplicates removed. Throws core::Error naming `where` on bad
// syntax, an empty result, or a size outside 1..hw::kMaxNodes.
std::vector<int> parse_cluster_sizes(const std::string& text, const std::string& where);

struct ExplorePoint {
  std::string board;  // catalogue name
  int cluster = 0;    // boards in the generated cluster
  bool fits = false;
  std::string why_not;  // when !fits: the mapper's or simulator's does_not_fit message
  int boards = 0;       // boards holding kernels (the cost of the point)
  double board_power_w = 0;
  double latency_ms = 0;           // simulated: one batch (encoder) or one token (decoder)
  double analytic_latency_ms = 0;  // the mapper's estimate of the same
  double throughput_per_s = 0;     // sequences (encoder) or tokens (decoder) per second
  double energy_mj = 0;            // board power x boards x latency / batch
  double seconds = 0;              // wall time spent mapping and simulating this point
};

// A published result the points are held against.
struct Anchor {
  std::string name, device, source, grade;
  SystemKind kind = SystemKind::gpu;
  double latency_ms = 0;  // same unit as the points
  double power_w = 0;
  double energy_mj = 0;  // power x latency / batch
};

// The cheapest points (fewest boards; then lower latency, then lower energy) that beat an anchor.
struct AnchorAnswer {
  Anchor anchor;
  std::optional<std::size_t> faster;   // index into points: latency below the anchor's
  std::optional<std::size_t> greener;  // energy below the anchor's
};

struct Exploration {
  std::string model;  // model name
  ExploreUnit unit = ExploreUnit::inference;
  ExploreObjective objective = ExploreObjective::latency;
  std::int64_t batch = 1;
  std::int64_t seq_len = 0;
  std::string topology;  // how the clusters were generated (one line)
  std::vector<ExplorePoint> points;
  std::vector<std::size_t> front;  // indices into points, best first by the objective
  std::vector<AnchorAnswer> answers;
  double wall_s = 0;  // how long the sweep took
  int jobs = 0;
};

// A mapped encoder plan simulated as one point: `batch` sequences back to back (latency = the
// whole batch: one sequence alone for batch 1, else the throughput run's makespan), the boards
// holding kernels, their mean power and the energy per sequence. The mapper's estimate of the
// same batch: its latency plus (batch - 1) / its throughput. Throws what sim::simulate throws.
ExplorePoint simulate_point(const plan::Plan& plan, std::int64_t batch);

// A decoder point from the decode simulation: latency = the mean decode step (per token),
// throughput = tokens/s, energy per token = the nodes' power x that latency; every node of the
// cluster counts (sim::DecodeResult::boards).
ExplorePoint decode_point(const sim::DecodeResult& result, const std::string& board);

// Energy of a fitting point: board power x boards x latency / batch, in mJ.
double point_energy_mj(const ExplorePoint& point, std::int64_t batch);

// The points no other fitting point dominates in (latency, energy, boards) (no worse in all
// three, better in one; of identical points the first), ordered by `objective`: latency (then
// energy, boards) or energy (then latency, boards); throughput orders like latency.
std::vector<std::size_t> pareto_front(const std::vector<ExplorePoint>& points,
                                      ExploreObjective objective);

// Published batch-`batch` latencies of `family` ("bert-base", ...) at `seq_len` from `baselines`
// (entries with a latency; MLPerf rows without a batch are left out).
std::vector<Anchor> encoder_anchors(const Baselines& baselines, const std::string& family,
                                    std::int64_t seq_len, std::int64_t batch);

// Published decode (per-token) results for `model` ("llama-2-7b", ...), GPUs and FPGA systems,
// and the weight floors of the GPUs they ran on: `work`'s linear weights at 2 bytes (FP16/BF16
// rows) or 1 byte (INT8 rows) read from the memory of the same GPUs (weight_floor_ms), as
// SystemKind::roofline anchors at the GPUs' TDP (`devices` of gpu.yaml; rows whose device is not
// listed there get no floor).
std::vector<Anchor> decoder_anchors(const std::vector<DecoderBaseline>& baselines,
                                    const std::vector<PeakDevice>& devices, const Work& work,
                                    const std::string& model);

AnchorAnswer answer(const Anchor& anchor, const std::vector<ExplorePoint>& points);

// Fills front and answers from points and `anchors`.
void conclude(Exploration& exploration, const std::vector<Anchor>& anchors);

// One line per anchor: "vs NAME (DEVICE, X ms, Y mJ): latency: N x BOARD (Z ms); energy: none of
// the K fitting points (best ...)".
std::vector<std::string> answer_lines(const Exploration& exploration);

std::string render_explore_markdown(const Exploration& exploration);
std::string render_explore_html(const Exploration& exploration);
nlohmann::json explore_to_json(const Exploration& exploration);
// An anchor's fields as the explore and decoder reports write them: name, kind, device,
// latency_ms, power_w, energy_mj, source, grade.
nlohmann::json anchor_to_json(const Anchor& anchor);

// The SVG chart of the HTML report: latency against boards (both log scale), every fitting point
// as a dot coloured by board, the front joined by a line, each anchor as a horizontal line.
std::string front_svg(const Exploration& exploration);

}  // namespace atl::report
