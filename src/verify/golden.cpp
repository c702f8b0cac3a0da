#include "verify/golden.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include "core/dyadic.h"
#include "core/error.h"
#include "core/npy.h"
#include "core/tensor.h"
#include "kernels/attention_matmul.h"
#include "kernels/concat.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"
#include "kernels/softmax.h"
#include "kernels/softmax_matmul.h"

namespace atl::verify {

namespace fs = std::filesystem;
using core::Tensor;

namespace {

fs::path file_of(const fs::path& kdir, const std::string& name) {
  return kdir / (name + ".npy");
}

bool has(const fs::path& kdir, const std::string& name) {
  return fs::is_regular_file(file_of(kdir, name));
}

template <class T>
Tensor<T> load(const fs::path& kdir, const std::string& name) {
  const fs::path p = file_of(kdir, name);
  if (!fs::is_regular_file(p)) {
    throw core::Error(fmt::format("golden: missing file {}", p.string()));
  }
  return core::read_npy<T>(p);
}

// A rank-2 [rows, cols] tensor or an error naming the file.
template <class T>
Tensor<T> load2(const fs::path& kdir, const std::string& name) {
  Tensor<T> t = load<T>(kdir, name);
  if (t.rank() != 2) {
    throw core::Error(fmt::format("golden: {}: expected a 2-D [rows, cols] array, got shape {}",
                                  file_of(kdir, name).string(), core::to_string(t.shape())));
  }
  return t;
}

// A 1-D per-channel vector (shape [n]; a scalar file of shape () or (1,) gives one value).
std::vector<std::int64_t> load_vec(const fs::path& kdir, const std::string& name) {
  Tensor<std::int64_t> t = load<std::int64_t>(kdir, name);
  if (t.rank() > 1 || t.empty()) {
    throw core::Error(fmt::format("golden: {}: expected a 1-D vector, got shape {}",
                                  file_of(kdir, name).string(), core::to_string(t.shape())));
  }
  return t.values();
}

// A scalar parameter: shape () or (1,).
std::int64_t load_scalar(const fs::path& kdir, const std::string& name) {
  Tensor<std::int64_t> t = load<std::int64_t>(kdir, name);
  if (t.size() != 1 || t.rank() > 1) {
    throw core::Error(fmt::format("golden: {}: expected a scalar (shape () or (1,)), got {}",
                                  file_of(kdir, name).string(), core::to_string(t.shape())));
  }
  return t[0];
}

std::vector<int> to_int(const std::vector<std::int64_t>& v, const fs::path& file) {
  std::vector<int> out;
  out.reserve(v.size());
  for (std::int64_t x : v) {
    if (x < -1000 || x > 1000) {
      throw core::Error(
          fmt::format("golden: {}: shift value {} outside -1000..1000", file.string(), x));
    }
    out.push_back(static_cast<int>(x));
  }
  return out;
}

// Adds the comparison of `got` with the golden file `name` to `check`.
template <class T>
void compare(KernelCheck& check, const Tensor<T>& got, const fs::path& kdir,
             const std::string& name) {
  const Tensor<std::int64_t> want = load<std::int64_t>(kdir, name);
  if (want.shape() != got.shape()) {
    throw core::Error(fmt::format("golden: {}: shape {} but the kernel produced {}",
                                  file_of(kdir, name).string(), core::to_string(want.shape()),
                                  core::to_string(got.shape())));
  }
  check.elements += want.size();
  for (std::int64_t i = 0; i < want.size(); ++i) {
    const core::i128 d = static_cast<core::i128>(got[i]) - want[i];
    if (d != 0) {
      ++check.mismatches;
      const std::int64_t ad = core::saturate_to<std::int64_t>(d < 0 ? -d : d);
      check.max_abs_diff = std::max(check.max_abs_diff, ad);
    }
  }
}

// Number of heads: files <prefix>0.npy, <prefix>1.npy, ... (at least one).
int count_heads(const fs::path& kdir, const std::string& prefix) {
  int h = 0;
  while (has(kdir, prefix + std::to_string(h))) ++h;
  if (h == 0) {
    throw core::Error(fmt::format("golden: missing file {}", file_of(kdir, prefix + "0").string()));
  }
  return h;
}

// ------------------------------------------------------------------------------------------
// One function per kernel kind. Each fills `check` (and may append extra rows to `extra`).

void check_linear(const fs::path& kdir, KernelCheck& check) {
  if (!has(kdir, "weight_integer")) {
    check.skipped =
        "weight_integer.npy not in the golden set (FFN weights were too large for the source); "
        "checked only through a full model run";
    return;
  }
  const auto x = load2<std::int8_t>(kdir, "input");
  const auto w = load2<std::int8_t>(kdir, "weight_integer");
  const auto b = load_vec(kdir, "bias_integer");
  std::vector<std::int32_t> bias(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) bias[i] = core::saturate_to<std::int32_t>(b[i]);
  if (w.dim(1) != x.dim(1) || static_cast<std::int64_t>(b.size()) != w.dim(0)) {
    throw core::Error(fmt::format(
        "golden: {}: input {}, weight_integer {}, bias_integer [{}] "
        "do not fit together",
        kdir.string(), core::to_string(x.shape()), core::to_string(w.shape()), b.size()));
  }
  const kernels::LinearPlan plan(w, bias);
  compare(check, plan.run(x), kdir, "output");
}

kernels::QuantActParams quant_params(const fs::path& kdir, const std::string& m,
                                     const std::string& e, int out_bits) {
  kernels::QuantActParams p;
  p.m = load_vec(kdir, m);
  p.e = to_int(load_vec(kdir, e), file_of(kdir, e));
  p.out_bits = out_bits;
  return p;
}

void check_quant_act(const fs::path& kdir, KernelCheck& check) {
  const auto x = load2<std::int32_t>(kdir, "input");
  const auto p = quant_params(kdir, "m", "e", 8);
  kernels::validate(p, x.dim(1), kdir.string());
  const auto y = kernels::quant_act<std::int8_t>(x, p);
  compare(check, y, kdir, "output");
  if (has(kdir, "output0")) compare(check, y, kdir, "output0");
}

void check_residual_act(const fs::path& kdir, KernelCheck& check) {
  const auto x = load2<std::int32_t>(kdir, "input");
  const auto id = load2<std::int8_t>(kdir, "identity");
  kernels::ResidualActParams p;
  p.main = quant_params(kdir, "m", "e", 32);
  p.identity = quant_params(kdir, "m1", "e1", 32);
  const auto r = kernels::residual_act(x, id, p);
  compare(check, r.output0, kdir, "output0");
  compare(check, r.output1, kdir, "output1");
  compare(check, r.output, kdir, "output");
}

void check_attention_matmul(const fs::path& kdir, KernelCheck& check) {
  const int heads = count_heads(kdir, "output_");
  for (int h = 0; h < heads; ++h) {
    const auto s = std::to_string(h);
    const auto q = load2<std::int8_t>(kdir, "input_q_" + s);
    const auto k = load2<std::int8_t>(kdir, "input_k_" + s);
    if (q.dim(1) != k.dim(1)) {
      throw core::Error(fmt::format("golden: {}: input_q_{} {} and input_k_{} {} differ in width",
                                    kdir.string(), h, core::to_string(q.shape()), h,
                                    core::to_string(k.shape())));
    }
    compare(check, kernels::attention_matmul(q, k), kdir, "output_" + s);
  }
}

kernels::SoftmaxParams softmax_params(const fs::path& kdir) {
  kernels::SoftmaxParams p;
  p.x0 = load_scalar(kdir, "x0");
  p.b = load_scalar(kdir, "b");
  p.c = load_scalar(kdir, "c");
  p.n = static_cast<int>(load_scalar(kdir, "const"));
  p.m = load_scalar(kdir, "m");
  p.e = static_cast<int>(load_scalar(kdir, "e"));
  kernels::validate(p, kdir.string());
  return p;
}

// Number of leading columns of row 0 that are not masked (the key-padding length).
std::int64_t valid_columns(const Tensor<std::int32_t>& masked) {
  std::int64_t n = 0;
  while (n < masked.dim(1) && masked(0, n) != kernels::kMaskedScore) ++n;
  return n;
}

void check_softmax(const fs::path& kdir, const std::string& layer, const std::string& label,
                   KernelCheck& check, std::vector<KernelCheck>& extra) {
  const auto p = softmax_params(kdir);
  const int heads = count_heads(kdir, "output_");
  KernelCheck exp_check{layer, label + ":exp", 0, 0, 0, {}};
  KernelCheck mask_check{layer, label + ":mask", 0, 0, 0, {}};
  const fs::path att = kdir.parent_path() / "attention_matmul";
  for (int h = 0; h < heads; ++h) {
    const auto s = std::to_string(h);
    const auto scores = load2<std::int32_t>(kdir, "soft_input_" + s);
    Tensor<std::uint8_t> out(scores.shape());
    Tensor<std::int64_t> ex(scores.shape());
    for (std::int64_t i = 0; i < scores.rows(); ++i) {
      kernels::softmax_row(scores.row(i), p, out.row(i), ex.row(i));
    }
    compare(check, out, kdir, "output_" + s);
    if (has(kdir, "input_" + s)) compare(exp_check, ex, kdir, "input_" + s);
    if (has(att, "output_" + s)) {
      auto masked = load2<std::int32_t>(att, "output_" + s);
      kernels::mask_scores(masked, valid_columns(scores));
      compare(mask_check, masked, kdir, "soft_input_" + s);
    }
  }
  if (exp_check.elements > 0) {
    exp_check.skipped = fmt::format(
        "input_h is the float32 reference's i-exp (not an integer-kernel output): {} of {} "
        "differ from the exact integer i-exp by at most 2^(const-q-4); the probabilities match",
        exp_check.mismatches, exp_check.elements);
    extra.push_back(exp_check);
  }
  if (mask_check.elements > 0) extra.push_back(mask_check);
}

void check_softmax_matmul(const fs::path& kdir, KernelCheck& check) {
  const int heads = count_heads(kdir, "output_");
  for (int h = 0; h < heads; ++h) {
    const auto s = std::to_string(h);
    const auto pm = load2<std::uint8_t>(kdir, "input_softmax_" + s);
    const auto v = load2<std::int8_t>(kdir, "input_v_" + s);
    if (pm.dim(1) != v.dim(0)) {
      throw core::Error(fmt::format("golden: {}: input_softmax_{} {} does not fit input_v_{} {}",
                                    kdir.string(), h, core::to_string(pm.shape()), h,
                                    core::to_string(v.shape())));
    }
    compare(check, kernels::softmax_matmul(pm, v), kdir, "output_" + s);
  }
}

void check_concat(const fs::path& kdir, KernelCheck& check) {
  const int heads = count_heads(kdir, "input_");
  std::vector<Tensor<std::int32_t>> parts;
  for (int h = 0; h < heads; ++h)
    parts.push_back(load2<std::int32_t>(kdir, "input_" + std::to_string(h)));
  compare(check, kernels::concat(parts), kdir, "output");
}

void check_gelu(const fs::path& kdir, KernelCheck& check) {
  const auto x = load2<std::int32_t>(kdir, "input");
  kernels::GeluParams p;
  p.b = load_vec(kdir, "b");
  p.c = load_vec(kdir, "c");
  p.shift = load_vec(kdir, "shift");
  p.k = static_cast<int>(load_scalar(kdir, "const"));
  kernels::validate(p, x.dim(1), kdir.string());
  Tensor<std::int32_t> y(x.shape());
  Tensor<std::int8_t> sign(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i) kernels::gelu_row(x.row(i), p, y.row(i), sign.row(i));
  compare(check, y, kdir, "output");
  if (has(kdir, "sign")) compare(check, sign, kdir, "sign");
}

void check_layernorm(const fs::path& kdir, KernelCheck& check) {
  const auto x = load2<std::int32_t>(kdir, "input");
  kernels::LayerNormParams p;
  p.shift = static_cast<int>(load_scalar(kdir, "shift"));
  p.bias = load_vec(kdir, "bias");
  kernels::validate(p, x.dim(1), kdir.string());
  Tensor<std::int32_t> y(x.shape());
  Tensor<std::int32_t> y_int(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i) {
    kernels::layernorm_row(x.row(i), p, y.row(i), y_int.row(i));
  }
  compare(check, y, kdir, "output");
  if (has(kdir, "y_int")) compare(check, y_int, kdir, "y_int");
}

enum class Kind {
  linear,
  quant_act,
  residual_act,
  attention_matmul,
  softmax,
  softmax_matmul,
  concat,
  gelu,
  layernorm
};

const std::map<std::string, Kind>& kinds() {
  static const std::map<std::string, Kind> k = {
      {"linear", Kind::linear},           {"linear_q", Kind::linear},
      {"linear_k", Kind::linear},         {"linear_v", Kind::linear},
      {"act", Kind::quant_act},           {"act_q", Kind::quant_act},
      {"act_k", Kind::quant_act},         {"act_v", Kind::quant_act},
      {"act_out", Kind::quant_act},       {"act_layernorm", Kind::quant_act},
      {"act_linear", Kind::residual_act}, {"attention_matmul", Kind::attention_matmul},
      {"softmax", Kind::softmax},         {"softmax_matmul", Kind::softmax_matmul},
      {"concat", Kind::concat},           {"gelu", Kind::gelu},
      {"layernorm", Kind::layernorm},
  };
  return k;
}

std::vector<fs::path> subdirs(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::vector<KernelCheck> verify_golden_dir(const fs::path& dir) {
  const fs::path enc = dir / "encoder";
  if (!fs::is_directory(enc)) {
    throw core::Error(
        fmt::format("golden: {} has no encoder/ folder (expected the golden root, "
                    "encoder/<layer>/<sub-layer>/<kernel>/*.npy)",
                    dir.string()));
  }
  std::vector<fs::path> layers = subdirs(enc);
  for (const auto& l : layers) {
    if (!is_number(l.filename().string())) {
      throw core::Error(
          fmt::format("golden: unknown folder {} (layer folders are numbers)", l.string()));
    }
  }
  std::sort(layers.begin(), layers.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoll(a.filename().string()) < std::stoll(b.filename().string());
  });
  if (layers.empty()) {
    throw core::Error(fmt::format("golden: {} holds no layer folders", enc.string()));
  }
  std::vector<KernelCheck> rows;
  for (const auto& ldir : layers) {
    const std::string layer = ldir.filename().string();
    for (const auto& sdir : subdirs(ldir)) {
      for (const auto& kdir : subdirs(sdir)) {
        const std::string kname = kdir.filename().string();
        const auto it = kinds().find(kname);
        if (it == kinds().end()) {
          throw core::Error(fmt::format("golden: unknown kernel folder {}", kdir.string()));
        }
        const std::string label = sdir.filename().string() + "/" + kname;
        KernelCheck check{layer, label, 0, 0, 0, {}};
        std::vector<KernelCheck> extra;
        switch (it->second) {
          case Kind::linear:
            check_linear(kdir, check);
            break;
          case Kind::quant_act:
            check_quant_act(kdir, check);
            break;
          case Kind::residual_act:
            check_residual_act(kdir, check);
            break;
          case Kind::attention_matmul:
            check_attention_matmul(kdir, check);
            break;
          case Kind::softmax:
            check_softmax(kdir, layer, label, check, extra);
            break;
          case Kind::softmax_matmul:
            check_softmax_matmul(kdir, check);
            break;
          case Kind::concat:
            check_concat(kdir, check);
            break;
          case Kind::gelu:
            check_gelu(kdir, check);
            break;
          case Kind::layernorm:
            check_layernorm(kdir, check);
            break;
        }
        rows.push_back(check);
        rows.insert(rows.end(), extra.begin(), extra.end());
      }
    }
  }
  return rows;
}

}  // namespace atl::verify
