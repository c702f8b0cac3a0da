// Starting an MPI job from inside atoll (`atoll run --transport mpi`): mpirun as a child
// process, watched with a deadline so a job that hangs is killed, never waited on forever.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace atl::platform {

// The mpirun command line for `ranks` ranks of `program args...` on this host: oversubscribed
// (more ranks than cores is normal for software nodes), and allowed to run as root.
std::vector<std::string> mpirun_command(int ranks, const std::string& program,
                                        const std::vector<std::string>& args);

// Runs `argv` (argv[0] looked up in PATH) and returns its exit status. At `timeout` the whole
// process group gets SIGTERM, then SIGKILL, and core::Error is thrown.
int run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// This executable's path (/proc/self/exe), to start more copies of it.
std::string self_executable();

}  // namespace atl::platform
