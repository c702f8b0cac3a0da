// Starting the processes of a run from inside atoll (`atoll run --transport mpi|udp`): mpirun,
// or one `atoll node` per node, as child processes watched with a deadline, so a job that hangs
// is killed, never waited on forever, and none of its processes outlives it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace atl::platform {

// The mpirun command line for `ranks` ranks of `program args...` on this host: oversubscribed
// (more ranks than cores is normal for software nodes), and allowed to run as root.
std::vector<std::string> mpirun_command(int ranks, const std::string& program,
                                        const std::vector<std::string>& args);

// How long stopped processes get to end after SIGTERM before SIGKILL (mpirun needs it to stop
// its ranks).
inline constexpr std::chrono::seconds kStopGrace{10};

// Runs every command of `commands` (argv[0] looked up in PATH) at once, each in a session of
// its own, and returns their exit statuses in order (128 + N for a process ended by signal N).
// When one exits with a non-zero status the others are stopped: the run has failed. At
// `timeout`, or when this process receives SIGINT or SIGTERM meanwhile, every process of their
// sessions gets SIGTERM, then SIGKILL after kStopGrace, and core::Error is thrown (kind timeout,
// or failed naming the signal). Whatever happens, no process of those sessions (mpirun's ranks
// included) is left running when it returns.
std::vector<int> run_processes(const std::vector<std::vector<std::string>>& commands,
                               std::chrono::milliseconds timeout);
// One command: run_processes({argv}, timeout)[0].
int run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// This executable's path (/proc/self/exe), to start more copies of it.
std::string self_executable();

}  // namespace atl::platform
