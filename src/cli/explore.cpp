// `atoll explore`: map and simulate a model on every (board, cluster size) combination, in
// parallel on the machine's cores, and say which clusters beat the published GPUs and CPUs on
// latency and on energy (report/explore.h keeps the Pareto front and writes the report).
//
// A board with AI Engines is swept with DSPs only and with AI Engines allowed ("vck5000+aie", the
// plan of `atoll map --aie`), as --aie asks. The clusters are generated in memory by the rule of
// examples/clusters/*.yaml: N boards of one kind on one switched 100 Gb/s Ethernet network, hop
// latency, MTU and framing from data/network.yaml (hw::parse_cluster reads the same YAML text a
// user would write).
#include "report/explore.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/catalogue.h"
#include "cli/mapped_plan.h"
#include "cli/paths.h"
#include "cli/progress.h"
#include "cli/verbs.h"
#include "core/error.h"
#include "graph/architecture.h"
#include "hw/aie.h"
#include "hw/cluster.h"
#include "hw/device.h"
#include "map/decoder_mapper.h"
#include "map/engine_choice.h"
#include "map/mapper.h"
#include "model/config.h"
#include "plan/make_plan.h"
#include "report/baselines.h"
#include "report/decoder_baselines.h"
#include "report/report.h"
#include "report/work.h"
#include "sim/decode.h"

namespace atl::cli {
namespace {

struct ExploreOptions {
  CatalogueOptions catalogue;
  std::string model, output, format, objective = "latency", fpgas = "1..64", baselines;
  std::string aie;                  // on | off | both; empty: both for encoders, off for decoders
  std::vector<std::string> boards;  // empty: every board of the catalogue
  std::int64_t batch = 1;
  std::int64_t prompt = 128, new_tokens = 32;  // decoders
  int jobs = 0;                                // 0: the machine's cores
  bool progress = false;
};

constexpr const char* kTopology =
    "N boards on one switched 100 Gb/s network (as examples/clusters)";

hw::Cluster generated_cluster(const std::string& board, int n, const hw::Catalogue& catalogue,
                              const hw::NetworkDefaults& defaults) {
  const std::string yaml = fmt::format(
      "name: {0}-{1}\nnodes:\n  - {1} x {0}\nnetwork:\n  topology: switch\n  link_gbps: 100\n",
      board, n);
  return hw::parse_cluster(yaml, fmt::format("explore: {} x {}", n, board), catalogue, defaults);
}

struct Combination {
  std::string board;
  int fpgas = 0;
  bool aie = false;  // matmuls may go on AI Engines (map::with_aie)
};

// A point's board as the tables show it: "vck5000", or "vck5000+aie" when mapped with AI Engines
// (`atoll report --project` calls that method mapped_aie).
std::string board_label(const Combination& c) {
  return c.aie ? c.board + "+aie" : c.board;
}

// What a point runs: an encoder inference of `batch` sequences, or a decoder generating
// `new_tokens` after a prompt of `prompt` tokens (per-token latency and energy).
struct Workload {
  map::Objective objective = map::Objective::latency;
  std::int64_t batch = 1, prompt = 0, new_tokens = 0;
};

// A decoder: h3's decoder mapper (tensor parallel x pipeline stages, memory placement) for
// per-token latency, then the decode simulation.
report::ExplorePoint decoder_point(const model::ModelConfig& config, hw::Cluster cluster,
                                   const Workload& w) {
  map::DecoderTarget target;
  target.prompt = w.prompt;
  map::DecoderMapping m = map::map_decoder(config, cluster, target);
  const std::string board = cluster.nodes.front().device.name;
  plan::Plan p =
      plan::make_plan(config.name, std::move(m.graph), std::move(cluster),
                      std::move(m.node_of_kernel), std::move(m.estimate), plan::Objective::latency);
  p.memory = std::move(m.memory);
  p.tensor_parallel = m.tensor_parallel;
  p.pipeline_stages = m.pipeline_stages;
  sim::DecodeOptions o;
  o.prompt = w.prompt;
  o.new_tokens = w.new_tokens;
  report::ExplorePoint point = report::decode_point(sim::simulate_decoder(p, o), board);
  point.analytic_latency_ms = m.decode_ms;
  return point;
}

// One combination: mapped, simulated; a model that does not fit is a point with the reason.
report::ExplorePoint evaluate(const model::ModelConfig& config, const Combination& c,
                              const hw::Catalogue& catalogue, const hw::NetworkDefaults& defaults,
                              const Workload& w) {
  try {
    hw::Cluster cluster = generated_cluster(c.board, c.fpgas, catalogue, defaults);
    if (config.is_decoder()) return decoder_point(config, std::move(cluster), w);
    const map::Caps caps = c.aie ? map::with_aie({}, cluster) : map::Caps{};
    map::Mapping m = map::map_automatic(config, cluster, w.objective, caps);
    report::ExplorePoint p = report::simulate_point(
        mapped_plan(config.name, std::move(m), std::move(cluster), plan_objective(w.objective)),
        w.batch);
    p.board = board_label(c);
    p.cluster = c.fpgas;
    return p;
  } catch (const core::Error& e) {
    if (e.kind() != core::ErrorKind::does_not_fit) throw;
    report::ExplorePoint p;
    p.board = board_label(c);
    p.cluster = c.fpgas;
    p.why_not = e.what();
    return p;
  }
}

// Runs `evaluate` over every combination on `jobs` threads; the calling thread draws the
// progress bar. The first error that is not does_not_fit stops the sweep and is rethrown.
std::vector<report::ExplorePoint> sweep(const model::ModelConfig& config,
                                        const std::vector<Combination>& combinations,
                                        const hw::Catalogue& catalogue, const Workload& workload,
                                        int jobs, ProgressBar& bar) {
  const hw::NetworkDefaults defaults =
      hw::load_network_defaults(hw::default_data_dir() / "network.yaml");
  std::vector<report::ExplorePoint> points(combinations.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t done = 0;
  std::exception_ptr error;
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < jobs; ++w) {
      workers.emplace_back([&] {
        // Every index is counted as done, so the waiting loop below always ends.
        for (std::size_t i = next++; i < combinations.size(); i = next++) {
          if (!failed) {
            try {
              const auto start = std::chrono::steady_clock::now();
              points[i] = evaluate(config, combinations[i], catalogue, defaults, workload);
              points[i].seconds =
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            } catch (...) {
              std::lock_guard lock(mutex);
              if (!error) error = std::current_exception();
              failed = true;
            }
          }
          std::lock_guard lock(mutex);
          ++done;
          changed.notify_one();
        }
      });
    }
    std::unique_lock lock(mutex);
    while (done < combinations.size()) {
      changed.wait_for(lock, std::chrono::milliseconds(250));
      bar.update(static_cast<double>(done) / static_cast<double>(combinations.size()));
    }
  }
  if (error) std::rethrow_exception(error);
  return points;
}

std::vector<std::string> board_names(const ExploreOptions& o, const hw::Catalogue& catalogue) {
  if (o.boards.empty()) {
    std::vector<std::string> all;
    for (const auto& [name, _] : catalogue) all.push_back(name);
    return all;
  }
  std::vector<std::string> names;
  for (const std::string& name : o.boards) {
    if (name.empty()) continue;
    if (!catalogue.count(name)) {
      std::string known;
      for (const auto& [key, _] : catalogue) known += (known.empty() ? "" : ", ") + key;
      throw core::Error(
          fmt::format("explore: --boards: unknown board '{}' (catalogue: {})", name, known));
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (names.empty()) throw core::Error("explore: --boards: empty sweep: no board named");
  return names;
}

// --aie: which engines a board with AI Engines is swept with. `automatic` (no --aie): both for an
// encoder, DSPs only for a decoder.
enum class AieSweep { automatic, on, off, both };

AieSweep parse_aie_sweep(const std::string& text) {
  if (text.empty()) return AieSweep::automatic;
  if (text == "on") return AieSweep::on;
  if (text == "off") return AieSweep::off;
  if (text == "both") return AieSweep::both;
  throw core::Error(fmt::format("explore: --aie '{}': expected on, off or both", text));
}

// The engines `board` is swept with (false: DSPs only, true: with AI Engines). AI Engines asked
// for (`on`) on a board without them, or (`on`, `both`) for a decoder, are refused.
std::vector<bool> engine_choices(AieSweep aie, const std::string& text, const hw::Device& board,
                                 const model::ModelConfig& config) {
  if (aie == AieSweep::off) return {false};
  if (aie == AieSweep::automatic) {
    if (config.is_decoder() || !hw::has_aie(board)) return {false};
    return {false, true};
  }
  if (config.is_decoder()) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("explore: --aie {}: {} is a {}: decoders are mapped on DSPs "
                                  "only so far (map::map_decoder has no AI Engine kernels)",
                                  text, config.name, model::to_string(config.architecture)));
  }
  if (!hw::has_aie(board)) {
    if (aie == AieSweep::both) return {false};
    throw core::Error(fmt::format(
        "explore: --aie on: {} has no AI Engines (catalogue resources.aie_tiles = 0); AI Engines "
        "are on Versal AI Core boards such as vck190 and vck5000",
        board.name));
  }
  return aie == AieSweep::on ? std::vector<bool>{true} : std::vector<bool>{false, true};
}

void run(const ExploreOptions& o) {
  const std::vector<int> sizes = report::parse_cluster_sizes(o.fpgas, "explore: --fpgas");
  const report::ExploreObjective objective =
      report::parse_explore_objective(o.objective, "explore: --objective");
  const report::Format format = o.format.empty()
                                    ? report::format_of_path(o.output)
                                    : report::parse_format(o.format, "explore: --format");
  const AieSweep aie = parse_aie_sweep(o.aie);
  const model::ModelConfig config = model::load_model_config(o.model, model::Accept::any);
  if (config.is_decoder() && o.batch != 1) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("explore: --batch {}: a decoder is explored at batch 1 "
                                  "(per-token latency)",
                                  o.batch));
  }
  if (config.is_decoder() && (o.new_tokens < 2 || o.prompt + o.new_tokens - 1 > config.seq_len)) {
    throw core::Error(fmt::format(
        "explore: --prompt {} --new-tokens {}: a decoder needs at least 2 new tokens (one decode "
        "step) and prompt + new tokens - 1 <= the context of {} ({} tokens)",
        o.prompt, o.new_tokens, o.model, config.seq_len));
  }
  const hw::Catalogue catalogue = o.catalogue.load();
  const std::vector<std::string> boards = board_names(o, catalogue);
  const std::filesystem::path baselines_dir = o.baselines.empty()
                                                  ? hw::default_data_dir() / "baselines"
                                                  : std::filesystem::path(o.baselines);
  const report::Baselines baselines = report::load_default_baselines(baselines_dir);

  std::vector<Combination> combinations;
  for (const std::string& b : boards) {
    for (bool with : engine_choices(aie, o.aie, catalogue.at(b), config)) {
      for (int n : sizes) combinations.push_back({b, n, with});
    }
  }
  const int jobs =
      o.jobs > 0 ? o.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  Workload workload;
  workload.objective = objective == report::ExploreObjective::throughput
                           ? map::Objective::throughput
                           : map::Objective::latency;
  workload.batch = o.batch;
  workload.prompt = o.prompt;
  workload.new_tokens = o.new_tokens;
  report::Exploration e;
  e.model = config.name;
  e.unit = config.is_decoder() ? report::ExploreUnit::token : report::ExploreUnit::inference;
  e.objective = objective;
  e.batch = o.batch;
  e.seq_len = config.seq_len;
  e.topology = kTopology;
  e.jobs = jobs;
  const auto start = std::chrono::steady_clock::now();
  {
    ProgressBar bar(fmt::format("exploring {} combinations", combinations.size()), o.progress);
    e.points = sweep(config, combinations, catalogue, workload, jobs, bar);
  }
  e.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Published results compare only with the whole model they measured (e.g. BERT-base's 12
  // layers at the same sequence length and batch; a decoder by its name, per token).
  const graph::Graph graph = graph::build_graph(config);
  const std::string family = report::model_family(graph);
  std::vector<report::Anchor> anchors;
  if (config.is_decoder()) {
    anchors =
        report::decoder_anchors(report::load_decoder_baselines(baselines_dir / "decoders.yaml"),
                                baselines.devices, report::work_of(graph), config.name);
  } else if (!family.empty() && config.layers == report::family_layers(family)) {
    anchors = report::encoder_anchors(baselines, family, config.seq_len, o.batch);
  }
  report::conclude(e, anchors);

  std::string text;
  switch (format) {
    case report::Format::html:
      text = report::render_explore_html(e);
      break;
    case report::Format::md:
      text = report::render_explore_markdown(e);
      break;
    case report::Format::json:
      text = report::explore_to_json(e).dump(2) + "\n";
      break;
  }
  std::ofstream out(o.output, std::ios::binary);
  if (!out)
    throw core::Error(core::ErrorKind::io, fmt::format("explore: cannot write {}", o.output));
  out << text;
  if (!out)
    throw core::Error(core::ErrorKind::io, fmt::format("explore: writing {} failed", o.output));

  std::size_t fitting = 0;
  for (const report::ExplorePoint& p : e.points) fitting += p.fits ? 1 : 0;
  std::size_t with_aie = 0;
  for (const Combination& c : combinations) with_aie += c.aie ? 1 : 0;
  const std::string engines =
      with_aie > 0 ? fmt::format(", {} of them with AI Engines", with_aie) : "";
  fmt::print("{}: {} combinations ({} boards x {} sizes{}), {} fit, {:.1f} s on {} jobs\n",
             config.name, e.points.size(), boards.size(), sizes.size(), engines, fitting, e.wall_s,
             jobs);
  fmt::print("front ({} points, by {}):\n", e.front.size(), report::to_string(objective));
  for (std::size_t i : e.front) {
    const report::ExplorePoint& p = e.points[i];
    fmt::print("  {:>4} x {:<16} {:10.4g} ms  {:10.4g} mJ per {}\n", p.boards, p.board,
               p.latency_ms, p.energy_mj, report::to_string(e.unit));
  }
  if (anchors.empty()) {
    fmt::print("no published result for {} ({} layers, {} tokens, batch {})\n", config.name,
               config.layers, config.seq_len, o.batch);
  }
  for (const std::string& line : report::answer_lines(e)) fmt::print("{}\n", line);
  fmt::print("wrote {} ({})\n", o.output, report::to_string(format));
}

}  // namespace

void add_explore(CLI::App& app) {
  auto o = std::make_shared<ExploreOptions>();
  CLI::App* cmd = app.add_subcommand(
      "explore",
      "Map and simulate a model on every board and cluster size; the Pareto front of latency, "
      "energy and boards, and which clusters beat the GPUs (docs/explore.md)");
  cmd->add_option("--model", o->model,
                  "Model YAML (examples/models/*.yaml): an encoder (per inference) or a decoder "
                  "(per token)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--boards", o->boards,
                  "Catalogue boards, comma-separated (default: every board of the catalogue)")
      ->delimiter(',');
  cmd->add_option("--fpgas", o->fpgas,
                  "Cluster sizes: a list 1,2,4,8 or a range lo..hi = lo, 2lo, 4lo, ... and hi "
                  "(1 to 4096 FPGAs)")
      ->capture_default_str();
  cmd->add_option("--objective", o->objective,
                  "latency | throughput | energy: the mapper's objective (throughput, else "
                  "latency) and the order of the front")
      ->capture_default_str();
  cmd->add_option("--batch", o->batch,
                  "Sequences per inference, back to back (compared with GPU rows of that batch)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1024}))
      ->capture_default_str();
  cmd->add_option("--prompt", o->prompt, "Decoders: prompt tokens before the timed decode steps")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--new-tokens", o->new_tokens,
                  "Decoders: tokens generated (latency per token = the mean decode step)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--aie", o->aie,
                  "on | off | both: sweep boards with AI Engines (vck190, vck5000) with them, "
                  "with DSPs only, or both, shown as e.g. vck5000+aie (default: both for an "
                  "encoder, off for a decoder; decoders are mapped on DSPs only)");
  cmd->add_option("--jobs", o->jobs, "Threads (default: the machine's cores)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--format", o->format, "html | md | json (default: from the file extension)");
  cmd->add_option(
         "--baselines", o->baselines,
         "Directory with gpu.yaml, cpu.yaml and decoders.yaml (default: atoll's data/baselines)")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--progress", o->progress,
                "Draw the progress bar even when stderr is not a terminal");
  cmd->add_option("-o,--output", o->output, "Report file")->required();
  add_catalogue_option(*cmd, o->catalogue);
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
