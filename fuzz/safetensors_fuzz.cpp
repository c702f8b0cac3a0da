// libFuzzer target for the safetensors reader (model/safetensors) and the Hugging Face tensor
// mapping on its result: any bytes must decode or throw a core::Error that is not internal.
#include "fuzz/fuzz_input.h"
#include "model/hf_decoder.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atl::fuzz::expect_clean([&] {
    atl::model::NamedTensors tensors =
        atl::model::parse_safetensors({data, size}, "fuzz.safetensors");
    // Map what decoded onto a one-layer GPT-2 (dim 4, vocab 4, context 2), the layout of the seed.
    atl::model::DecoderConfig c;
    c.architecture = atl::model::Architecture::gpt2_decoder;
    c.dim = 4;
    c.hidden_dim = 4;
    c.layers = 1;
    c.heads = 2;
    c.kv_heads = 2;
    c.vocab = 4;
    c.max_seq = 2;
    c.norm = atl::model::NormKind::layernorm;
    c.ffn = atl::model::FfnKind::gelu;
    (void)atl::model::hf_decoder(c, std::move(tensors), "fuzz");
  });
  return 0;
}
