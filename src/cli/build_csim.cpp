#include "cli/build_csim.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "core/npy.h"
#include "graph/architecture.h"
#include "platform/mpi_launch.h"

namespace atl::cli {
namespace {

namespace fs = std::filesystem;

// `name` as the shell finds it on PATH (or as given, with a '/'); empty when it is not there.
std::string on_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  for (std::size_t start = 0; start <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

// Points this process's stdout at its stderr while alive (the child inherits it), so that the
// compiler's progress goes to stderr and stdout keeps atoll's own lines.
class StdoutToStderr {
 public:
  StdoutToStderr() : saved_(dup(STDOUT_FILENO)) {
    std::fflush(stdout);
    if (saved_ >= 0) dup2(STDERR_FILENO, STDOUT_FILENO);
  }
  ~StdoutToStderr() {
    if (saved_ < 0) return;
    std::fflush(stdout);
    dup2(saved_, STDOUT_FILENO);
    close(saved_);
  }
  StdoutToStderr(const StdoutToStderr&) = delete;
  StdoutToStderr& operator=(const StdoutToStderr&) = delete;

 private:
  int saved_;
};

}  // namespace

void add_csim_options(CLI::App& cmd, CsimOptions& o) {
  cmd.add_flag("--csim", o.run,
               "Then run the bundle's C simulation (make csim: every IP compiled with g++ against "
               "the HLS shim) on the input and write its output");
  cmd.add_option("--csim-output", o.output,
                 "Where --csim writes the int8 output (.npy; default: output.npy in the bundle)");
  cmd.add_option("--csim-timeout", o.timeout_s,
                 "Seconds --csim (compiling and running) may take before it is stopped")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  add_input_options(cmd, o.input);
}

std::optional<core::Tensor<std::int8_t>> csim_input(const CsimOptions& o, const plan::Plan& plan) {
  const bool input_given = !o.input.file.empty() || o.input.random;
  if (!o.run) {
    if (input_given || !o.output.empty()) {
      throw core::Error("--input, --random-input and --csim-output are options of --csim");
    }
    return std::nullopt;
  }
  return load_input(o.input, graph::model_config(plan.graph));
}

int run_to_stderr(const std::vector<std::string>& argv, double timeout_s) {
  const StdoutToStderr progress;
  return platform::run_process(
      argv, std::chrono::ceil<std::chrono::milliseconds>(std::chrono::duration<double>(timeout_s)));
}

void require_compiler(const std::string& what) {
  const char* cxx_env = std::getenv("CXX");
  const std::string cxx = cxx_env && *cxx_env ? cxx_env : "g++";
  for (const std::string& tool : {std::string("make"), cxx}) {
    if (on_path(tool).empty()) {
      throw core::Error(core::ErrorKind::unsupported,
                        fmt::format("{}: '{}' not found on PATH; the C simulation compiles the "
                                    "bundle with make and a C++ compiler (set CXX to choose "
                                    "another)",
                                    what, tool));
    }
  }
}

void run_csim(const CsimOptions& o, const core::Tensor<std::int8_t>& input,
              const fs::path& bundle) {
  require_compiler("--csim");
  const fs::path dir = fs::absolute(bundle);
  const fs::path in = dir / "input.npy";
  const fs::path out = o.output.empty() ? dir / "output.npy" : fs::absolute(o.output);
  core::write_npy(in, input);
  std::error_code ec;
  fs::remove(out, ec);  // a failed run leaves no old output behind
  const int status = run_to_stderr(
      {"make", "-C", dir.string(), "-j2", "csim", "INPUT=" + in.string(), "OUTPUT=" + out.string()},
      o.timeout_s);
  if (status != 0) {
    throw core::Error(core::ErrorKind::failed,
                      fmt::format("--csim: `make -C {} csim` failed with exit status {} (its "
                                  "output is above)",
                                  dir.string(), status));
  }
  const core::Tensor<std::int8_t> y = core::read_npy<std::int8_t>(out);
  fmt::print("csim: {} [{} x {}] from input {} [{} x {}]\n", out.string(), y.dim(0), y.dim(1),
             describe(o.input), input.dim(0), input.dim(1));
}

}  // namespace atl::cli
