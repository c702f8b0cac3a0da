// The first failure of a run and the stop signal it raises. When one kernel throws, every other
// blocking wait in the process (FIFO push/pop, barrier) is woken through the stop token and
// fails too; only the first error is kept, because it names the root cause (node and kernel),
// the others only say they were interrupted.
#pragma once

#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

namespace atl::platform {

class Failure {
 public:
  // Keeps `what` if it is the first failure and stops the run.
  void record(const std::string& what) {
    {
      std::lock_guard lock(mutex_);
      if (!first_) first_ = what;
    }
    stop_.request_stop();
  }
  std::stop_token token() const { return stop_.get_token(); }
  std::optional<std::string> first() const {
    std::lock_guard lock(mutex_);
    return first_;
  }

 private:
  std::stop_source stop_;
  mutable std::mutex mutex_;
  std::optional<std::string> first_;
};

}  // namespace atl::platform
