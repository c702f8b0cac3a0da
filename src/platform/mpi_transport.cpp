#include "platform/mpi_transport.h"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "platform/bridge.h"

namespace atl::platform {
namespace {

// A poll loop first retries at once (yielding the core) kPollSpins times, since a packet usually
// completes within microseconds, and only then sleeps kPollPause between tries, so an idle rank
// does not starve the kernels sharing its cores.
constexpr int kPollSpins = 200;
constexpr auto kPollPause = std::chrono::microseconds(20);

void pause(int& idle) {
  if (++idle < kPollSpins) {
    std::this_thread::yield();
  } else {
    std::this_thread::sleep_for(kPollPause);
  }
}

void check(int rc, const char* call) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw core::Error(core::ErrorKind::failed,
                      fmt::format("MPI: {} failed: {}", call, std::string(text, len)));
  }
}

// Polls `request` until it completes; false when the run stops (`stop` or `received`, the
// transport's record of bad messages) or the deadline passes first. The request then stays
// pending: MPI forbids cancelling a nonblocking barrier, and the job ends with MPI_Abort.
bool wait(MPI_Request& request, Deadline deadline, const std::stop_token& stop,
          const Failure& received) {
  for (int idle = 0;;) {
    int done = 0;
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return true;
    if (stop.stop_requested() || received.first() || Clock::now() > deadline) return false;
    pause(idle);
  }
}

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_MULTIPLE) {
    MPI_Finalize();
    throw core::Error(core::ErrorKind::unsupported,
                      "MPI: this MPI library does not provide MPI_THREAD_MULTIPLE");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world_);
}

MpiSession::~MpiSession() {
  MPI_Finalize();
}

void MpiSession::abort(int code) const {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

std::vector<int> RankLayout::nodes_of(int rank) const {
  std::vector<int> nodes;
  for (std::size_t n = 0; n < rank_of_node.size(); ++n) {
    if (rank_of_node[n] == rank) nodes.push_back(static_cast<int>(n));
  }
  return nodes;
}

RankLayout rank_layout(int nodes, int world, int nodes_per_rank) {
  if (nodes_per_rank < 1) {
    throw core::Error(fmt::format("nodes per rank must be at least 1, got {}", nodes_per_rank));
  }
  const int groups = (nodes + nodes_per_rank - 1) / nodes_per_rank;
  if (world != groups) {
    throw core::Error(fmt::format(
        "the plan has {} nodes, {} per rank, so it needs {} MPI ranks, but the job has {} "
        "(run mpirun -np {})",
        nodes, nodes_per_rank, groups, world, groups));
  }
  RankLayout layout;
  for (int n = 0; n < nodes; ++n) layout.rank_of_node.push_back(n / nodes_per_rank);
  return layout;
}

MpiTransport::MpiTransport(RankLayout layout)
    : layout_(std::move(layout)),
      links_(make_links(static_cast<int>(layout_.rank_of_node.size()))) {
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
}

MpiTransport::~MpiTransport() {
  receiver_.request_stop();
  if (receiver_.joinable()) receiver_.join();
  // A send that gave up may still be read by MPI until the job ends: its bytes are left alone.
  for (auto& bytes : abandoned_) (void)bytes.release();
}

Attachment MpiTransport::attach(int node, Router& router, Failure& failure) {
  if (node < 0 || node >= static_cast<int>(links_.size()) ||
      layout_.rank_of_node[static_cast<std::size_t>(node)] != rank_) {
    throw core::Error(
        core::ErrorKind::internal,
        fmt::format("MPI rank {}: node {} is not one of this rank's nodes", rank_, node));
  }
  return Attachment(links_[static_cast<std::size_t>(node)], router, failure);
}

void MpiTransport::send(int node, Packet p, Deadline deadline, std::stop_token stop) {
  auto bytes = std::make_unique<std::vector<std::uint8_t>>(to_wire(p));
  const int rank = layout_.rank_of_node.at(static_cast<std::size_t>(node));
  MPI_Request request;
  check(MPI_Isend(bytes->data(), static_cast<int>(bytes->size()), MPI_BYTE, rank, node,
                  MPI_COMM_WORLD, &request),
        "MPI_Isend");
  if (wait(request, deadline, stop, received_)) return;
  {
    std::lock_guard lock(abandoned_mutex_);
    abandoned_.push_back(std::move(bytes));
  }
  if (auto bad = received_.first()) throw core::Error(core::ErrorKind::failed, *bad);
  const bool stopped = stop.stop_requested();
  throw core::Error(stopped ? core::ErrorKind::failed : core::ErrorKind::timeout,
                    fmt::format("MPI: send of a packet to node {} (rank {}) {}", node, rank,
                                stopped ? "interrupted, the run was stopped" : "timed out"));
}

void MpiTransport::barrier(Deadline deadline, std::stop_token stop) {
  deadline_.store(deadline.time_since_epoch().count());
  if (!receiver_.joinable()) {
    receiver_ = std::jthread([this](std::stop_token s) { receive_loop(s); });
  }
  MPI_Request request;
  check(MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier");
  if (wait(request, deadline, stop, received_)) return;
  // A bad message is the cause of whatever else went wrong: name it.
  if (auto bad = received_.first()) throw core::Error(core::ErrorKind::failed, *bad);
  if (stop.stop_requested()) {
    throw core::Error(core::ErrorKind::failed,
                      "MPI: barrier with the other ranks interrupted, the run was stopped");
  }
  throw core::Error(core::ErrorKind::timeout,
                    "MPI: barrier with the other ranks timed out (a rank did not reach it in "
                    "time)");
}

void MpiTransport::report(int node, const std::string& what) {
  received_.record(what);
  if (node >= 0 && node < static_cast<int>(links_.size()) &&
      links_[static_cast<std::size_t>(node)]->report(what)) {
    return;
  }
  for (const auto& link : links_) link->report(what);
}

void MpiTransport::receive_loop(std::stop_token stop) {
  std::vector<std::uint8_t> bytes;
  int idle = 0;
  while (!stop.stop_requested()) {
    int flag = 0;
    MPI_Message message;
    MPI_Status status;
    if (MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &message, &status) !=
            MPI_SUCCESS ||
        !flag) {
      pause(idle);
      continue;
    }
    idle = 0;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    bytes.resize(static_cast<std::size_t>(std::max(count, 0)));
    MPI_Mrecv(bytes.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE);
    const int node = status.MPI_TAG;
    const std::string where = fmt::format("MPI rank {}: message from rank {} for node {}", rank_,
                                          status.MPI_SOURCE, node);
    try {
      if (node < 0 || node >= static_cast<int>(links_.size()) ||
          layout_.rank_of_node[static_cast<std::size_t>(node)] != rank_) {
        throw core::Error(fmt::format("{}, which this rank does not run", where));
      }
      std::vector<Packet> burst;
      burst.push_back(from_wire(bytes, where));
      links_[static_cast<std::size_t>(node)]->deliver(
          std::move(burst), Deadline(Deadline::duration(deadline_.load())), node);
    } catch (const std::exception& e) {
      report(node, e.what());
    }
  }
}

}  // namespace atl::platform
