// `atoll generate`: a decoder (Llama, GPT-2) on one machine: prefill a prompt, then greedy decode
// with the KV cache; or, with --score, teacher-force a token list through the integer model and
// the float reference and count where their argmax agrees.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/inference.h"
#include "cli/verbs.h"
#include "core/error.h"
#include "core/file.h"
#include "core/npy.h"
#include "model/config.h"
#include "model/float_decoder.h"
#include "model/hf_decoder.h"
#include "model/int_decoder.h"
#include "model/llama2c.h"
#include "model/synthetic_decoder.h"

namespace atl::cli {
namespace {

struct GenerateOptions {
  std::string model;
  std::string weights;     // llama2.c checkpoint or Hugging Face directory; empty: synthetic
  std::uint64_t seed = 1;  // synthetic weights
  bool bos = false;
  std::vector<std::int64_t> prompt;
  std::int64_t new_tokens = 0;
  bool use_float = false;
  std::string score;
  std::string output;
};

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The weights piece by piece: the integer model is calibrated one layer at a time; the float
// reference reads them all.
model::DecoderWeightReader open_weights(const GenerateOptions& o,
                                        const model::DecoderConfig& config) {
  if (o.weights.empty()) return model::synthetic_reader(config, o.seed);
  model::DecoderWeightReader r = std::filesystem::is_directory(o.weights)
                                     ? model::open_hf_decoder(o.weights)
                                     : model::open_llama2c(o.weights);
  model::check_same_shape(config, r.config, o.weights);
  r.config.name = config.name;
  return r;
}

// A decoder as generate drives it: the float reference or the integer model. prefill feeds
// tokens from position 0 and returns the logits of the last one; greedy is the argmax of the
// last logits (the integer model's on its integer logits).
struct Engine {
  std::function<std::vector<float>(int, int)> forward;
  std::function<std::vector<float>(const std::vector<int>&)> prefill;
  std::function<int(const std::vector<float>&)> greedy;
  std::string name;
};

Engine float_engine(std::shared_ptr<model::FloatDecoder> d) {
  Engine e;
  e.forward = [d](int token, int pos) { return d->forward(token, pos); };
  e.prefill = [d](const std::vector<int>& tokens) {
    std::vector<float> logits;
    for (std::size_t pos = 0; pos < tokens.size(); ++pos) {
      logits = d->forward(tokens[pos], static_cast<int>(pos));
    }
    return logits;
  };
  e.greedy = [](const std::vector<float>& logits) { return model::argmax(logits); };
  e.name = "float32 reference";
  return e;
}

Engine int_engine(std::shared_ptr<model::IntDecoder> d) {
  Engine e;
  e.forward = [d](int token, int pos) { return d->forward(token, pos); };
  e.prefill = [d](const std::vector<int>& tokens) { return d->prefill(tokens); };
  e.greedy = [d](const std::vector<float>&) { return d->greedy_token(); };
  e.name = "integer model (W8A8, per-token activation scales)";
  return e;
}

// The token ids of a --score file: an integer .npy of rank 1, or text ids separated by
// whitespace or commas.
std::vector<std::int64_t> read_tokens(const std::string& path) {
  if (path.ends_with(".npy")) {
    const core::Tensor<std::int64_t> t = core::read_npy<std::int64_t>(path);
    if (t.rank() != 1) {
      throw core::Error(fmt::format("{}: expected a 1-D array of token ids, got shape {}", path,
                                    core::to_string(t.shape())));
    }
    return t.values();
  }
  const std::string text = core::read_text_file(path, "token list");
  std::vector<std::int64_t> ids;
  std::size_t i = 0;
  auto separator = [](char c) {
    return c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r';
  };
  while (i < text.size()) {
    if (separator(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && !separator(text[end])) ++end;
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + end, v);
    if (ec != std::errc() || ptr != text.data() + end) {
      throw core::Error(fmt::format("{}: item {} ('{}') is not an integer token id", path,
                                    ids.size(),
                                    text.substr(i, std::min<std::size_t>(end - i, 20))));
    }
    ids.push_back(v);
    i = end;
  }
  return ids;
}

// Throws unless every id is in the vocabulary and `positions` fit the context.
void check_tokens(const model::DecoderConfig& c, const std::vector<std::int64_t>& ids,
                  std::uint64_t positions, const std::string& what) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    model::validate_token(c, ids[i], fmt::format("{} (item {})", what, i));
  }
  if (positions > static_cast<std::uint64_t>(c.max_seq)) {
    throw core::Error(fmt::format("{}: {} positions are more than the context of model '{}' ({})",
                                  what, positions, c.name, c.max_seq));
  }
}

void write_tokens(const std::string& path, const std::vector<std::int64_t>& ids) {
  core::write_npy(path, core::Tensor<std::int64_t>({static_cast<std::int64_t>(ids.size())}, ids));
}

void generate(const GenerateOptions& o, const Engine& engine, const model::DecoderConfig& c) {
  std::vector<std::int64_t> ids = o.bos ? std::vector<std::int64_t>{c.bos} : o.prompt;
  const auto prompt = static_cast<std::int64_t>(ids.size());
  // Unsigned: --new-tokens (>= 1) up to 2^63 - 1 plus the prompt does not overflow.
  check_tokens(c, ids, ids.size() + static_cast<std::uint64_t>(o.new_tokens) - 1,
               o.bos ? std::string("--bos") : std::string("--prompt-ids"));
  fmt::print("prompt: {} token(s), {} new\n", prompt, o.new_tokens);
  const std::vector<int> tokens(ids.begin(), ids.end());
  const Clock::time_point start = Clock::now();
  std::vector<float> logits = engine.prefill(tokens);
  const double prefill = ms_since(start);
  std::vector<double> steps;
  ids.push_back(engine.greedy(logits));
  for (std::int64_t n = 1; n < o.new_tokens; ++n) {
    const Clock::time_point t = Clock::now();
    logits = engine.forward(static_cast<int>(ids.back()), static_cast<int>(ids.size() - 1));
    steps.push_back(ms_since(t));
    ids.push_back(engine.greedy(logits));
  }
  fmt::print("tokens: {}\n", fmt::join(ids.begin() + prompt, ids.end(), " "));
  print_decode_times(prefill, std::move(steps));
  write_tokens(o.output, ids);
  fmt::print("output: {} ({} tokens: prompt and generated)\n", o.output, ids.size());
}

void score(const GenerateOptions& o, const Engine& engine, model::FloatDecoder& reference,
           const model::DecoderConfig& c) {
  const std::vector<std::int64_t> ids = read_tokens(o.score);
  if (ids.size() < 2) {
    throw core::Error(
        fmt::format("{}: expected at least 2 token ids (a token and the one "
                    "that follows it), got {}",
                    o.score, ids.size()));
  }
  const auto steps = static_cast<std::int64_t>(ids.size()) - 1;
  check_tokens(c, ids, steps, o.score);
  std::int64_t agree = 0;
  double error = 0;
  std::vector<std::int64_t> predicted;
  for (std::int64_t pos = 0; pos < steps; ++pos) {
    const int token = static_cast<int>(ids[static_cast<std::size_t>(pos)]);
    const std::vector<float> a = engine.forward(token, static_cast<int>(pos));
    const std::vector<float> b = reference.forward(token, static_cast<int>(pos));
    const int arg = engine.greedy(a);
    predicted.push_back(arg);
    agree += arg == model::argmax(b) ? 1 : 0;
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) sum += std::abs(double{a[i]} - double{b[i]});
    error += sum / static_cast<double>(a.size());
  }
  fmt::print("scored: {} steps of {} teacher-forced\n", steps, o.score);
  fmt::print("agreement: {} of {}\n", agree, steps);
  fmt::print("mean |logit error|: {:.6f}\n", error / static_cast<double>(steps));
  write_tokens(o.output, predicted);
  fmt::print("output: {} (the integer model's argmax at each step)\n", o.output);
}

void run(const GenerateOptions& o) {
  const bool generating = o.bos || !o.prompt.empty();
  if (o.score.empty() && !generating) throw core::Error("give --bos, --prompt-ids or --score");
  if (generating && o.new_tokens < 1) throw core::Error("--new-tokens: give at least 1");
  if (!o.score.empty() && o.use_float) {
    throw core::Error(
        "--score compares the integer model with the float reference: --float does not apply");
  }
  const model::DecoderConfig config = model::load_decoder_config(o.model);
  const Clock::time_point load = Clock::now();
  const model::DecoderWeightReader weights = open_weights(o, config);
  const model::DecoderConfig& c = weights.config;
  fmt::print("model: {} ({}, {} layers, hidden {}, {}/{} heads, FFN {}, vocab {}, context {})\n",
             c.name, model::to_string(c.architecture), c.layers, c.dim, c.heads, c.kv_heads,
             c.hidden_dim, c.vocab, c.max_seq);
  std::shared_ptr<model::IntDecoder> integer;
  if (!o.use_float) integer = std::make_shared<model::IntDecoder>(weights);
  std::shared_ptr<model::FloatDecoder> reference;
  if (o.use_float || !o.score.empty()) {
    reference = std::make_shared<model::FloatDecoder>(model::read_all(weights));
  }
  const Engine engine = integer ? int_engine(integer) : float_engine(reference);
  fmt::print("weights: {} (loaded{} in {:.0f} ms), path: {}\n",
             o.weights.empty() ? fmt::format("synthetic, seed {}", o.seed) : o.weights,
             integer ? " and calibrated" : "", ms_since(load), engine.name);
  if (!o.score.empty()) {
    score(o, engine, *reference, c);
  } else {
    generate(o, engine, c);
  }
}

}  // namespace

void add_generate(CLI::App& app) {
  auto o = std::make_shared<GenerateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "Run a decoder (Llama, GPT-2) on one machine: prefill a prompt, then greedy decoding with "
      "the KV cache (or --score a token list: integer vs float agreement)");
  cmd->add_option("--model", o->model, "Decoder YAML (e.g. examples/models/stories260K.yaml)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* weights = cmd->add_option(
      "--weights", o->weights,
      "llama2.c checkpoint (.bin) or Hugging Face directory (config.json + *.safetensors); its "
      "shape must be the model YAML's");
  auto* seed = cmd->add_option("--seed", o->seed, "Seed of synthetic weights (default 1)");
  weights->excludes(seed);
  auto* bos = cmd->add_flag("--bos", o->bos, "Start from the model's BOS token alone");
  auto* prompt = cmd->add_option("--prompt-ids", o->prompt, "Prompt token ids, e.g. 1,403,407")
                     ->delimiter(',');
  bos->excludes(prompt);
  auto* n = cmd->add_option("--new-tokens", o->new_tokens, "Tokens to generate (greedy)");
  cmd->add_flag("--float", o->use_float, "Run the float32 reference instead of the integer model");
  auto* score =
      cmd->add_option("--score", o->score,
                      "Teacher-force these token ids (text, or an int .npy; the first is fed "
                      "at position 0, e.g. BOS) and print `agreement: K of N` (integer argmax "
                      "== float argmax) and the mean |logit error|");
  score->excludes(bos)->excludes(prompt)->excludes(n);
  cmd->add_option("-o,--output", o->output,
                  "Where to write the token ids (int64 .npy): prompt and generated tokens; with "
                  "--score the integer model's argmax at each step")
      ->required();
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
