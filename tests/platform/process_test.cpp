// Runs across processes: MPI ranks under mpirun and UDP nodes on loopback, each an `atoll node`
// process, checked bit for bit against the single-process reference, plus the faults that only
// exist between processes (a rank that dies, a world size that does not fit the plan).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/npy.h"
#include "hw/device.h"
#include "model/encoder.h"
#include "model/synthetic.h"
#include "plans.h"
#include "platform/bridge.h"
#include "platform/failure.h"
#include "platform/mpi_launch.h"
#include "platform/udp_transport.h"

namespace atl::platform {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

class Processes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("atoll-platform-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A tiny-model plan on `nodes` Sidewinder nodes, saved as JSON.
  fs::path save(int nodes) {
    plan::Plan p = testing::pipeline_plan(testing::tiny_config(), nodes);
    const hw::Catalogue catalogue = hw::load_catalogue(fs::path(ATOLL_SOURCE_DIR) / "data/devices");
    for (auto& n : p.cluster.nodes) n.device = catalogue.at("sidewinder-100");
    const fs::path path = dir_ / fmt::format("plan{}.json", nodes);
    plan::save_plan(p, path);
    return path;
  }

  // `atoll node` arguments for the tiny model (seed 7) on a random 16-token input (seed 8).
  std::vector<std::string> node_args(const fs::path& plan, const fs::path& out) const {
    return {"node",         "--plan", plan.string(), "--seed", "7",  "--random-input",
            "--input-seed", "8",      "--tokens",    "16",     "-o", out.string(),
            "--timeout",    "20"};
  }

  static core::Tensor<std::int8_t> reference() {
    return model::Encoder(model::synthetic_weights(testing::tiny_config(), 7))
        .forward(model::random_input(16, 128, 8));
  }

  // Runs `argv` through the shell with stderr captured; returns the exit status.
  int run_captured(std::vector<std::string> argv, std::string& stderr_text) {
    std::string command;
    for (const std::string& a : argv) command += "'" + a + "' ";
    const fs::path err = dir_ / "stderr.txt";
    command += "> /dev/null 2> '" + err.string() + "'";
    const int rc = run_process({"sh", "-c", command}, seconds(90));
    std::ifstream in(err);
    std::stringstream text;
    text << in.rdbuf();
    stderr_text = text.str();
    return rc;
  }

  fs::path dir_;
};

TEST_F(Processes, MpiFourRanksBitExact) {
  const fs::path out = dir_ / "y.npy";
  std::string err;
  ASSERT_EQ(run_captured(mpirun_command(4, ATOLL_BINARY, node_args(save(4), out)), err), 0) << err;
  EXPECT_EQ(core::read_npy<std::int8_t>(out), reference());
}

TEST_F(Processes, MpiSixNodesOnThreeRanksBitExact) {
  const fs::path out = dir_ / "y.npy";
  std::vector<std::string> args = node_args(save(6), out);
  args.insert(args.end(), {"--nodes-per-rank", "2"});
  std::string err;
  ASSERT_EQ(run_captured(mpirun_command(3, ATOLL_BINARY, args), err), 0) << err;
  EXPECT_EQ(core::read_npy<std::int8_t>(out), reference());
}

TEST_F(Processes, MpiWorldSizeMismatchFailsBeforeWork) {
  const fs::path out = dir_ / "y.npy";
  std::string err;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(run_captured(mpirun_command(3, ATOLL_BINARY, node_args(save(4), out)), err), 0);
  EXPECT_NE(
      err.find("the plan has 4 nodes, 1 per rank, so it needs 4 MPI ranks, but the job has 3"),
      std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(60));
}

TEST_F(Processes, MpiRankThatExitsEndsTheJob) {
  const fs::path out = dir_ / "y.npy";
  std::vector<std::string> args = node_args(save(4), out);
  args.insert(args.end(), {"--fault-exit-node", "2"});
  std::string err;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(run_captured(mpirun_command(4, ATOLL_BINARY, args), err), 0);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(60)) << err;
}

TEST_F(Processes, UdpTwoProcessesBitExact) {
  const fs::path plan = save(2), out = dir_ / "y.npy";
  const int port = 20000 + ::getpid() % 20000;
  int rc[2] = {-1, -1};
  {
    std::vector<std::jthread> nodes;
    for (int n = 0; n < 2; ++n) {
      nodes.emplace_back([&, n] {
        std::vector<std::string> argv{ATOLL_BINARY};
        for (std::string& a : node_args(plan, out)) argv.push_back(std::move(a));
        argv.insert(argv.end(), {"--transport", "udp", "--node", std::to_string(n), "--udp-port",
                                 std::to_string(port)});
        rc[n] = run_process(argv, seconds(60));
      });
    }
  }
  EXPECT_EQ(rc[0], 0);
  EXPECT_EQ(rc[1], 0);
  EXPECT_EQ(core::read_npy<std::int8_t>(out), reference());
}

TEST(Udp, MalformedDatagramIsRejectedNamingTheSender) {
  const int port = 40000 + ::getpid() % 20000;
  const std::vector<UdpEndpoint> endpoints = loopback_endpoints(2, port);
  UdpTransport receiver(endpoints, 0, IdWidth::galapagos8);
  UdpTransport sender(endpoints, 1, IdWidth::galapagos8);
  class NoNetwork final : public Transport {
   public:
    void attach(int, Router&, Failure&) override {}
    void send(int, Packet, Deadline, std::stop_token) override {}
    void barrier(Deadline, std::stop_token) override {}
  } none;
  Router router(0, "fpga0", {-1, 0, 1}, IdWidth::galapagos8, none);
  Fifo<Packet> inbox("kernel 1", 8);
  router.attach(1, inbox);
  Failure failure;
  receiver.attach(0, router, failure);
  const Deadline deadline = Clock::now() + seconds(10);
  std::jthread peer([&] { sender.barrier(deadline, {}); });
  receiver.barrier(deadline, {});
  peer.join();

  // A good packet arrives whole.
  Packet p;
  p.dest = 1;
  p.id = 2;
  p.user = 1;
  p.data.assign(kFlitBytes, 0x5a);
  sender.send(0, p, deadline, {});
  EXPECT_EQ(inbox.pop(deadline), p);
  // A truncated one (header says 2 flits, 1 follows) is an error, not a crash.
  std::vector<std::uint8_t> bytes = to_wire(p, IdWidth::galapagos8);
  bytes[0] = 2;
  sender.send_bytes(0, bytes);
  for (int i = 0; i < 200 && !failure.first(); ++i) std::this_thread::sleep_for(milliseconds(5));
  ASSERT_TRUE(failure.first().has_value());
  EXPECT_NE(failure.first()->find("truncated"), std::string::npos) << *failure.first();
  EXPECT_NE(failure.first()->find(fmt::format("from port {}", port + 1)), std::string::npos)
      << *failure.first();
}

}  // namespace
}  // namespace atl::platform
