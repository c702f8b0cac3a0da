// Nodes spread over Open MPI ranks (`mpirun -np N atoll node --plan plan.json`): one rank per
// node, or per group of consecutive nodes. A packet travels as one MPI message holding its
// Galapagos wire bytes (bridge header flit + payload, bridge.h) with the destination node as
// the tag; a receiver thread per rank hands it to that node's router.
//
// Every wait polls with a deadline (MPI_Test / MPI_Improbe), so a dead rank turns into a
// timeout error rather than a hang; mpirun itself ends the job when a rank exits early. A wait
// that gives up leaves its request pending (a nonblocking barrier cannot be cancelled, and a
// send's buffer may still be read), so after any error the job must end with
// MpiSession::abort, never MPI_Finalize.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/failure.h"
#include "platform/link.h"
#include "platform/transport.h"

namespace atl::platform {

// MPI_Init_thread (MPI_THREAD_MULTIPLE: kernel tasks send concurrently) and MPI_Finalize.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int world() const { return world_; }
  // Ends every rank of the job at once (after an error): MPI_Abort, never returns.
  [[noreturn]] void abort(int code) const;

 private:
  int rank_ = 0, world_ = 1;
};

// Which rank runs which node: nodes are dealt in consecutive groups of `nodes_per_rank`. Throws
// core::Error before any work unless `world` is exactly the number of groups.
struct RankLayout {
  std::vector<int> rank_of_node;
  std::vector<int> nodes_of(int rank) const;
};
RankLayout rank_layout(int nodes, int world, int nodes_per_rank);

class MpiTransport final : public Transport {
 public:
  explicit MpiTransport(RankLayout layout);
  ~MpiTransport() override;

  Attachment attach(int node, Router& router, Failure& failure) override;
  void send(int node, Packet p, Deadline deadline, std::stop_token stop) override;
  // MPI_Ibarrier polled to the deadline. The first barrier starts the receiver thread, so
  // every local router must be attached before it. Throws core::Error at the deadline, or
  // naming the first bad message this rank received.
  void barrier(Deadline deadline, std::stop_token stop) override;

 private:
  void receive_loop(std::stop_token stop);
  // `what` went wrong receiving: the failure of the run of `node` (or, when no such node runs
  // here, of every attached one), and the barriers' record.
  void report(int node, const std::string& what);

  RankLayout layout_;
  int rank_ = 0;
  std::vector<std::shared_ptr<NodeLink>> links_;  // by node; only this rank's are attached
  Failure received_;                              // the first bad message, kept for the barriers
  std::atomic<Deadline::rep> deadline_{0};        // receiver's deadline for local delivery
  // Sends that gave up at their deadline: MPI may still read their bytes, so they stay here.
  std::mutex abandoned_mutex_;
  std::vector<std::unique_ptr<std::vector<std::uint8_t>>> abandoned_;
  std::jthread receiver_;
};

}  // namespace atl::platform
