// Runs across processes: MPI ranks under mpirun and UDP nodes on loopback, each an `atoll node`
// process, checked bit for bit against the single-process reference, plus the faults that only
// exist between processes (a rank that dies, a world size that does not fit the plan).
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "core/npy.h"
#include "hw/device.h"
#include "model/encoder.h"
#include "model/synthetic.h"
#include "plans.h"
#include "platform/bridge.h"
#include "platform/failure.h"
#include "platform/message.h"
#include "platform/mpi_launch.h"
#include "platform/router.h"
#include "platform/udp_transport.h"
#include "routes.h"

extern char** environ;

namespace atl::platform {
namespace {

// A router's transport where nothing leaves the node: the tests below feed the router from a
// real UDP transport and read what it delivers locally.
class NoNetwork final : public Transport {
 public:
  Attachment attach(int, Router&, Failure&) override { return {}; }
  void send(int, Packet, Deadline, std::stop_token) override {}
  void barrier(Deadline, std::stop_token) override {}
};

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

  // Runs `argv` through the shell with stderr captured (in `name`.txt) and ATOLL_FAULT set to
  // `fault` (the test-only fault injection of `atoll node`); returns the exit status.
  int run_captured(std::vector<std::string> argv, std::string& stderr_text,
                   const std::string& name = "stderr", const std::string& fault = "") {
    std::string command = fault.empty() ? "" : "ATOLL_FAULT='" + fault + "' ";
    for (const std::string& a : argv) command += "'" + a + "' ";
    const fs::path err = dir_ / (name + ".txt");
    command += "> /dev/null 2> '" + err.string() + "'";
    const int rc = run_process({"sh", "-c", command}, seconds(90));
    std::ifstream in(err);
    std::stringstream text;
    text << in.rdbuf();
    stderr_text = text.str();
    return rc;
  }

  // Processes (other than this one) whose command line mentions this test's directory: after a
  // test, none may be left.
  std::vector<pid_t> left_behind() const {
    std::vector<pid_t> found;
    for (const auto& entry : fs::directory_iterator("/proc")) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(entry.path() / "cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const auto pid = static_cast<pid_t>(std::stol(name));
      if (pid != ::getpid() && cmdline.find(dir_.string()) != std::string::npos) {
        found.push_back(pid);
      }
    }
    return found;
  }

  fs::path dir_;
};

// `atoll run` started as a child of the test (stdout to /dev/null, stderr to a file), so that
// the test can signal it and wait for it with a deadline.
class AtollRun {
 public:
  AtollRun(const std::vector<std::string>& args, const std::string& fault, fs::path err)
      : err_(std::move(err)) {
    std::vector<std::string> argv{ATOLL_BINARY, "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (std::string& a : argv) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    std::vector<std::string> env{"ATOLL_FAULT=" + fault};
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    std::vector<char*> cenv;
    for (std::string& e : env) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&files, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT_EQ(posix_spawn(&pid_, ATOLL_BINARY, &files, nullptr, cargs.data(), cenv.data()), 0);
    posix_spawn_file_actions_destroy(&files);
  }
  ~AtollRun() {
    if (status_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  // The exit status, or -1 if it is still running at `deadline`.
  int wait(Clock::time_point deadline) {
    while (status_ < 0 && Clock::now() < deadline) {
      int s = 0;
      if (waitpid(pid_, &s, WNOHANG) == pid_) {
        status_ = WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
      } else {
        std::this_thread::sleep_for(milliseconds(20));
      }
    }
    return status_;
  }
  std::string stderr_text() const {
    std::ifstream in(err_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  fs::path err_;
  pid_t pid_ = 0;
  int status_ = -1;
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
  std::string err;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(run_captured(mpirun_command(4, ATOLL_BINARY, node_args(save(4), out)), err, "stderr",
                         "exit-node:2"),
            0);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(60)) << err;
  EXPECT_EQ(left_behind(), std::vector<pid_t>{}) << err;
}

// Before the links, every rank whose node failed crashed in the transport's receiver thread
// (segfault in receive_loop) instead of ending the job with the kernel's error.
TEST_F(Processes, MpiKernelThatThrowsEndsTheJobNamingIt) {
  const fs::path out = dir_ / "y.npy";
  std::vector<std::string> args = node_args(save(4), out);
  args.back() = "40";  // --timeout: the job must end on the fault, long before
  std::string err;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(run_captured(mpirun_command(4, ATOLL_BINARY, args), err, "stderr", "kernel:l1.ffn1"),
            0);
  EXPECT_NE(err.find("kernel 'l1.ffn1' (cluster 1 ID 10): injected fault (ATOLL_FAULT)"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("Segmentation"), std::string::npos) << err;
  EXPECT_EQ(err.find("internal error"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(30)) << err;
  EXPECT_EQ(left_behind(), std::vector<pid_t>{}) << err;
}

// `atoll run --transport mpi`, the way a user starts a job: a kernel fault ends it with the
// kernel's error and exit status 1, and no rank or mpirun outlives it.
TEST_F(Processes, RunMpiSurvivesAKernelFault) {
  const fs::path out = dir_ / "y.npy";
  std::vector<std::string> args = node_args(save(4), out);
  args.front() = "run";
  args.insert(args.end(), {"--transport", "mpi"});
  std::string err;
  EXPECT_EQ(run_captured(
                [&] {
                  std::vector<std::string> argv{ATOLL_BINARY};
                  argv.insert(argv.end(), args.begin(), args.end());
                  return argv;
                }(),
                err, "stderr", "kernel:l0.ffn2"),
            1);
  EXPECT_NE(err.find("kernel 'l0.ffn2' (cluster 0 ID 11): injected fault (ATOLL_FAULT)"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("atoll: error: run: the MPI job failed with status 1"), std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(left_behind(), std::vector<pid_t>{}) << err;
}

// A rank that never reaches the final barrier (its kernel stalls): the others time out there
// with the documented message. MPI_Cancel on the MPI_Ibarrier request made it MPI_ERR_REQUEST.
TEST_F(Processes, MpiBarrierTimeoutSaysSo) {
  const fs::path out = dir_ / "y.npy";
  std::vector<std::string> args = node_args(save(4), out);
  args.back() = "3";  // --timeout
  std::string err;
  EXPECT_NE(run_captured(mpirun_command(4, ATOLL_BINARY, args), err, "stderr", "stall:l1.ffn2"), 0);
  EXPECT_NE(err.find("MPI: barrier with the other ranks timed out"), std::string::npos) << err;
  EXPECT_EQ(err.find("MPI_ERR_REQUEST"), std::string::npos) << err;
  EXPECT_EQ(left_behind(), std::vector<pid_t>{}) << err;
}

// Ctrl-C (SIGINT) or SIGTERM to `atoll run --transport mpi` while its ranks run: mpirun and
// every rank are stopped, nothing writes the output later, and atoll says why with status 1.
// Before, atoll died alone and the job ran on.
TEST_F(Processes, SignalToRunMpiStopsEveryProcess) {
  const fs::path plan = save(4);
  for (const int sig : {SIGINT, SIGTERM}) {
    const fs::path out = dir_ / fmt::format("y{}.npy", sig);
    std::vector<std::string> args = node_args(plan, out);
    args.erase(args.begin());
    args.back() = "60";  // --timeout
    args.insert(args.end(), {"--transport", "mpi"});
    AtollRun run(args, "stall:l1.ffn2", dir_ / fmt::format("stderr{}.txt", sig));
    // Signal once mpirun and the four ranks are up (atoll + 5 processes name the directory).
    const auto t0 = Clock::now();
    while (left_behind().size() < 6 && Clock::now() < t0 + seconds(60)) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_GE(left_behind().size(), 6u) << run.stderr_text();
    std::this_thread::sleep_for(milliseconds(500));  // MPI start-up in the ranks under way
    ASSERT_EQ(kill(run.pid(), sig), 0);
    const auto t1 = Clock::now();
    EXPECT_EQ(run.wait(t1 + seconds(30)), 1) << run.stderr_text();
    EXPECT_LT(Clock::now() - t1, seconds(15));
    EXPECT_NE(run.stderr_text().find(fmt::format(
                  "atoll: error: interrupted by {}: stopped mpirun and every process it started",
                  sig == SIGINT ? "SIGINT" : "SIGTERM")),
              std::string::npos)
        << run.stderr_text();
    EXPECT_EQ(left_behind(), std::vector<pid_t>{}) << run.stderr_text();
    std::this_thread::sleep_for(milliseconds(500));
    EXPECT_FALSE(fs::exists(out));
  }
}

// A flood of garbage datagrams on the ports of a two-process UDP run (loopback; a fixed seed;
// from before the nodes start until both end): each node ends with status 1 and an error that
// names a datagram and its sender, within the timeout; nothing crashes, hangs or is left. Before
// the links, 82 of 120 such node processes aborted, crashed or spun past their timeout.
TEST_F(Processes, UdpNodesSurviveAFloodOfGarbage) {
  const fs::path plan = save(2), out = dir_ / "y.npy";
  const int port = 21000 + ::getpid() % 20000;
  const int flooder = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(flooder, 0);
  sockaddr_in me{};
  me.sin_family = AF_INET;
  me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(flooder, reinterpret_cast<const sockaddr*>(&me), sizeof me), 0);
  socklen_t len = sizeof me;
  ::getsockname(flooder, reinterpret_cast<sockaddr*>(&me), &len);
  std::atomic<bool> ended{false};
  std::jthread flood([&] {
    std::mt19937 random(9);
    std::vector<std::uint8_t> d;
    for (int i = 0; i < 20000 && !ended; ++i) {
      // Random bytes, and every other datagram a well-formed bridge header for a kernel the
      // plan does not have (200..255) and a size that may or may not fit.
      d.resize(random() % 400);
      for (auto& b : d) b = static_cast<std::uint8_t>(random());
      if (i % 2 && d.size() >= kFlitBytes) {
        const auto h = encode_bridge_header(
            {static_cast<std::uint16_t>(d.size() / kFlitBytes - 1 + random() % 2),
             static_cast<std::uint32_t>(random() % 40),
             static_cast<std::uint32_t>(200 + random() % 56), 0});
        std::copy(h.begin(), h.end(), d.begin());
      }
      sockaddr_in to = me;
      to.sin_port = htons(static_cast<std::uint16_t>(port + i % 2));
      ::sendto(flooder, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  int rc[2] = {-1, -1};
  std::string err[2];
  const auto t0 = Clock::now();
  {
    std::vector<std::jthread> nodes;
    for (int n = 0; n < 2; ++n) {
      nodes.emplace_back([&, n] {
        std::vector<std::string> argv{ATOLL_BINARY};
        for (std::string& a : node_args(plan, out)) argv.push_back(std::move(a));
        argv.back() = "10";  // --timeout
        argv.insert(argv.end(), {"--transport", "udp", "--node", std::to_string(n), "--udp-port",
                                 std::to_string(port)});
        rc[n] = run_captured(argv, err[n], fmt::format("node{}", n));
      });
    }
  }
  ended = true;
  flood.join();
  ::close(flooder);
  for (int n = 0; n < 2; ++n) {
    EXPECT_EQ(rc[n], 1) << err[n];
    EXPECT_NE(err[n].find(fmt::format("UDP node {} (127.0.0.1:{}): datagram from 127.0.0.1:{}: ", n,
                                      port + n, ntohs(me.sin_port))),
              std::string::npos)
        << err[n];
    EXPECT_EQ(err[n].find("internal error"), std::string::npos) << err[n];
  }
  EXPECT_LT(Clock::now() - t0, seconds(60));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(left_behind(), std::vector<pid_t>{});
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
  UdpTransport receiver(endpoints, 0);
  UdpTransport sender(endpoints, 1);
  NoNetwork none;
  Router router(0, "fpga0", testing::one_cluster({-1, 0, 1}), none);
  Fifo<Packet> inbox("kernel 1", 8);
  router.attach({0, 1}, inbox);
  Failure failure;
  const Attachment attached = receiver.attach(0, router, failure);
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
  std::vector<std::uint8_t> bytes = to_wire(p);
  bytes[0] = 2;
  sender.send_bytes(0, bytes);
  for (int i = 0; i < 200 && !failure.first(); ++i) std::this_thread::sleep_for(milliseconds(5));
  ASSERT_TRUE(failure.first().has_value());
  EXPECT_NE(failure.first()->find("truncated"), std::string::npos) << *failure.first();
  EXPECT_NE(failure.first()->find(fmt::format("datagram from 127.0.0.1:{}", port + 1)),
            std::string::npos)
      << *failure.first();
}

// After the node detached (its run is over, router and failure record destroyed), packets and
// garbage still arrive: the transport touches nothing of the node, and the next barrier names
// the first bad datagram. Before the links, the receiver called into the destroyed router.
TEST(Udp, PacketsAfterTheRunNeverReachTheGoneNode) {
  const int port = 41000 + ::getpid() % 19000;
  const std::vector<UdpEndpoint> endpoints = loopback_endpoints(2, port);
  UdpTransport node0(endpoints, 0);
  UdpTransport node1(endpoints, 1);
  const Deadline deadline = Clock::now() + seconds(10);
  {
    NoNetwork none;
    Router router(0, "fpga0", testing::one_cluster({-1, 0, 1}), none);
    Fifo<Packet> inbox("kernel 1", 8);
    router.attach({0, 1}, inbox);
    Failure failure;
    const Attachment attached = node0.attach(0, router, failure);
    std::jthread peer([&] { node1.barrier(deadline, {}); });
    node0.barrier(deadline, {});
  }
  Packet p;
  p.dest = 1;
  p.id = 2;
  p.user = 1;
  p.data.assign(kFlitBytes, 1);
  node1.send(0, p, deadline, {});
  const std::vector<std::uint8_t> garbage(10, 0xee);
  node1.send_bytes(0, garbage);
  std::jthread peer([&] {
    try {
      node1.barrier(Clock::now() + seconds(1), {});
    } catch (const core::Error&) {  // node 0 gives up on the bad datagram first
    }
  });
  try {
    node0.barrier(Clock::now() + seconds(10), {});
    FAIL() << "the barrier passed over a stray packet";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::failed);
    EXPECT_EQ(std::string(e.what()),
              fmt::format("UDP node 0 (127.0.0.1:{}): datagram from 127.0.0.1:{}: packet for "
                          "kernel 1 of node 0, which runs nothing now",
                          port, port + 1));
  }
}

// A bad datagram that arrives while a node waits in a barrier ends the barrier with what was
// wrong with it and who sent it, not with "stopped" or a timeout.
TEST(Udp, ABadDatagramIsWhatTheBarrierReports) {
  const int port = 42000 + ::getpid() % 18000;
  const std::vector<UdpEndpoint> endpoints = loopback_endpoints(3, port);
  UdpTransport node0(endpoints, 0);
  UdpTransport node1(endpoints, 1);
  const auto expect_barrier_error = [&](std::vector<std::uint8_t> bytes, const std::string& why) {
    node1.send_bytes(0, bytes);
    const auto t0 = Clock::now();
    try {
      node0.barrier(Clock::now() + seconds(10), {});
      FAIL() << "barrier passed";
    } catch (const core::Error& e) {
      EXPECT_EQ(std::string(e.what()),
                fmt::format("UDP node 0 (127.0.0.1:{}): datagram from 127.0.0.1:{}: {}", port,
                            port + 1, why));
    }
    EXPECT_LT(Clock::now() - t0, seconds(5));  // at once, not at the deadline
  };
  expect_barrier_error(std::vector<std::uint8_t>(3, 7),
                       "truncated packet: 3 bytes, not even a bridge header");
}

// Forged barrier packets (for kernel 0, well-formed as packets) are named, not obeyed.
TEST(Udp, ForgedBarrierPacketsAreRejected) {
  const int port = 43000 + ::getpid() % 17000;
  const std::vector<UdpEndpoint> endpoints = loopback_endpoints(2, port);
  struct Case {
    std::uint32_t generation, flags, from;
    std::string why;
  };
  const Case cases[] = {
      {7, 0, 1, "barrier packet of node 1 for barrier 7, but this node has entered 1 barriers"},
      {1, 0, 9, "barrier packet from node 9; the peers are nodes 0..1 other than 0"},
      {1, 8, 1,
       "a packet for kernel 0 (the GMI node) must be a barrier packet: one header flit with 0 "
       "rows and flags 0..3, got 1 flits, 0 rows, flags 8"},
  };
  for (const Case& c : cases) {
    UdpTransport node0(endpoints, 0);
    UdpTransport node1(endpoints, 1);
    MessageHeader h{0, c.generation, c.flags};
    Packet p = row_packet({}, 0, 0, &h);
    for (int i = 0; i < 4; ++i) p.data[12 + i] = static_cast<std::uint8_t>(c.from >> (8 * i));
    node1.send_bytes(0, to_wire(p));
    try {
      node0.barrier(Clock::now() + seconds(10), {});
      FAIL() << c.why;
    } catch (const core::Error& e) {
      EXPECT_EQ(std::string(e.what()),
                fmt::format("UDP node 0 (127.0.0.1:{}): datagram from 127.0.0.1:{}: {}", port,
                            port + 1, c.why));
    }
  }
}

TEST(Udp, LoopbackPortsStayInRange) {
  EXPECT_EQ(loopback_endpoints(2, 65534).back().port, 65535);
  try {
    loopback_endpoints(3, 65534);
    FAIL() << "port 65536";
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(), "UDP port 65534: 3 nodes need ports 65534 to 65536, within 1..65535");
  }
}

TEST(Udp, ParsesEndpointsPerNode) {
  const std::vector<UdpEndpoint> e = parse_endpoints("10.0.0.1:9000,127.0.0.1:9001", 2);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].host, "10.0.0.1");
  EXPECT_EQ(e[0].port, 9000);
  EXPECT_EQ(e[1].port, 9001);
  EXPECT_THROW(parse_endpoints("10.0.0.1:9000", 2), core::Error);            // one short
  EXPECT_THROW(parse_endpoints("10.0.0.1:9000,host:9001", 2), core::Error);  // not IPv4
  EXPECT_THROW(parse_endpoints("10.0.0.1:9000,10.0.0.2:", 2), core::Error);  // no port
  EXPECT_THROW(parse_endpoints("10.0.0.1:9000,10.0.0.2:70000", 2), core::Error);
  EXPECT_THROW(parse_endpoints("10.0.0.1:9000,10.0.0.2:99999999999999", 2), core::Error);
}

// A Galapagos peer that is not atoll: a bare UDP socket. What it receives must be the bridge
// header flit followed by the payload, byte for byte; what it sends in that format (with zeros
// where Galapagos leaves the header empty) must arrive as the same packet.
TEST(Udp, SpeaksTheGalapagosWireFormatToABareSocket) {
  const int port = 45000 + ::getpid() % 15000;
  const std::vector<UdpEndpoint> endpoints = loopback_endpoints(2, port);
  UdpTransport node0(endpoints, 0);
  const int bare = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(bare, 0);
  sockaddr_in me{};
  me.sin_family = AF_INET;
  me.sin_port = htons(static_cast<std::uint16_t>(port + 1));
  me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(bare, reinterpret_cast<const sockaddr*>(&me), sizeof me), 0);
  const timeval patience{2, 0};  // no receive below may wait longer
  ::setsockopt(bare, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);

  Packet p;
  p.dest = 7;  // a kernel on node 1 (the bare socket)
  p.id = 3;
  p.user = 2;
  p.data.assign(2 * kFlitBytes, 0);
  for (std::size_t i = 0; i < p.data.size(); ++i) p.data[i] = static_cast<std::uint8_t>(i);
  node0.send(1, p, Clock::now() + seconds(5), {});
  std::vector<std::uint8_t> got(4096);
  const ssize_t n = ::recv(bare, got.data(), got.size(), 0);
  ASSERT_EQ(n, static_cast<ssize_t>(3 * kFlitBytes));
  EXPECT_EQ(got[0], 2);  // [15:0] size in flits
  EXPECT_EQ(got[1], 0);
  EXPECT_EQ(got[2], 3);  // [23:16] source
  EXPECT_EQ(got[3], 7);  // [31:24] destination
  for (std::size_t i = 4; i < kFlitBytes; ++i) EXPECT_EQ(got[i], 0) << i;
  for (std::size_t i = 0; i < p.data.size(); ++i) EXPECT_EQ(got[kFlitBytes + i], p.data[i]) << i;

  // The reverse: a datagram as a Galapagos bridge builds it, for kernel 1 on node 0.
  NoNetwork none;
  Router router(0, "fpga0", testing::one_cluster({-1, 0, -1, 1}), none);
  Fifo<Packet> inbox("kernel 1", 4);
  router.attach({0, 1}, inbox);
  Failure failure;
  const Attachment attached = node0.attach(0, router, failure);
  std::jthread start([&] {
    // The bare peer answers node 0's barrier packets as any GMI node would: echo them back
    // with "heard you" set.
    std::vector<std::uint8_t> b(4096);
    for (int i = 0; i < 2; ++i) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t m =
          ::recvfrom(bare, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (m != static_cast<ssize_t>(2 * kFlitBytes)) continue;
      b[kFlitBytes + 8] = 1;   // heard you
      b[kFlitBytes + 12] = 1;  // from node 1
      ::sendto(bare, b.data(), static_cast<std::size_t>(m), 0,
               reinterpret_cast<const sockaddr*>(&from), len);
    }
  });
  node0.barrier(Clock::now() + seconds(5), {});
  start.join();
  std::vector<std::uint8_t> datagram(2 * kFlitBytes, 0);
  datagram[0] = 1;  // one flit
  datagram[2] = 3;  // from kernel 3
  datagram[3] = 1;  // to kernel 1
  for (std::size_t i = 0; i < kFlitBytes; ++i)
    datagram[kFlitBytes + i] = static_cast<std::uint8_t>(200 + i);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::sendto(bare, datagram.data(), datagram.size(), 0,
                     reinterpret_cast<const sockaddr*>(&to), sizeof to),
            static_cast<ssize_t>(datagram.size()));
  const Packet in = inbox.pop(Clock::now() + seconds(5));
  EXPECT_EQ(in.id, 3u);
  EXPECT_EQ(in.dest, 1u);
  EXPECT_EQ(in.user, 1);
  EXPECT_EQ(in.keep, kAllKeep);
  EXPECT_EQ(in.data[0], 200);
  EXPECT_FALSE(failure.first().has_value());
  ::close(bare);
}

}  // namespace
}  // namespace atl::platform
