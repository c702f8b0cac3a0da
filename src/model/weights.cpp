#include "model/weights.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "core/file.h"
#include "core/npy.h"
#include "model/golden_layout.h"

namespace atl::model {
namespace fs = std::filesystem;
namespace {

namespace file = golden::file;
using golden::kernel_dir;

// Reads one golden file; `dir` is the kernel folder, `file` the stem.
template <class T>
core::Tensor<T> load(const fs::path& dir, const char* stem) {
  const fs::path p = golden::npy(dir, stem);
  if (!fs::exists(p)) throw core::Error(fmt::format("{}: missing weight file", p.string()));
  return core::read_npy<T>(p);
}

template <class T>
std::vector<T> load_vector(const fs::path& dir, const char* stem, std::int64_t n) {
  auto t = load<T>(dir, stem);
  if (t.rank() != 1 || (n > 0 && t.size() != n)) {
    throw core::Error(fmt::format("{}: expected shape [{}], got {}",
                                  golden::npy(dir, stem).string(), n, core::to_string(t.shape())));
  }
  return t.values();
}

template <class T>
T load_scalar(const fs::path& dir, const char* stem) {
  auto t = load<T>(dir, stem);
  if (t.size() != 1) {
    throw core::Error(fmt::format("{}: expected one value, got shape {}",
                                  golden::npy(dir, stem).string(), core::to_string(t.shape())));
  }
  return t[0];
}

Linear load_linear(const fs::path& dir, std::int64_t out, std::int64_t in) {
  Linear l;
  l.weight = load<std::int8_t>(dir, file::kWeight);
  core::expect_shape(l.weight, {out, in}, golden::npy(dir, file::kWeight).string());
  l.bias = load_vector<std::int32_t>(dir, file::kBias, out);
  return l;
}

kernels::QuantActParams load_act(const fs::path& dir, std::int64_t channels, int out_bits,
                                 const char* m = file::kM, const char* e = file::kE) {
  kernels::QuantActParams p;
  p.m = load_vector<std::int64_t>(dir, m, -1);
  p.e = load_vector<int>(dir, e, -1);
  p.out_bits = out_bits;
  kernels::validate(p, channels, dir.string());
  return p;
}

template <class T, class U>
void save_vector(const fs::path& p, const std::vector<U>& v) {
  core::Tensor<T> t({static_cast<std::int64_t>(v.size())});
  for (std::size_t i = 0; i < v.size(); ++i) t[static_cast<std::int64_t>(i)] = static_cast<T>(v[i]);
  core::write_npy(p, t);
}

template <class T>
void save_scalar(const fs::path& p, T v) {
  core::write_npy(p, core::Tensor<T>({1}, {v}));
}

void save_linear(const fs::path& dir, const Linear& l) {
  core::write_npy(golden::npy(dir, file::kWeight), l.weight);
  save_vector<std::int32_t>(golden::npy(dir, file::kBias), l.bias);
}

void save_act(const fs::path& dir, const kernels::QuantActParams& p, const char* m = file::kM,
              const char* e = file::kE) {
  save_vector<std::int64_t>(golden::npy(dir, m), p.m);
  save_vector<std::int32_t>(golden::npy(dir, e), p.e);
}

nlohmann::json to_json(const LayerScales& s) {
  return {{"input", s.input},
          {"w_q", s.w_q},
          {"w_k", s.w_k},
          {"w_v", s.w_v},
          {"w_out", s.w_out},
          {"w_ffn1", s.w_ffn1},
          {"w_ffn2", s.w_ffn2},
          {"q", s.q},
          {"k", s.k},
          {"v", s.v},
          {"context", s.context},
          {"gamma_attn", s.gamma_attn},
          {"beta_attn", s.beta_attn},
          {"ln_attn", s.ln_attn},
          {"gelu", s.gelu},
          {"gamma_ffn", s.gamma_ffn},
          {"beta_ffn", s.beta_ffn},
          {"output", s.output}};
}

LayerScales scales_from_json(const nlohmann::json& j, const std::string& where) {
  LayerScales s;
  auto get = [&](const char* key, auto& field) {
    if (!j.contains(key)) throw core::Error(fmt::format("{}: missing field '{}'", where, key));
    try {
      j.at(key).get_to(field);
    } catch (const nlohmann::json::exception&) {
      throw core::Error(fmt::format("{}: field '{}' has the wrong type", where, key));
    }
  };
  get("input", s.input), get("w_q", s.w_q), get("w_k", s.w_k), get("w_v", s.w_v);
  get("w_out", s.w_out), get("w_ffn1", s.w_ffn1), get("w_ffn2", s.w_ffn2);
  get("q", s.q), get("k", s.k), get("v", s.v), get("context", s.context);
  get("gamma_attn", s.gamma_attn), get("beta_attn", s.beta_attn), get("ln_attn", s.ln_attn);
  get("gelu", s.gelu), get("gamma_ffn", s.gamma_ffn), get("beta_ffn", s.beta_ffn);
  get("output", s.output);
  return s;
}

}  // namespace

Linear Linear::rows(std::int64_t begin, std::int64_t end) const {
  if (begin < 0 || end > weight.dim(0) || begin >= end) {
    throw core::Error(fmt::format("Linear::rows: [{}, {}) is not a slice of {} output rows", begin,
                                  end, weight.dim(0)));
  }
  const std::int64_t in = weight.dim(1);
  Linear s;
  s.weight = core::Tensor<std::int8_t>(
      {end - begin, in},
      std::vector<std::int8_t>(weight.data() + begin * in, weight.data() + end * in));
  s.bias.assign(bias.begin() + begin, bias.begin() + end);
  return s;
}

void validate(const EncoderWeights& w) {
  const auto& c = w.config;
  if (static_cast<std::int64_t>(w.layers.size()) != c.layers) {
    throw core::Error(
        fmt::format("weights: {} layers, model '{}' has {}", w.layers.size(), c.name, c.layers));
  }
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const auto& l = w.layers[i];
    auto where = [&](const char* k) { return fmt::format("layer {} {}", i, k); };
    auto check_linear = [&](const Linear& lin, std::int64_t out, std::int64_t in, const char* k) {
      core::expect_shape(lin.weight, {out, in}, where(k));
      if (static_cast<std::int64_t>(lin.bias.size()) != out) {
        throw core::Error(
            fmt::format("{}: bias has {} values, expected {}", where(k), lin.bias.size(), out));
      }
    };
    check_linear(l.q, c.hidden, c.hidden, "linear_q");
    check_linear(l.k, c.hidden, c.hidden, "linear_k");
    check_linear(l.v, c.hidden, c.hidden, "linear_v");
    check_linear(l.out, c.hidden, c.hidden, "self_output/linear");
    check_linear(l.ffn1, c.intermediate, c.hidden, "intermediate/linear");
    check_linear(l.ffn2, c.hidden, c.intermediate, "output/linear");
    kernels::validate(l.act_q, c.hidden, where("act_q"));
    kernels::validate(l.act_k, c.hidden, where("act_k"));
    kernels::validate(l.act_v, c.hidden, where("act_v"));
    kernels::validate(l.softmax, where("softmax"));
    kernels::validate(l.act_out, c.hidden, where("act_out"));
    kernels::validate(l.res_attn.main, c.hidden, where("self_output/act_linear"));
    kernels::validate(l.res_attn.identity, c.hidden, where("self_output/act_linear identity"));
    kernels::validate(l.ln_attn, c.hidden, where("self_output/layernorm"));
    kernels::validate(l.act_ln_attn, c.hidden, where("self_output/act_layernorm"));
    kernels::validate(l.gelu, c.intermediate, where("intermediate/gelu"));
    kernels::validate(l.act_gelu, c.intermediate, where("intermediate/act"));
    kernels::validate(l.res_ffn.main, c.hidden, where("output/act_linear"));
    kernels::validate(l.res_ffn.identity, c.hidden, where("output/act_linear identity"));
    kernels::validate(l.ln_ffn, c.hidden, where("output/layernorm"));
    kernels::validate(l.act_ln_ffn, c.hidden, where("output/act_layernorm"));
  }
  if (w.scales && static_cast<std::int64_t>(w.scales->size()) != c.layers) {
    throw core::Error(
        fmt::format("weights: scales for {} layers, model has {}", w.scales->size(), c.layers));
  }
}

EncoderWeights load_weights(const fs::path& dir, const ModelConfig& c) {
  if (!fs::is_directory(golden::encoder_dir(dir))) {
    throw core::Error(fmt::format("{}: not a weights directory (expected {}/encoder/<layer>/...)",
                                  dir.string(), dir.string()));
  }
  EncoderWeights w;
  w.config = c;
  for (std::int64_t i = 0; i < c.layers; ++i) {
    const fs::path L = golden::layer_dir(dir, i);
    if (!fs::is_directory(L)) {
      throw core::Error(
          fmt::format("{}: missing layer {} of {} (model '{}')", L.string(), i, c.layers, c.name));
    }
    auto at = [&](const golden::KernelFolder& k) { return kernel_dir(L, k); };
    LayerWeights l;
    l.q = load_linear(at(golden::kLinearQ), c.hidden, c.hidden);
    l.k = load_linear(at(golden::kLinearK), c.hidden, c.hidden);
    l.v = load_linear(at(golden::kLinearV), c.hidden, c.hidden);
    l.act_q = load_act(at(golden::kActQ), c.hidden, 8);
    l.act_k = load_act(at(golden::kActK), c.hidden, 8);
    l.act_v = load_act(at(golden::kActV), c.hidden, 8);
    const fs::path sm = at(golden::kSoftmax);
    l.softmax.x0 = load_scalar<std::int64_t>(sm, file::kX0);
    l.softmax.b = load_scalar<std::int64_t>(sm, file::kB);
    l.softmax.c = load_scalar<std::int64_t>(sm, file::kC);
    l.softmax.n = load_scalar<int>(sm, file::kConst);
    l.softmax.m = load_scalar<std::int64_t>(sm, file::kM);
    l.softmax.e = load_scalar<int>(sm, file::kE);
    kernels::validate(l.softmax, sm.string());
    l.act_out = load_act(at(golden::kActOut), c.hidden, 8);
    l.out = load_linear(at(golden::kOutProj), c.hidden, c.hidden);
    l.res_attn.main = load_act(at(golden::kResAttn), c.hidden, 32);
    l.res_attn.identity =
        load_act(at(golden::kResAttn), c.hidden, 32, file::kIdentityM, file::kIdentityE);
    l.ln_attn.shift = load_scalar<int>(at(golden::kLnAttn), file::kShift);
    l.ln_attn.bias = load_vector<std::int64_t>(at(golden::kLnAttn), file::kLnBias, c.hidden);
    l.act_ln_attn = load_act(at(golden::kActLnAttn), c.hidden, 8);
    l.ffn1 = load_linear(at(golden::kFfn1), c.intermediate, c.hidden);
    const fs::path gelu = at(golden::kGelu);
    l.gelu.b = load_vector<std::int64_t>(gelu, file::kB, -1);
    l.gelu.c = load_vector<std::int64_t>(gelu, file::kC, -1);
    l.gelu.shift = load_vector<std::int64_t>(gelu, file::kShift, -1);
    l.gelu.k = load_scalar<int>(gelu, file::kConst);
    kernels::validate(l.gelu, c.intermediate, gelu.string());
    l.act_gelu = load_act(at(golden::kActGelu), c.intermediate, 8);
    l.ffn2 = load_linear(at(golden::kFfn2), c.hidden, c.intermediate);
    l.res_ffn.main = load_act(at(golden::kResFfn), c.hidden, 32);
    l.res_ffn.identity =
        load_act(at(golden::kResFfn), c.hidden, 32, file::kIdentityM, file::kIdentityE);
    l.ln_ffn.shift = load_scalar<int>(at(golden::kLnFfn), file::kShift);
    l.ln_ffn.bias = load_vector<std::int64_t>(at(golden::kLnFfn), file::kLnBias, c.hidden);
    l.act_ln_ffn = load_act(at(golden::kActLnFfn), c.hidden, 8);
    w.layers.push_back(std::move(l));
  }
  const fs::path scales = dir / "scales.json";
  if (fs::exists(scales)) {
    const nlohmann::json j = core::read_json_file(scales, "scales file");
    if (!j.is_array() || static_cast<std::int64_t>(j.size()) < c.layers) {
      throw core::Error(fmt::format("{}: expected an array of at least {} layer scales",
                                    scales.string(), c.layers));
    }
    std::vector<LayerScales> s;
    for (std::int64_t i = 0; i < c.layers; ++i) {
      s.push_back(scales_from_json(j[static_cast<std::size_t>(i)],
                                   fmt::format("{} layer {}", scales.string(), i)));
    }
    w.scales = std::move(s);
  }
  validate(w);
  return w;
}

void save_weights(const EncoderWeights& w, const fs::path& dir) {
  validate(w);
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const auto& l = w.layers[i];
    const fs::path L = golden::layer_dir(dir, static_cast<std::int64_t>(i));
    auto at = [&](const golden::KernelFolder& k) {  // the kernel folder, created
      fs::create_directories(kernel_dir(L, k));
      return kernel_dir(L, k);
    };
    save_linear(at(golden::kLinearQ), l.q);
    save_linear(at(golden::kLinearK), l.k);
    save_linear(at(golden::kLinearV), l.v);
    save_act(at(golden::kActQ), l.act_q);
    save_act(at(golden::kActK), l.act_k);
    save_act(at(golden::kActV), l.act_v);
    const fs::path sm = at(golden::kSoftmax);
    save_scalar<std::int64_t>(golden::npy(sm, file::kX0), l.softmax.x0);
    save_scalar<std::int64_t>(golden::npy(sm, file::kB), l.softmax.b);
    save_scalar<std::int64_t>(golden::npy(sm, file::kC), l.softmax.c);
    save_scalar<std::int32_t>(golden::npy(sm, file::kConst), l.softmax.n);
    save_scalar<std::int64_t>(golden::npy(sm, file::kM), l.softmax.m);
    save_scalar<std::int32_t>(golden::npy(sm, file::kE), l.softmax.e);
    save_act(at(golden::kActOut), l.act_out);
    save_linear(at(golden::kOutProj), l.out);
    save_act(at(golden::kResAttn), l.res_attn.main);
    save_act(at(golden::kResAttn), l.res_attn.identity, file::kIdentityM, file::kIdentityE);
    const fs::path ln_attn = at(golden::kLnAttn);
    save_scalar<std::int32_t>(golden::npy(ln_attn, file::kShift), l.ln_attn.shift);
    save_vector<std::int64_t>(golden::npy(ln_attn, file::kLnBias), l.ln_attn.bias);
    save_act(at(golden::kActLnAttn), l.act_ln_attn);
    save_linear(at(golden::kFfn1), l.ffn1);
    const fs::path gelu = at(golden::kGelu);
    save_vector<std::int64_t>(golden::npy(gelu, file::kB), l.gelu.b);
    save_vector<std::int64_t>(golden::npy(gelu, file::kC), l.gelu.c);
    save_vector<std::int64_t>(golden::npy(gelu, file::kShift), l.gelu.shift);
    save_scalar<std::int32_t>(golden::npy(gelu, file::kConst), l.gelu.k);
    save_act(at(golden::kActGelu), l.act_gelu);
    save_linear(at(golden::kFfn2), l.ffn2);
    save_act(at(golden::kResFfn), l.res_ffn.main);
    save_act(at(golden::kResFfn), l.res_ffn.identity, file::kIdentityM, file::kIdentityE);
    const fs::path ln_ffn = at(golden::kLnFfn);
    save_scalar<std::int32_t>(golden::npy(ln_ffn, file::kShift), l.ln_ffn.shift);
    save_vector<std::int64_t>(golden::npy(ln_ffn, file::kLnBias), l.ln_ffn.bias);
    save_act(at(golden::kActLnFfn), l.act_ln_ffn);
  }
  if (w.scales) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& s : *w.scales) j.push_back(to_json(s));
    core::write_text_file(dir / "scales.json", j.dump(1) + "\n");
  }
}

}  // namespace atl::model
