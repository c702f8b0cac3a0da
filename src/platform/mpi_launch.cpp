#include "platform/mpi_launch.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "platform/fifo.h"

extern char** environ;

namespace atl::platform {
namespace {

using std::chrono::milliseconds;

// SIGINT and SIGTERM held (blocked) in the calling thread while its children run, so that they
// are taken here with sigtimedwait instead of ending atoll before its children; the previous
// mask comes back at the end.
class HeldSignals {
 public:
  HeldSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~HeldSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  HeldSignals(const HeldSignals&) = delete;
  HeldSignals& operator=(const HeldSignals&) = delete;

  // The signal that arrived within `wait`, or 0.
  int take(milliseconds wait) {
    const timespec ts{0, static_cast<long>(std::chrono::nanoseconds(wait).count())};
    const int s = sigtimedwait(&set_, nullptr, &ts);
    return s > 0 ? s : 0;
  }
  const sigset_t& set() const { return set_; }

 private:
  sigset_t set_, old_;
};

// Every live process in one of `sessions` (field 6 of /proc/<pid>/stat).
std::vector<pid_t> session_members(const std::vector<pid_t>& sessions) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    // A process may exit between the listing and the read: reading its stat then fails with
    // ESRCH, which libstdc++'s filebuf reports by throwing whatever the stream's exception mask
    // says; such a process is no member any more.
    std::string stat;
    try {
      std::ifstream in(entry.path() / "stat");
      stat.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
      continue;
    }
    const std::size_t close = stat.rfind(')');  // the command name may hold anything
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    char state = 0;
    long ppid = 0, pgrp = 0, session = 0;
    if (!(fields >> state >> ppid >> pgrp >> session) || state == 'Z') continue;
    if (std::find(sessions.begin(), sessions.end(), session) != sessions.end()) {
      found.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return found;
}

void signal_sessions(const std::vector<pid_t>& sessions, int sig) {
  for (pid_t pid : session_members(sessions)) kill(pid, sig);
}

struct Child {
  pid_t pid = 0;  // also its session ID
  int status = -1;
  bool done() const { return status >= 0; }
};

int exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 128 + (WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0);
}

// Reaps the children that ended; true when all have.
bool reap(std::vector<Child>& children) {
  bool all = true;
  for (Child& c : children) {
    int status = 0;
    if (!c.done() && waitpid(c.pid, &status, WNOHANG) == c.pid) c.status = exit_status(status);
    all = all && c.done();
  }
  return all;
}

// SIGTERM to every process of the children's sessions, SIGKILL to what is left after
// kStopGrace; returns once the children are reaped and their sessions are empty.
void stop(std::vector<Child>& children) {
  std::vector<pid_t> sessions;
  for (const Child& c : children) sessions.push_back(c.pid);
  signal_sessions(sessions, SIGTERM);
  const Deadline grace = deadline_after(kStopGrace);
  while (!(reap(children) && session_members(sessions).empty()) && Clock::now() < grace) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  signal_sessions(sessions, SIGKILL);
  for (Child& c : children) {
    int status = 0;
    if (!c.done() && waitpid(c.pid, &status, 0) == c.pid) c.status = exit_status(status);
  }
}

pid_t spawn(const std::vector<std::string>& argv, const HeldSignals& held) {
  if (argv.empty()) throw core::Error(core::ErrorKind::internal, "run_processes: empty command");
  std::vector<char*> cargs;
  for (const std::string& a : argv) cargs.push_back(const_cast<char*>(a.c_str()));
  cargs.push_back(nullptr);
  // A session of its own, so that every process it starts can be found and stopped; signals
  // unblocked and at their defaults, so that SIGTERM reaches it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &held.set());
  pid_t pid = 0;
  std::fflush(nullptr);  // what this process printed so far comes before the child's output
  const int rc = posix_spawnp(&pid, cargs[0], nullptr, &attr, cargs.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw core::Error(core::ErrorKind::io,
                      fmt::format("cannot start {}: {}", argv[0], std::strerror(rc)));
  }
  return pid;
}

}  // namespace

std::vector<std::string> mpirun_command(int ranks, const std::string& program,
                                        const std::vector<std::string>& args) {
  std::vector<std::string> argv{"mpirun", "--oversubscribe", "-np", std::to_string(ranks)};
  if (geteuid() == 0) argv.push_back("--allow-run-as-root");
  argv.push_back(program);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<int> run_processes(const std::vector<std::vector<std::string>>& commands,
                               milliseconds timeout) {
  HeldSignals held;
  std::vector<Child> children;
  try {
    for (const auto& argv : commands) children.push_back({spawn(argv, held)});
  } catch (const core::Error&) {
    stop(children);
    throw;
  }
  const Deadline deadline = deadline_after(timeout);
  const std::string what = commands.size() == 1 ? commands.front().front()
                                                : fmt::format("{} processes", commands.size());
  for (;;) {
    const bool all = reap(children);
    const bool failed = std::any_of(children.begin(), children.end(),
                                    [](const Child& c) { return c.done() && c.status != 0; });
    if (all || failed) break;
    if (const int sig = held.take(milliseconds(10))) {
      stop(children);
      throw core::Error(core::ErrorKind::failed,
                        fmt::format("interrupted by {}: stopped {} and every process it started",
                                    sig == SIGINT ? "SIGINT" : "SIGTERM", what));
    }
    if (Clock::now() > deadline) {
      stop(children);
      throw core::Error(core::ErrorKind::timeout,
                        fmt::format("{} did not finish within {} s and {} stopped", what,
                                    std::chrono::duration<double>(timeout).count(),
                                    commands.size() == 1 ? "was" : "were"));
    }
  }
  // Stops what is left: the others after a failure, and anything a child left behind.
  stop(children);
  std::vector<int> statuses;
  for (const Child& c : children) statuses.push_back(c.status);
  return statuses;
}

int run_process(const std::vector<std::string>& argv, milliseconds timeout) {
  return run_processes({argv}, timeout).front();
}

std::string self_executable() {
  return std::filesystem::read_symlink("/proc/self/exe").string();
}

}  // namespace atl::platform
