// A one-line progress bar on stderr for long runs. It stays silent for the first second (short
// runs print nothing) and unless stderr is a terminal or the user asked for it with --progress.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace atl::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, bool forced)
      : label_(std::move(label)), enabled_(forced || isatty(fileno(stderr))) {}
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar() {
    if (drawn_) fmt::print(stderr, "\n");
  }

  void update(double fraction) {
    if (!enabled_) return;
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    if (elapsed < std::chrono::seconds(1)) return;
    const int width = 40;
    const int full = static_cast<int>(fraction * width + 0.5);
    const double s = std::chrono::duration<double>(elapsed).count();
    fmt::print(stderr, "\r{} [{}{}] {:5.1f}% {:.1f} s", label_, std::string(full, '#'),
               std::string(width - full, '.'), fraction * 100, s);
    std::fflush(stderr);
    drawn_ = true;
  }

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace atl::cli
