// Decoder model YAMLs (model/config): the examples, defaults, and the errors of bad files.
#include <gtest/gtest.h>

#include "core/error.h"
#include "model/config.h"
#include "model/synthetic_decoder.h"

namespace atl::model {
namespace {

const std::filesystem::path kModels = std::filesystem::path(ATOLL_SOURCE_DIR) / "examples/models";

std::string error_of(const std::string& yaml,
                     core::ErrorKind kind = core::ErrorKind::invalid_input) {
  try {
    parse_decoder_config(yaml, "m.yaml");
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  return "no error";
}

const std::string kTiny =
    "architecture: llama-decoder\nlayers: 2\nhidden: 16\nheads: 4\nintermediate: 24\nvocab: 32\n"
    "max_seq: 8\n";

TEST(DecoderConfig, ReadsTheExamples) {
  const DecoderConfig s = load_decoder_config(kModels / "stories260K.yaml");
  EXPECT_EQ(s.name, "stories260K");
  EXPECT_EQ(s.dim, 64);
  EXPECT_EQ(s.kv_heads, 4);
  EXPECT_EQ(s.rope, RopeLayout::interleaved);
  EXPECT_TRUE(s.tied_embeddings);
  const DecoderConfig l3 = load_decoder_config(kModels / "llama-3-8b.yaml");
  EXPECT_EQ(l3.vocab, 128256);
  EXPECT_EQ(l3.rope_theta, 500000.0f);
  EXPECT_EQ(l3.rope, RopeLayout::halves);
  EXPECT_EQ(l3.bos, 128000);
  EXPECT_FALSE(l3.tied_embeddings);
  const DecoderConfig g = load_decoder_config(kModels / "gpt2-xl.yaml");
  EXPECT_EQ(g.architecture, Architecture::gpt2_decoder);
  EXPECT_EQ(g.norm, NormKind::layernorm);
  EXPECT_EQ(g.ffn, FfnKind::gelu);
  EXPECT_EQ(g.head_dim(), 64);
  EXPECT_EQ(g.kv_heads, 25);
  // Parameter counts of the published models (model cards: 124M, 1.1B, 6.7B, 69B, 8.0B).
  EXPECT_EQ(parameter_count(load_decoder_config(kModels / "gpt2-small.yaml")), 124439808);
  EXPECT_EQ(parameter_count(load_decoder_config(kModels / "tinyllama-1.1b.yaml")), 1100048384);
  EXPECT_EQ(parameter_count(load_decoder_config(kModels / "llama-2-7b.yaml")), 6738415616);
  EXPECT_EQ(parameter_count(load_decoder_config(kModels / "llama-2-70b.yaml")), 68976648192);
  EXPECT_EQ(parameter_count(load_decoder_config(kModels / "llama-3-8b.yaml")), 8030261248);
  for (const char* f : {"tinyllama-1.1b.yaml", "llama-2-7b.yaml", "llama-2-70b.yaml",
                        "gpt2-small.yaml", "gpt2-medium.yaml"}) {
    EXPECT_NO_THROW(load_decoder_config(kModels / f)) << f;
  }
}

TEST(DecoderConfig, DefaultsFollowTheArchitecture) {
  const DecoderConfig l = parse_decoder_config(kTiny, "dir/tiny.yaml");
  EXPECT_EQ(l.name, "tiny");
  EXPECT_EQ(l.kv_heads, 4);
  EXPECT_EQ(l.norm, NormKind::rmsnorm);
  EXPECT_EQ(l.ffn, FfnKind::swiglu);
  EXPECT_FALSE(l.tied_embeddings);
  EXPECT_EQ(l.norm_eps, 1e-5f);
  const DecoderConfig g = parse_decoder_config(
      "architecture: gpt2-decoder\nlayers: 2\nhidden: 16\nheads: 4\nintermediate: 24\nvocab: "
      "32\nmax_seq: 8\n",
      "g.yaml");
  EXPECT_EQ(g.norm, NormKind::layernorm);
  EXPECT_EQ(g.ffn, FfnKind::gelu);
  EXPECT_TRUE(g.tied_embeddings);
}

TEST(DecoderConfig, RejectsBadFiles) {
  EXPECT_EQ(error_of(kTiny + "kv_heads: 3\n"),
            "m.yaml: heads (4) must be a multiple of kv_heads (3)");
  EXPECT_EQ(error_of(kTiny + "kv_heads: 8\n"), "m.yaml: kv_heads must be in [1, 4], got 8");
  EXPECT_EQ(error_of("architecture: mamba\n"),
            "m.yaml: field 'architecture' must be one of 'ibert-encoder', 'llama-decoder', "
            "'gpt2-decoder', got 'mamba'");
  EXPECT_EQ(error_of("layers: 2\n"),
            "m.yaml: field 'architecture' is ibert-encoder (or absent); expected llama-decoder or "
            "gpt2-decoder");
  EXPECT_EQ(error_of("architecture: llama-decoder\nlayers: 2\n"), "m.yaml: missing field 'hidden'");
  EXPECT_EQ(error_of(kTiny + "rope: sideways\n"),
            "m.yaml: field 'rope' must be one of 'interleaved', 'halves', got 'sideways'");
  EXPECT_EQ(error_of(kTiny + "vocab_size: 3\n"), "m.yaml: unknown field 'vocab_size'");
  EXPECT_EQ(error_of(kTiny + "norm_eps: 2\n"),
            "m.yaml: field 'norm_eps' must be in [1e-12, 0.1], got 2");
  EXPECT_EQ(error_of(kTiny + "tied_embeddings: maybe\n"),
            "m.yaml: field 'tied_embeddings' must be true or false, got 'maybe'");
  EXPECT_EQ(error_of("architecture: llama-decoder\nlayers: 2\nhidden: 18\nheads: 2\n"
                     "intermediate: 24\nvocab: 32\nmax_seq: 8\n"),
            "m.yaml: head size hidden/heads (9) must be even: RoPE rotates pairs");
  EXPECT_EQ(error_of(kTiny.substr(0, kTiny.find("max_seq")) + "max_seq: 2000000\n"),
            "m.yaml: field 'max_seq' is 2000000, more than the supported 1048576");
}

TEST(DecoderConfig, EncoderVerbsRefuseDecodersWithOneLine) {
  try {
    load_model_config(kModels / "llama-2-7b.yaml");
    FAIL() << "no error";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::unsupported);
    EXPECT_EQ(std::string(e.what()),
              (kModels / "llama-2-7b.yaml").string() +
                  ": architecture 'llama-decoder': decoders on the cluster: not yet (run them on "
                  "one machine with `atoll generate`)");
  }
  // No architecture field: an encoder, as before.
  EXPECT_EQ(parse_model_config("layers: 1\n", "e.yaml").hidden, 768);
  EXPECT_EQ(parse_architecture("architecture: gpt2-decoder\n", "g.yaml"),
            Architecture::gpt2_decoder);
}

}  // namespace
}  // namespace atl::model
