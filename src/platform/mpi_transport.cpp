#include "platform/mpi_transport.h"

#include <fmt/format.h>
#include <mpi.h>

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
    throw core::Error(fmt::format("MPI: {} failed: {}", call, std::string(text, len)));
  }
}

// Polls `request` until it completes; throws at the deadline or when the run stops, naming
// what it waited for (`what()`, built only then).
template <class What>
void wait(MPI_Request& request, Deadline deadline, const std::stop_token& stop, What what) {
  for (int idle = 0;;) {
    int done = 0;
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return;
    if (stop.stop_requested() || Clock::now() > deadline) {
      MPI_Cancel(&request);
      MPI_Request_free(&request);
      throw core::Error(
          fmt::format("MPI: {} {}", what(),
                      stop.stop_requested() ? "interrupted, the run was stopped" : "timed out"));
    }
    pause(idle);
  }
}

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_MULTIPLE) {
    MPI_Finalize();
    throw core::Error("MPI: this MPI library does not provide MPI_THREAD_MULTIPLE");
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

MpiTransport::MpiTransport(RankLayout layout, IdWidth width)
    : layout_(std::move(layout)),
      width_(width),
      routers_(layout_.rank_of_node.size(), nullptr),
      failures_(layout_.rank_of_node.size(), nullptr) {
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
}

MpiTransport::~MpiTransport() {
  receiver_.request_stop();
  if (receiver_.joinable()) receiver_.join();
}

void MpiTransport::attach(int node, Router& router, Failure& failure) {
  if (layout_.rank_of_node.at(node) != rank_) {
    throw core::Error(fmt::format("MPI rank {}: node {} belongs to rank {}", rank_, node,
                                  layout_.rank_of_node.at(node)));
  }
  routers_.at(node) = &router;
  failures_.at(node) = &failure;
}

void MpiTransport::send(int node, Packet p, Deadline deadline, std::stop_token stop) {
  const std::vector<std::uint8_t> bytes = to_wire(p, width_);
  MPI_Request request;
  check(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE,
                  layout_.rank_of_node.at(node), node, MPI_COMM_WORLD, &request),
        "MPI_Isend");
  wait(request, deadline, stop, [&] {
    return fmt::format("send of a packet to node {} (rank {})", node, layout_.rank_of_node[node]);
  });
}

void MpiTransport::barrier(Deadline deadline, std::stop_token stop) {
  deadline_.store(deadline.time_since_epoch().count());
  if (!receiver_.joinable()) {
    receiver_ = std::jthread([this](std::stop_token s) { receive_loop(s); });
  }
  MPI_Request request;
  check(MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier");
  wait(request, deadline, stop, [] { return "barrier with the other ranks"; });
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
    bytes.resize(static_cast<std::size_t>(count));
    MPI_Mrecv(bytes.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE);
    const int node = status.MPI_TAG;
    Router* router =
        node >= 0 && node < static_cast<int>(routers_.size()) ? routers_[node] : nullptr;
    Failure* failure = router ? failures_[node] : nullptr;
    try {
      if (!router) {
        throw core::Error(
            fmt::format("MPI rank {}: packet from rank {} for node {}, which this "
                        "rank does not run",
                        rank_, status.MPI_SOURCE, node));
      }
      router->deliver(
          from_wire(bytes, width_, fmt::format("packet from rank {}", status.MPI_SOURCE)),
          Deadline(Deadline::duration(deadline_.load())), failure->token());
    } catch (const std::exception& e) {
      if (failure) {
        failure->record(fmt::format("node {} (network receive): {}", router->name(), e.what()));
      } else {
        for (Failure* f : failures_) {
          if (f) f->record(e.what());
        }
      }
    }
  }
}

}  // namespace atl::platform
