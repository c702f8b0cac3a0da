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
#include "model/golden_layout.h"

namespace atl::verify {

namespace fs = std::filesystem;
using core::Tensor;

namespace {

namespace golden = model::golden;
namespace file = model::golden::file;
using golden::head_file;

bool has(const fs::path& kdir, const std::string& name) {
  return fs::is_regular_file(golden::npy(kdir, name));
}

template <class T>
Tensor<T> load(const fs::path& kdir, const std::string& name) {
  const fs::path p = golden::npy(kdir, name);
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
                                  golden::npy(kdir, name).string(), core::to_string(t.shape())));
  }
  return t;
}

// A 1-D per-channel vector (shape [n]; a scalar file of shape () or (1,) gives one value).
std::vector<std::int64_t> load_vec(const fs::path& kdir, const std::string& name) {
  Tensor<std::int64_t> t = load<std::int64_t>(kdir, name);
  if (t.rank() > 1 || t.empty()) {
    throw core::Error(fmt::format("golden: {}: expected a 1-D vector, got shape {}",
                                  golden::npy(kdir, name).string(), core::to_string(t.shape())));
  }
  return t.values();
}

// A scalar parameter: shape () or (1,).
std::int64_t load_scalar(const fs::path& kdir, const std::string& name) {
  Tensor<std::int64_t> t = load<std::int64_t>(kdir, name);
  if (t.size() != 1 || t.rank() > 1) {
    throw core::Error(fmt::format("golden: {}: expected a scalar (shape () or (1,)), got {}",
                                  golden::npy(kdir, name).string(), core::to_string(t.shape())));
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
                                  golden::npy(kdir, name).string(), core::to_string(want.shape()),
                                  core::to_string(got.shape())));
  }
  check.elements += want.size();
  for (std::int64_t i = 0; i < want.size(); ++i) {
    const auto g = static_cast<std::int64_t>(got[i]);
    if (g != want[i]) {
      ++check.mismatches;
      const std::uint64_t ud =
          g > want[i] ? static_cast<std::uint64_t>(g) - static_cast<std::uint64_t>(want[i])
                      : static_cast<std::uint64_t>(want[i]) - static_cast<std::uint64_t>(g);
      const std::int64_t ad = ud > static_cast<std::uint64_t>(core::kInt64Max)
                                  ? core::kInt64Max
                                  : static_cast<std::int64_t>(ud);
      check.max_abs_diff = std::max(check.max_abs_diff, ad);
    }
  }
}

// Number of heads: files <prefix>0.npy, <prefix>1.npy, ... (at least one).
int count_heads(const fs::path& kdir, const char* prefix) {
  int h = 0;
  while (has(kdir, head_file(prefix, h))) ++h;
  if (h == 0) {
    throw core::Error(
        fmt::format("golden: missing file {}", golden::npy(kdir, head_file(prefix, 0)).string()));
  }
  return h;
}

// ------------------------------------------------------------------------------------------
// One function per kernel kind. Each fills `check` (and may append extra rows to `extra`).
// Each runs the kernel's definition (the plain `_ref` paths, which run src/kernels/hls/); the
// fast paths are checked on the same files by tests/kernels/golden_kernels_test.cpp.

void check_linear(const fs::path& kdir, KernelCheck& check) {
  if (!has(kdir, file::kWeight)) {
    check.skipped =
        "weight_integer.npy not in the golden set (FFN weights were too large for the source); "
        "checked only through a full model run";
    return;
  }
  const auto x = load2<std::int8_t>(kdir, file::kInput);
  const auto w = load2<std::int8_t>(kdir, file::kWeight);
  const auto b = load_vec(kdir, file::kBias);
  std::vector<std::int32_t> bias(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) bias[i] = core::saturate_int32(b[i]);
  if (w.dim(1) != x.dim(1) || static_cast<std::int64_t>(b.size()) != w.dim(0)) {
    throw core::Error(fmt::format(
        "golden: {}: input {}, weight_integer {}, bias_integer [{}] "
        "do not fit together",
        kdir.string(), core::to_string(x.shape()), core::to_string(w.shape()), b.size()));
  }
  compare(check, kernels::linear_ref(x, w, bias), kdir, file::kOutput);  // the definition
}

kernels::QuantActParams quant_params(const fs::path& kdir, const std::string& m,
                                     const std::string& e, int out_bits) {
  kernels::QuantActParams p;
  p.m = load_vec(kdir, m);
  p.e = to_int(load_vec(kdir, e), golden::npy(kdir, e));
  p.out_bits = out_bits;
  return p;
}

void check_quant_act(const fs::path& kdir, KernelCheck& check) {
  const auto x = load2<std::int32_t>(kdir, file::kInput);
  const auto p = quant_params(kdir, file::kM, file::kE, 8);
  kernels::validate(p, x.dim(1), kdir.string());
  Tensor<std::int8_t> y(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i) {
    kernels::quant_act_row_ref<std::int32_t, std::int8_t>(x.row(i), p, y.row(i));
  }
  compare(check, y, kdir, file::kOutput);
  if (has(kdir, file::kOutput0)) compare(check, y, kdir, file::kOutput0);
}

void check_residual_act(const fs::path& kdir, KernelCheck& check) {
  const auto x = load2<std::int32_t>(kdir, file::kInput);
  const auto id = load2<std::int8_t>(kdir, file::kIdentity);
  kernels::ResidualActParams p;
  p.main = quant_params(kdir, file::kM, file::kE, 32);
  p.identity = quant_params(kdir, file::kIdentityM, file::kIdentityE, 32);
  kernels::ResidualActResult r{Tensor<std::int32_t>(x.shape()), Tensor<std::int32_t>(x.shape()),
                               Tensor<std::int32_t>(x.shape())};
  for (std::int64_t i = 0; i < x.rows(); ++i) {
    kernels::residual_act_row_ref(x.row(i), id.row(i), p, r.output.row(i), r.output0.row(i),
                                  r.output1.row(i));
  }
  compare(check, r.output0, kdir, file::kOutput0);
  compare(check, r.output1, kdir, file::kOutput1);
  compare(check, r.output, kdir, file::kOutput);
}

void check_attention_matmul(const fs::path& kdir, KernelCheck& check) {
  const int heads = count_heads(kdir, file::kHeadOutput);
  for (int h = 0; h < heads; ++h) {
    const auto q = load2<std::int8_t>(kdir, head_file(file::kHeadQ, h));
    const auto k = load2<std::int8_t>(kdir, head_file(file::kHeadK, h));
    if (q.dim(1) != k.dim(1)) {
      throw core::Error(fmt::format("golden: {}: input_q_{} {} and input_k_{} {} differ in width",
                                    kdir.string(), h, core::to_string(q.shape()), h,
                                    core::to_string(k.shape())));
    }
    compare(check, kernels::attention_matmul(q, k), kdir, head_file(file::kHeadOutput, h));
  }
}

kernels::SoftmaxParams softmax_params(const fs::path& kdir) {
  kernels::SoftmaxParams p;
  p.x0 = load_scalar(kdir, file::kX0);
  p.b = load_scalar(kdir, file::kB);
  p.c = load_scalar(kdir, file::kC);
  p.n = static_cast<int>(load_scalar(kdir, file::kConst));
  p.m = load_scalar(kdir, file::kM);
  p.e = static_cast<int>(load_scalar(kdir, file::kE));
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
  const int heads = count_heads(kdir, file::kHeadOutput);
  KernelCheck exp_check{layer, label + ":exp", 0, 0, 0, {}};
  KernelCheck mask_check{layer, label + ":mask", 0, 0, 0, {}};
  const fs::path att = golden::kernel_dir(kdir.parent_path().parent_path(), golden::kAttention);
  for (int h = 0; h < heads; ++h) {
    const std::string scores_file = head_file(file::kHeadScores, h);
    const std::string output_file = head_file(file::kHeadOutput, h);
    const std::string exp_file = head_file(file::kHeadInput, h);
    const auto scores = load2<std::int32_t>(kdir, scores_file);
    Tensor<std::uint8_t> out(scores.shape());
    Tensor<std::int64_t> ex(scores.shape());
    for (std::int64_t i = 0; i < scores.rows(); ++i) {
      kernels::softmax_row(scores.row(i), p, out.row(i), ex.row(i));
    }
    compare(check, out, kdir, output_file);
    if (has(kdir, exp_file)) compare(exp_check, ex, kdir, exp_file);
    if (has(att, output_file)) {
      auto masked = load2<std::int32_t>(att, output_file);
      kernels::mask_scores(masked, valid_columns(scores));
      compare(mask_check, masked, kdir, scores_file);
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
  const int heads = count_heads(kdir, file::kHeadOutput);
  for (int h = 0; h < heads; ++h) {
    const auto pm = load2<std::uint8_t>(kdir, head_file(file::kHeadProbs, h));
    const auto v = load2<std::int8_t>(kdir, head_file(file::kHeadV, h));
    if (pm.dim(1) != v.dim(0)) {
      throw core::Error(fmt::format("golden: {}: input_softmax_{} {} does not fit input_v_{} {}",
                                    kdir.string(), h, core::to_string(pm.shape()), h,
                                    core::to_string(v.shape())));
    }
    compare(check, kernels::softmax_matmul(pm, v), kdir, head_file(file::kHeadOutput, h));
  }
}

void check_concat(const fs::path& kdir, KernelCheck& check) {
  const int heads = count_heads(kdir, file::kHeadInput);
  std::vector<Tensor<std::int32_t>> parts;
  for (int h = 0; h < heads; ++h) {
    parts.push_back(load2<std::int32_t>(kdir, head_file(file::kHeadInput, h)));
  }
  compare(check, kernels::concat(parts), kdir, file::kOutput);
}

void check_gelu(const fs::path& kdir, KernelCheck& check) {
  const auto x = load2<std::int32_t>(kdir, file::kInput);
  kernels::GeluParams p;
  p.b = load_vec(kdir, file::kB);
  p.c = load_vec(kdir, file::kC);
  p.shift = load_vec(kdir, file::kShift);
  p.k = static_cast<int>(load_scalar(kdir, file::kConst));
  kernels::validate(p, x.dim(1), kdir.string());
  Tensor<std::int32_t> y(x.shape());
  Tensor<std::int8_t> sign(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i)
    kernels::gelu_row_ref(x.row(i), p, y.row(i), sign.row(i));
  compare(check, y, kdir, file::kOutput);
  if (has(kdir, file::kSign)) compare(check, sign, kdir, file::kSign);
}

void check_layernorm(const fs::path& kdir, KernelCheck& check) {
  const auto x = load2<std::int32_t>(kdir, file::kInput);
  kernels::LayerNormParams p;
  p.shift = static_cast<int>(load_scalar(kdir, file::kShift));
  p.bias = load_vec(kdir, file::kLnBias);
  kernels::validate(p, x.dim(1), kdir.string());
  Tensor<std::int32_t> y(x.shape());
  Tensor<std::int32_t> y_int(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i) {
    kernels::layernorm_row_ref(x.row(i), p, y.row(i), y_int.row(i));
  }
  compare(check, y, kdir, file::kOutput);
  if (has(kdir, file::kYInt)) compare(check, y_int, kdir, file::kYInt);
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
  const fs::path enc = golden::encoder_dir(dir);
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
        const auto kind = golden::kind_of(sdir.filename().string(), kname);
        if (!kind) {
          throw core::Error(fmt::format("golden: unknown kernel folder {}", kdir.string()));
        }
        const std::string label = sdir.filename().string() + "/" + kname;
        KernelCheck check{layer, label, 0, 0, 0, {}};
        std::vector<KernelCheck> extra;
        switch (*kind) {
          case golden::KernelKind::linear:
            check_linear(kdir, check);
            break;
          case golden::KernelKind::quant_act:
            check_quant_act(kdir, check);
            break;
          case golden::KernelKind::residual_act:
            check_residual_act(kdir, check);
            break;
          case golden::KernelKind::attention_matmul:
            check_attention_matmul(kdir, check);
            break;
          case golden::KernelKind::softmax:
            check_softmax(kdir, layer, label, check, extra);
            break;
          case golden::KernelKind::softmax_matmul:
            check_softmax_matmul(kdir, check);
            break;
          case golden::KernelKind::concat:
            check_concat(kdir, check);
            break;
          case golden::KernelKind::gelu:
            check_gelu(kdir, check);
            break;
          case golden::KernelKind::layernorm:
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
