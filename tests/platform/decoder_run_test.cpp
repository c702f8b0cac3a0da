// Decoder plans on software nodes (platform/decoder_run.h): tensor-parallel graphs spread over
// in-process nodes give exactly model::IntDecoder's greedy tokens; a kernel's state refuses a
// step it has not reached; a failing kernel ends the generation with one error, no hang.
#include "platform/decoder_run.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "core/file.h"
#include "core/npy.h"
#include "graph/architecture.h"
#include "hw/device.h"
#include "model/int_decoder.h"
#include "model/llama2c.h"
#include "model/synthetic_decoder.h"
#include "plan/plan.h"
#include "platform/decoder_kernel.h"
#include "platform/mpi_launch.h"

namespace atl::platform {
namespace {

// A tiny Llama with grouped-query attention (4 heads, 2 K/V heads) and a tiny GPT-2.
model::DecoderConfig tiny_llama() {
  model::DecoderConfig d;
  d.name = "tiny-llama";
  d.architecture = model::Architecture::llama_decoder;
  d.layers = 2;
  d.dim = 32;
  d.hidden_dim = 40;
  d.heads = 4;
  d.kv_heads = 2;
  d.vocab = 96;
  d.max_seq = 24;
  d.tied_embeddings = false;
  return d;
}

model::DecoderConfig tiny_gpt2() {
  model::DecoderConfig d;
  d.name = "tiny-gpt2";
  d.architecture = model::Architecture::gpt2_decoder;
  d.layers = 2;
  d.dim = 32;
  d.hidden_dim = 64;
  d.heads = 2;
  d.kv_heads = 2;
  d.vocab = 80;
  d.max_seq = 24;
  d.norm = model::NormKind::layernorm;
  d.ffn = model::FfnKind::gelu;
  return d;
}

// Where the attention kernel of (first) head h goes: node h mod `nodes`, so that most of its
// inputs cross nodes, or, as the decoder mapper places it, on the node of the q part that
// computes its heads (h t / heads).
enum class Heads { spread, with_their_q_part };

// The decoder's graph with every splitting role cut into `t` parts (`kv`: the K/V projections'),
// placed as tensor parallelism puts it: part p on node p mod `nodes`, the attention kernels by
// `heads`, the single kernels (norms, reduces, the host's ends) on node 0.
plan::Plan tensor_parallel(const model::DecoderConfig& d, int t, int kv, int nodes,
                           int heads_per_kernel = 1, Heads heads = Heads::spread) {
  const model::ModelConfig c = model::model_config(d);
  graph::KnobMap knobs = graph::builder(c.architecture).default_knobs;
  knobs[graph::role_from_string(c.architecture, "attention", "test")].stages[0].tile =
      heads_per_kernel;
  for (const char* label : {"embed", "q", "out_proj", "ffn_up", "ffn_down", "lm_head"}) {
    knobs[graph::role_from_string(c.architecture, label, "test")].partition = t;
  }
  for (const char* label : {"k", "v"}) {
    knobs[graph::role_from_string(c.architecture, label, "test")].partition = kv;
  }
  plan::Plan p;
  p.model_config = d.name;
  p.graph = graph::build_graph(c, knobs);
  p.cluster.name = "test";
  for (int n = 0; n < nodes; ++n) p.cluster.nodes.push_back({fmt::format("n{}", n), {}});
  for (const graph::Kernel& k : p.graph.kernels) {
    const int head_node = heads == Heads::spread ? k.head % nodes : k.head * t / d.heads % nodes;
    p.node_of_kernel.push_back(k.head >= 0 ? head_node : (k.parts > 1 ? k.part % nodes : 0));
  }
  p.objective = plan::Objective::manual;
  p.estimate.nodes.resize(static_cast<std::size_t>(nodes));
  return p;
}

// IntDecoder's greedy tokens (`atoll generate`'s).
std::vector<std::int64_t> reference_tokens(const model::DecoderWeightReader& weights,
                                           const std::vector<int>& prompt, int new_tokens) {
  model::IntDecoder m(weights);
  return model::greedy_tokens(m, prompt, new_tokens);
}

void expect_same_tokens(const model::DecoderConfig& d, int t, int kv, int nodes,
                        int heads_per_kernel = 1) {
  const std::vector<int> prompt{1, 7, 30, 2, 11};
  const int new_tokens = 12;
  const std::vector<std::int64_t> expected =
      reference_tokens(model::synthetic_reader(d, 5), prompt, new_tokens);
  const plan::Plan p = tensor_parallel(d, t, kv, nodes, heads_per_kernel);
  const DecoderTables tables = calibrate_decoder(model::synthetic_reader(d, 5));
  const std::vector<std::int64_t> ids(prompt.begin(), prompt.end());
  const Generation g = generate_on_nodes(p, tables, ids, new_tokens, {});
  EXPECT_TRUE(g.host);
  EXPECT_EQ(g.tokens, expected);
  EXPECT_EQ(g.decode_ms.size(), static_cast<std::size_t>(new_tokens - 1));
}

TEST(DecoderRun, LlamaOnFourNodesEqualsIntDecoder) {
  expect_same_tokens(tiny_llama(), 4, 2, 4);
}

TEST(DecoderRun, LlamaWithoutSplitsOnOneNodeEqualsIntDecoder) {
  expect_same_tokens(tiny_llama(), 1, 1, 1);
}

// Attention kernels serving a group of query heads: the two heads of one KV head (its cache
// once), and all four heads over both KV heads (a cache of two).
TEST(DecoderRun, LlamaWithGroupedHeadsEqualsIntDecoder) {
  expect_same_tokens(tiny_llama(), 2, 2, 2, 2);
  expect_same_tokens(tiny_llama(), 1, 1, 1, 4);
}

TEST(DecoderRun, Gpt2OnTwoNodesEqualsIntDecoder) {
  expect_same_tokens(tiny_gpt2(), 2, 2, 2);
}

namespace fs = std::filesystem;
const fs::path kStories =
    fs::path(ATOLL_SOURCE_DIR) / "../shared/models/stories260K/stories260K.bin";

// stories260K (8 heads, 4 K/V heads) with every role in 4 parts on 4 in-process nodes.
TEST(DecoderRun, Stories260KOnFourNodesEqualsIntDecoder) {
  if (!fs::exists(kStories)) GTEST_SKIP() << "no " << kStories << " (../shared absent)";
  const std::vector<std::int64_t> expected =
      reference_tokens(model::open_llama2c(kStories), {1}, 40);
  const DecoderTables tables = calibrate_decoder(model::open_llama2c(kStories));
  const Generation g = generate_on_nodes(tensor_parallel(tables.config, 4, 4, 4), tables,
                                         std::vector<std::int64_t>{1}, 40, {});
  EXPECT_EQ(g.tokens, expected);
}

// The decoder mapper's tensor-parallel-4 layout (bench/decoder_nodes_bench.cpp runs it): an
// attention kernel of 2 heads on the node of the q, k and v parts feeding it; the norms'
// broadcasts, the row maxima and the partial sums cross nodes, straight into the receiving
// node's router.
TEST(DecoderRun, Stories260KOnFourNodesAsTheMapperLaysItOutEqualsIntDecoder) {
  if (!fs::exists(kStories)) GTEST_SKIP() << "no " << kStories << " (../shared absent)";
  const std::vector<std::int64_t> expected =
      reference_tokens(model::open_llama2c(kStories), {1}, 40);
  const DecoderTables tables = calibrate_decoder(model::open_llama2c(kStories));
  const plan::Plan p = tensor_parallel(tables.config, 4, 4, 4, 2, Heads::with_their_q_part);
  int between_nodes = 0;
  for (const graph::Stream& s : p.graph.streams) {
    between_nodes += p.node_of_kernel[static_cast<std::size_t>(s.producer)] !=
                     p.node_of_kernel[static_cast<std::size_t>(s.consumer)];
  }
  EXPECT_EQ(p.graph.kernels.size(), 172u);
  EXPECT_EQ(between_nodes, 225);
  const Generation g = generate_on_nodes(p, tables, std::vector<std::int64_t>{1}, 40, {});
  EXPECT_EQ(g.tokens, expected);
}

// `atoll run --transport mpi` on a 2-node tensor-parallel plan of stories260K: 2 ranks, the
// tokens of IntDecoder (its --check) in the -o file; 3 ranks for 2 nodes: one line, exit 1.
TEST(DecoderRun, Stories260KOnTwoMpiRanksEqualsIntDecoder) {
  if (!fs::exists(kStories)) GTEST_SKIP() << "no " << kStories << " (../shared absent)";
  const fs::path dir = fs::temp_directory_path() / fmt::format("atoll-decoder-{}", ::getpid());
  fs::create_directories(dir);
  plan::Plan p = tensor_parallel(model::load_llama2c(kStories).config, 2, 2, 2);
  const hw::Catalogue catalogue = hw::load_catalogue(fs::path(ATOLL_SOURCE_DIR) / "data/devices");
  for (auto& n : p.cluster.nodes) n.device = catalogue.at("sidewinder-100");
  const fs::path plan = dir / "stories-2.json", out = dir / "t.npy", log = dir / "log.txt";
  plan::save_plan(p, plan);
  const std::string args = fmt::format(
      "--plan '{}' --weights '{}' --prompt-ids 1,403 --new-tokens 16 -o '{}' --timeout 30",
      plan.string(), kStories.string(), out.string());
  EXPECT_EQ(run_process({"sh", "-c",
                         fmt::format("'{}' run --transport mpi {} --check > '{}' 2>&1",
                                     ATOLL_BINARY, args, log.string())},
                        std::chrono::seconds(90)),
            0)
      << core::read_text_file(log, "log");
  const std::string text = core::read_text_file(log, "log");
  EXPECT_NE(text.find("same tokens as the single-process integer decoder (atoll generate): yes"),
            std::string::npos)
      << text;
  std::vector<std::int64_t> expected{1, 403};
  for (std::int64_t t : reference_tokens(model::open_llama2c(kStories), {1, 403}, 16)) {
    expected.push_back(t);
  }
  EXPECT_EQ(core::read_npy<std::int64_t>(out).values(), expected);
  std::vector<std::string> three = mpirun_command(3, ATOLL_BINARY, {"node"});
  std::string command;
  for (const std::string& a : three) command += "'" + a + "' ";
  EXPECT_NE(run_process({"sh", "-c", fmt::format("{} {} > '{}' 2>&1", command, args, log.string())},
                        std::chrono::seconds(60)),
            0);
  EXPECT_NE(
      core::read_text_file(log, "log")
          .find("the plan has 2 nodes, 1 per rank, so it needs 2 MPI ranks, but the job has 3"),
      std::string::npos)
      << core::read_text_file(log, "log");
  fs::remove_all(dir);
}

// The attention kernel keeps its heads' cache: a step beyond it is refused, one line. Its output
// rows go into the scratch it is given, which the next step reuses without allocating.
TEST(DecoderRun, AttentionRefusesAPositionItHasNotReached) {
  const model::DecoderConfig d = tiny_llama();
  const plan::Plan p = tensor_parallel(d, 1, 1, 1);
  const DecoderTables tables = calibrate_decoder(model::synthetic_reader(d, 5));
  const graph::Kernel* head = nullptr;
  for (const graph::Kernel& k : p.graph.kernels) {
    if (k.name == "l0.h1.attention") head = &k;
  }
  ASSERT_NE(head, nullptr);
  DecoderKernel kernel(*head, tables);
  DecoderScratch scratch;
  const std::vector<std::vector<std::int32_t>> one_row{std::vector<std::int32_t>(8, 100),
                                                       std::vector<std::int32_t>(16, 50)};
  try {
    kernel.run({3, 1}, one_row, scratch);
    FAIL() << "a step at position 3 on an empty cache ran";
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(), "step at position 3, cache holds 0");
  }
  const std::vector<std::int32_t>& out = kernel.run({0, 1}, one_row, scratch);
  EXPECT_EQ(&out, &scratch.out);
  EXPECT_EQ(out.size(), 9u);  // the context row and its max
  EXPECT_EQ(kernel.cached(), 1);
  EXPECT_THROW(kernel.run({2, 1}, one_row, scratch), core::Error);
  const std::int32_t* rows = out.data();
  EXPECT_EQ(&kernel.run({1, 1}, one_row, scratch), &out);
  EXPECT_EQ(out.data(), rows);
  EXPECT_EQ(out.size(), 9u);
  EXPECT_EQ(kernel.cached(), 2);
}

// A kernel that throws in the middle of decoding stops every node: one error naming the node
// and the kernel, well before the timeout.
TEST(DecoderRun, NodeDyingMidGenerationIsOneErrorNoHang) {
  const model::DecoderConfig d = tiny_llama();
  const plan::Plan p = tensor_parallel(d, 2, 2, 4);
  const DecoderTables tables = calibrate_decoder(model::synthetic_reader(d, 5));
  DecoderRunOptions options;
  options.timeout = std::chrono::seconds(20);
  options.before_compute = [](const graph::Kernel& k, Step s) {
    if (k.name == "l1.h2.attention" && s.first == 7) throw core::Error("node lost power");
  };
  const std::vector<std::int64_t> prompt{1, 2, 3};
  const auto t0 = std::chrono::steady_clock::now();
  try {
    generate_on_nodes(p, tables, prompt, 10, options);
    FAIL() << "the generation survived its node";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::failed);
    EXPECT_STREQ(e.what(), "node n2 kernel 'l1.h2.attention': node lost power");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(DecoderRun, RefusesPromptsThatDoNotFit) {
  const model::DecoderConfig d = tiny_llama();
  const plan::Plan p = tensor_parallel(d, 1, 1, 1);
  const DecoderTables tables = calibrate_decoder(model::synthetic_reader(d, 5));
  auto error = [&](std::vector<std::int64_t> prompt, std::int64_t n) {
    try {
      check_generation(p, tables, prompt, n);
    } catch (const core::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error({1, 2}, 24),
            "prompt of 2 and 24 new tokens: 25 positions are more than the context of model "
            "'tiny-llama' (24)");
  EXPECT_EQ(error({1, 2}, 23), "no error");  // positions 0..23
  EXPECT_NE(error({1, 96}, 1).find("token id 96 is outside the vocabulary"), std::string::npos);
  const DecoderTables other = calibrate_decoder(model::synthetic_reader(tiny_gpt2(), 5));
  EXPECT_THROW(check_generation(p, other, std::vector<std::int64_t>{1}, 1), core::Error);
}

}  // namespace
}  // namespace atl::platform
