#include "platform/mpi_launch.h"

#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/error.h"

extern char** environ;

namespace atl::platform {

std::vector<std::string> mpirun_command(int ranks, const std::string& program,
                                        const std::vector<std::string>& args) {
  std::vector<std::string> argv{"mpirun", "--oversubscribe", "-np", std::to_string(ranks)};
  if (geteuid() == 0) argv.push_back("--allow-run-as-root");
  argv.push_back(program);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

int run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  if (argv.empty()) throw core::Error("run_process: empty command line");
  std::vector<char*> cargs;
  for (const std::string& a : argv) cargs.push_back(const_cast<char*>(a.c_str()));
  cargs.push_back(nullptr);
  // Its own process group, so a timeout kills mpirun and every rank it started.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  std::fflush(nullptr);  // what this process printed so far comes before the child's output
  const int rc = posix_spawnp(&pid, cargs[0], nullptr, &attr, cargs.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw core::Error(fmt::format("cannot start {}: {}", argv[0], std::strerror(rc)));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGTERM);
      std::this_thread::sleep_for(std::chrono::seconds(1));
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      throw core::Error(fmt::format("{} did not finish within {} s and was killed", argv[0],
                                    std::chrono::duration<double>(timeout).count()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string self_executable() {
  return std::filesystem::read_symlink("/proc/self/exe").string();
}

}  // namespace atl::platform
