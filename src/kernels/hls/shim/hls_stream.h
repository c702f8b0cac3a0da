// hls_stream.h for the C simulation without vendor tools: Vitis HLS 2023.1's hls::stream<T>
// (UG1399, "HLS Stream Library") with the members atoll's generated code uses: a name
// constructor, read(), read(T&), write(), empty(), full(), read_nb(), write_nb(), size(). As in
// Vitis's own C simulation the FIFO is unbounded (full() is false, write() never blocks) and
// DEPTH only documents the hardware's depth.
//
// Unlike Vitis's, it is thread-safe (the csim harness runs every kernel in its own thread) and
// never hangs: a blocking read waits at most ATOLL_CSIM_DEADLINE_S seconds (default 60; a
// decimal number > 0), then prints one line to stderr and exits with status 1:
//     csim: stream 'c0.kern_5.in_r': no data for 60 s (deadlock or a missing sender)
// (exit, not an exception: the generated code compiles with -fno-exceptions). With Vitis present
// the real header is used instead.
#ifndef ATOLL_SHIM_HLS_STREAM_H
#define ATOLL_SHIM_HLS_STREAM_H

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>

namespace atl_shim {

// The blocking-read deadline in seconds from ATOLL_CSIM_DEADLINE_S (60 when unset); exits with
// status 1 and one line when it is set to anything but a number > 0.
inline double csim_deadline_s() {
  const char* text = std::getenv("ATOLL_CSIM_DEADLINE_S");
  if (text == nullptr || *text == '\0') return 60;
  char* end = nullptr;
  const double s = std::strtod(text, &end);
  if (*end != '\0' || !(s > 0) || s > 1e6) {
    std::fprintf(stderr,
                 "csim: ATOLL_CSIM_DEADLINE_S='%s' is not a number of seconds in (0, 1e6]\n", text);
    std::fflush(stderr);
    std::_Exit(1);
  }
  return s;
}

}  // namespace atl_shim

namespace hls {

template <class T, int DEPTH = 0>
class stream {
 public:
  stream() : name_("(unnamed)") {}
  explicit stream(const char* name) : name_(name) {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  // The next element; waits for one at most the csim deadline, then exits (see above).
  T read() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (fifo_.empty()) {
      const double s = atl_shim::csim_deadline_s();
      const auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(s));
      if (!changed_.wait_for(lock, wait, [this] { return !fifo_.empty(); })) {
        std::fprintf(stderr, "csim: stream '%s': no data for %g s (deadlock or a missing sender)\n",
                     name_.c_str(), s);
        std::fflush(stderr);
        std::_Exit(1);
      }
    }
    T v = fifo_.front();
    fifo_.pop_front();
    return v;
  }
  void read(T& v) { v = read(); }
  // Takes the next element if there is one.
  bool read_nb(T& v) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fifo_.empty()) return false;
    v = fifo_.front();
    fifo_.pop_front();
    return true;
  }
  void write(const T& v) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fifo_.push_back(v);
    }
    changed_.notify_all();
  }
  bool write_nb(const T& v) {
    write(v);
    return true;
  }
  bool empty() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return fifo_.empty();
  }
  bool full() const { return false; }
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return fifo_.size();
  }

 private:
  std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> fifo_;
};

}  // namespace hls

#endif  // ATOLL_SHIM_HLS_STREAM_H
