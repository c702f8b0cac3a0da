#include "cli/build_golden.h"

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "cli/build_csim.h"
#include "core/error.h"
#include "core/npy.h"
#include "core/tensor.h"
#include "graph/arch_ibert.h"
#include "model/golden_layout.h"

namespace atl::cli {
namespace {

namespace fs = std::filesystem;
namespace golden = model::golden;
namespace file = model::golden::file;

// One input port of a kernel: the golden file and the element type its rows travel in.
struct Port {
  fs::path file;
  core::DType dtype;
};

// What a compute kernel is checked on: its inputs, and the golden file (columns [lo, hi)) its
// output must equal; or why it is not checked.
struct GoldenCase {
  std::vector<Port> inputs;
  fs::path expected;
  std::int64_t lo = 0, hi = -1;  // hi -1: every column
  std::string skipped;
};

// Where each kernel's inputs and output are in the golden layout (graph/graph.h says what each
// role computes; platform/stage_params.h where its parameters come from).
GoldenCase golden_case(const graph::Kernel& kern, const fs::path& layer) {
  using core::DType;
  const auto at = [&](const golden::KernelFolder& f, const std::string& stem) {
    return golden::npy(golden::kernel_dir(layer, f), stem);
  };
  const auto io = [](std::vector<Port> inputs, fs::path expected) {
    GoldenCase g;
    g.inputs = std::move(inputs);
    g.expected = std::move(expected);
    return g;
  };
  GoldenCase c;
  const std::int64_t m = kern.stages.empty() ? 0 : kern.stages[0].m;
  const auto part = [&] {
    c.lo = kern.part * m;
    c.hi = c.lo + m;
  };
  const int h = kern.head;
  if (kern.role.architecture != model::Architecture::ibert_encoder) {
    c.skipped = "no golden data for this architecture";
    return c;
  }
  switch (kern.role.index) {
    case graph::ibert::q.index:
      c = io({{at(golden::kLinearQ, file::kInput), DType::i8}}, at(golden::kActQ, file::kOutput));
      part();
      break;
    case graph::ibert::k.index:
      c = io({{at(golden::kLinearK, file::kInput), DType::i8}}, at(golden::kActK, file::kOutput));
      part();
      break;
    case graph::ibert::v.index:
      c = io({{at(golden::kLinearV, file::kInput), DType::i8}}, at(golden::kActV, file::kOutput));
      part();
      break;
    case graph::ibert::attention.index:
      c = io({{at(golden::kAttention, golden::head_file(file::kHeadQ, h)), DType::i8},
              {at(golden::kAttention, golden::head_file(file::kHeadK, h)), DType::i8}},
             at(golden::kSoftmax, golden::head_file(file::kHeadOutput, h)));
      break;
    case graph::ibert::context.index:  // P.V, then act_out's requantisation of this head's columns
      c = io({{at(golden::kContext, golden::head_file(file::kHeadProbs, h)), DType::u8},
              {at(golden::kContext, golden::head_file(file::kHeadV, h)), DType::i8}},
             at(golden::kActOut, file::kOutput));
      c.lo = h * kern.stages[0].k;
      c.hi = c.lo + kern.stages[0].k;
      break;
    case graph::ibert::out_proj.index:
      c = io({{at(golden::kOutProj, file::kInput), DType::i8}},
             at(golden::kResAttn, file::kOutput0));
      part();
      break;
    case graph::ibert::ln_attn.index:
      c = io({{at(golden::kResAttn, file::kOutput0), DType::i32},
              {at(golden::kResAttn, file::kIdentity), DType::i8}},
             at(golden::kActLnAttn, file::kOutput));
      break;
    case graph::ibert::ln_ffn.index:
      c = io({{at(golden::kResFfn, file::kOutput0), DType::i32},
              {at(golden::kResFfn, file::kIdentity), DType::i8}},
             at(golden::kActLnFfn, file::kOutput));
      break;
    case graph::ibert::ffn1.index:
    case graph::ibert::ffn2.index:
      c.skipped =
          "the golden set has no FFN weights (intermediate/linear and "
          "output/linear "
          "weight_integer), so the bundle's cannot be the golden ones";
      break;
    default:
      c.skipped = "no golden data for this kernel";
  }
  return c;
}

template <class T>
void write_rows_as(const core::Tensor<std::int64_t>& t, const fs::path& from, const fs::path& to) {
  core::Tensor<T> y(t.shape());
  for (std::int64_t i = 0; i < t.size(); ++i) {
    if (t[i] < std::numeric_limits<T>::min() || t[i] > std::numeric_limits<T>::max()) {
      throw core::Error(fmt::format("golden: {}: value {} does not fit the kernel's {}-bit input",
                                    from.string(), t[i], 8 * sizeof(T)));
    }
    y[i] = static_cast<T>(t[i]);
  }
  core::write_npy(to, y);
}

// The golden rows of `p` as the .npy `to`, in the element type the port carries.
void write_port(const Port& p, const fs::path& to) {
  const core::Tensor<std::int64_t> t = core::read_npy<std::int64_t>(p.file);
  if (t.rank() != 2) {
    throw core::Error(fmt::format("golden: {}: expected [rows, cols], got shape {}",
                                  p.file.string(), core::to_string(t.shape())));
  }
  if (p.dtype == core::DType::i32) return write_rows_as<std::int32_t>(t, p.file, to);
  if (p.dtype == core::DType::u8) return write_rows_as<std::uint8_t>(t, p.file, to);
  write_rows_as<std::int8_t>(t, p.file, to);
}

struct Comparison {
  std::int64_t values = 0, mismatches = 0;
};

// The kernel's output bytes (uint8 [rows, row bytes]) as `dtype` values against columns
// [lo, hi) of the golden file.
Comparison compare(const fs::path& got_file, core::DType dtype, const GoldenCase& c) {
  const core::Tensor<std::uint8_t> got = core::read_npy<std::uint8_t>(got_file);
  const core::Tensor<std::int64_t> want = core::read_npy<std::int64_t>(c.expected);
  const std::int64_t lo = c.lo, hi = c.hi < 0 ? want.dim(1) : c.hi;
  const std::int64_t size = dtype == core::DType::i32 ? 4 : 1;
  if (want.rank() != 2 || got.rank() != 2 || got.dim(0) != want.dim(0) || hi > want.dim(1) ||
      got.dim(1) != (hi - lo) * size) {
    throw core::Error(fmt::format(
        "golden: {}: shape {}, columns [{}, {}); the kernel sent {} rows of {} bytes",
        c.expected.string(), core::to_string(want.shape()), lo, hi, got.dim(0), got.dim(1)));
  }
  Comparison r;
  for (std::int64_t row = 0; row < want.dim(0); ++row) {
    for (std::int64_t col = lo; col < hi; ++col) {
      const std::uint8_t* b = &got[row * got.dim(1) + (col - lo) * size];
      std::int64_t v = 0;
      if (dtype == core::DType::i32) {
        v = static_cast<std::int32_t>(b[0] | (std::uint32_t{b[1]} << 8) |
                                      (std::uint32_t{b[2]} << 16) | (std::uint32_t{b[3]} << 24));
      } else {
        v = dtype == core::DType::u8 ? b[0] : static_cast<std::int8_t>(b[0]);
      }
      ++r.values;
      r.mismatches += v != want[row * want.dim(1) + col];
    }
  }
  return r;
}

// The golden sequence's real tokens: the unmasked columns of the first row of the softmax's
// masked scores (docs/kernels.md, "AttentionMatmul": 41 of 128); every row when it is absent.
std::int64_t valid_tokens(const fs::path& layer, std::int64_t rows) {
  const fs::path f = golden::npy(golden::kernel_dir(layer, golden::kSoftmax),
                                 golden::head_file(file::kHeadScores, 0));
  if (!fs::is_regular_file(f)) return rows;
  const core::Tensor<std::int64_t> s = core::read_npy<std::int64_t>(f);
  std::int64_t valid = 0;
  for (std::int64_t j = 0; s.rank() == 2 && j < s.dim(1); ++j) {
    valid += s[j] != std::numeric_limits<std::int32_t>::min();
  }
  return valid;
}

std::string stage_list(const graph::Kernel& k) {
  std::string s;
  for (const graph::Stage& st : k.stages) s += (s.empty() ? "" : ", ") + graph::to_string(st.type);
  return s;
}

}  // namespace

void add_golden_option(CLI::App& cmd, std::string& dir) {
  cmd.add_option("--verify-golden", dir,
                 "Then run every generated compute kernel alone on the golden data of its layer "
                 "(DIR/encoder/<layer>/..., e.g. ../shared/golden/ibert) and compare its output "
                 "exactly; build with the golden weights (--weights)");
}

void check_golden_dir(const std::string& dir) {
  if (!dir.empty() && !fs::is_directory(golden::encoder_dir(dir))) {
    throw core::Error(fmt::format(
        "--verify-golden {}: no golden data there (expected {}/encoder/<layer>/...)", dir, dir));
  }
}

void verify_golden_kernels(const plan::Plan& plan, const fs::path& dir, const fs::path& bundle,
                           double timeout_s) {
  require_compiler("--verify-golden");
  const fs::path root = fs::absolute(bundle);
  if (const int status =
          run_to_stderr({"make", "-C", (root / "csim").string(), "-j2", "sim"}, timeout_s);
      status != 0) {
    throw core::Error(core::ErrorKind::failed,
                      fmt::format("--verify-golden: `make -C {}/csim sim` failed with exit "
                                  "status {} (its output is above)",
                                  root.string(), status));
  }
  int passed = 0, failed = 0, skipped = 0;
  for (std::size_t c = 0; c < plan.galapagos.clusters.size(); ++c) {
    for (const plan::GalapagosKernel& k : plan.galapagos.clusters[c].kernels) {
      if (k.kind != plan::GalapagosKind::compute) continue;
      const graph::Kernel& g = plan.graph.kernels[static_cast<std::size_t>(k.graph_kernel)];
      const std::string name = fmt::format("c{}.kern_{}", c, k.id);
      const std::string what = fmt::format("{:<12} {:<14} {:<36}", name, g.name, stage_list(g));
      const fs::path layer = golden::layer_dir(dir, g.layer);
      GoldenCase gc = fs::is_directory(layer) ? golden_case(g, layer) : GoldenCase{};
      if (!fs::is_directory(layer))
        gc.skipped = "the golden data has no layer " + std::to_string(g.layer);
      if (!gc.skipped.empty()) {
        fmt::print("golden: {} skipped: {}\n", what, gc.skipped);
        ++skipped;
        continue;
      }
      const fs::path work = root / "golden" / name;
      fs::create_directories(work);
      std::vector<std::string> argv{(root / "csim" / "sim").string(),
                                    "--kernel",
                                    name,
                                    "--valid-rows",
                                    std::to_string(valid_tokens(layer, plan.graph.seq_len)),
                                    (work / "output.npy").string()};
      for (std::size_t p = 0; p < gc.inputs.size(); ++p) {
        const fs::path in = work / fmt::format("input{}.npy", p);
        write_port(gc.inputs[p], in);
        argv.push_back(in.string());
      }
      if (const int status = run_to_stderr(argv, timeout_s); status != 0) {
        throw core::Error(core::ErrorKind::failed,
                          fmt::format("--verify-golden: {} ({}) failed with exit status {}", name,
                                      g.name, status));
      }
      const Comparison r = compare(work / "output.npy", g.out_dtype, gc);
      fmt::print("golden: {} {:>8} values, {} mismatches{}\n", what, r.values, r.mismatches,
                 r.mismatches ? "  FAIL" : "");
      (r.mismatches ? failed : passed) += 1;
    }
  }
  fmt::print("golden: {} kernels passed, {} failed, {} skipped\n", passed, failed, skipped);
  if (failed) {
    throw core::Error(
        core::ErrorKind::failed,
        fmt::format("--verify-golden: {} kernel(s) differ from the golden data", failed));
  }
}

}  // namespace atl::cli
