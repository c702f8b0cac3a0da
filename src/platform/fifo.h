// A bounded FIFO between threads: the software form of an AXI-Stream FIFO. A full FIFO blocks
// the writer (back-pressure) and an empty one the reader, but never forever: every blocking call
// takes a deadline and a stop token, and throws core::Error naming the stream when the deadline
// passes or the run is stopped, so a dead peer turns into an error instead of a hang. A wake-up
// is sent only to a side that waits (counted under the lock): a thread that both writes and
// reads a FIFO (a process running all its kernels on one thread) pays a lock, not a notify.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace atl::platform {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// The longest wait a deadline may stand for. A longer one is cut to it, so deadline arithmetic
// never overflows the clock (nor the system-clock conversion inside condition variables).
inline constexpr std::chrono::hours kMaxWait{24 * 365};

// The deadline `wait` from now, compared before any conversion: a wait that is not positive
// (or NaN) is now, one of kMaxWait or more is kMaxWait.
template <class Rep, class Period>
Deadline deadline_after(std::chrono::duration<Rep, Period> wait) {
  if (!(wait > wait.zero())) return Clock::now();
  if (!(wait < kMaxWait)) return Clock::now() + kMaxWait;
  return Clock::now() + std::chrono::ceil<Clock::duration>(wait);
}

template <class T>
class Fifo {
 public:
  Fifo(std::string name, std::size_t capacity) : name_(std::move(name)), capacity_(capacity) {
    if (capacity_ == 0) throw core::Error("fifo " + name_ + ": capacity must be at least 1");
  }
  Fifo(const Fifo&) = delete;
  Fifo& operator=(const Fifo&) = delete;

  const std::string& name() const { return name_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

  void push(T item, Deadline deadline, const std::stop_token& stop = {}) {
    std::unique_lock lock(mutex_);
    wait_for_room(lock, deadline, stop);
    items_.push_back(std::move(item));
    wake(lock, not_empty_, readers_waiting_, false);
  }

  T pop(Deadline deadline, const std::stop_token& stop = {}) {
    std::unique_lock lock(mutex_);
    wait_for_items(lock, deadline, stop);
    T item = std::move(items_.front());
    items_.pop_front();
    wake(lock, not_full_, writers_waiting_, false);
    return item;
  }

  // Pushes every item of `items` in order: one lock and one wake-up of the reader per run of
  // items that fit, instead of one per item. Back-pressure as for push: when the FIFO is full it
  // waits for room (until `deadline`), so a burst larger than the capacity still goes through.
  void push_all(std::vector<T>&& items, Deadline deadline, const std::stop_token& stop = {}) {
    for (std::size_t next = 0; next < items.size();) {
      std::unique_lock lock(mutex_);
      wait_for_room(lock, deadline, stop);
      while (next < items.size() && items_.size() < capacity_) {
        items_.push_back(std::move(items[next++]));
      }
      wake(lock, not_empty_, readers_waiting_, false);
    }
    items.clear();
  }

  // Waits as pop does, then appends every queued item (at least one) to `out`, in order.
  void pop_all(std::vector<T>& out, Deadline deadline, const std::stop_token& stop = {}) {
    std::unique_lock lock(mutex_);
    wait_for_items(lock, deadline, stop);
    for (T& item : items_) out.push_back(std::move(item));
    items_.clear();
    wake(lock, not_full_, writers_waiting_, true);  // room for every writer that waits
  }

  std::optional<T> try_pop() {
    std::unique_lock lock(mutex_);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    wake(lock, not_full_, writers_waiting_, false);
    return item;
  }

  // Threads blocked in a push or a pop now (for tests).
  int writers_waiting() const {
    std::lock_guard lock(mutex_);
    return writers_waiting_;
  }
  int readers_waiting() const {
    std::lock_guard lock(mutex_);
    return readers_waiting_;
  }

 private:
  // Waits on `cv` until `ready`, counted in `waiting` meanwhile; false at the deadline or stop.
  template <class Ready>
  bool wait(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv, int& waiting,
            const Deadline& deadline, const std::stop_token& stop, Ready ready) {
    if (ready()) return true;
    ++waiting;
    const bool ok = cv.wait_until(lock, stop, deadline, ready);
    --waiting;
    return ok;
  }
  void wait_for_room(std::unique_lock<std::mutex>& lock, Deadline deadline,
                     const std::stop_token& stop) {
    if (!wait(lock, not_full_, writers_waiting_, deadline, stop,
              [&] { return items_.size() < capacity_; })) {
      fail(lock, stop, "push", "full");
    }
  }
  void wait_for_items(std::unique_lock<std::mutex>& lock, Deadline deadline,
                      const std::stop_token& stop) {
    if (!wait(lock, not_empty_, readers_waiting_, deadline, stop,
              [&] { return !items_.empty(); })) {
      fail(lock, stop, "pop", "empty");
    }
  }
  // Unlocks, then notifies `cv` if anyone counted in `waiting` (read under the lock) waits on it.
  // A waiter counts itself under the lock before it sleeps, and condition_variable_any releases
  // the lock only once the waiter is inside its wait, so no wake-up is lost.
  static void wake(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv, int waiting,
                   bool all) {
    lock.unlock();
    if (waiting == 0) return;
    if (all) {
      cv.notify_all();
    } else {
      cv.notify_one();
    }
  }

  [[noreturn]] void fail(std::unique_lock<std::mutex>& lock, const std::stop_token& stop,
                         const char* op, const char* state) const {
    const std::size_t n = items_.size();
    lock.unlock();
    if (stop.stop_requested()) {
      throw core::Error(core::ErrorKind::failed,
                        fmt::format("stream {}: {} interrupted, the run was stopped", name_, op));
    }
    throw core::Error(core::ErrorKind::timeout,
                      fmt::format("stream {}: timed out waiting to {} ({} with {} of {} items)",
                                  name_, op, state, n, capacity_));
  }

  std::string name_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable_any not_full_, not_empty_;
  std::deque<T> items_;
  int writers_waiting_ = 0, readers_waiting_ = 0;
};

}  // namespace atl::platform
