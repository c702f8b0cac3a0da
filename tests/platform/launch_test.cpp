// Child processes: exit status, and a child that outlives its deadline is killed, not awaited.
#include <gtest/gtest.h>

#include <chrono>

#include "core/error.h"
#include "platform/mpi_launch.h"

namespace atl::platform {
namespace {

using std::chrono::milliseconds;

TEST(RunProcess, ReturnsTheExitStatus) {
  EXPECT_EQ(run_process({"sh", "-c", "exit 0"}, milliseconds(10'000)), 0);
  EXPECT_EQ(run_process({"sh", "-c", "exit 7"}, milliseconds(10'000)), 7);
  EXPECT_THROW(run_process({"no-such-program-atoll"}, milliseconds(10'000)), core::Error);
}

TEST(RunProcess, KillsTheGroupAtTheDeadline) {
  const auto t0 = std::chrono::steady_clock::now();
  // The shell's child (sleep) is in the same process group and goes down with it.
  EXPECT_THROW(run_process({"sh", "-c", "sleep 30; exit 0"}, milliseconds(200)), core::Error);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(RunProcess, MpirunCommandLine) {
  const std::vector<std::string> argv = mpirun_command(4, "/bin/atoll", {"node", "--plan", "p"});
  ASSERT_GE(argv.size(), 8u);
  EXPECT_EQ(argv[0], "mpirun");
  EXPECT_EQ(argv[1], "--oversubscribe");
  EXPECT_EQ(argv[3], "4");
  EXPECT_EQ(argv[argv.size() - 4], "/bin/atoll");
  EXPECT_EQ(argv.back(), "p");
}

}  // namespace
}  // namespace atl::platform
