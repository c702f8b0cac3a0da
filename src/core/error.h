// The one exception type of atoll. Every message names where the problem is (file, field,
// kernel, node) and what was expected, so the CLI can print it as one line. The kind says what
// sort of failure it is, so a caller that must react to one sort (the mapper trying a smaller
// knob set when a kernel does not fit, a transport that timed out) catches that kind and lets
// every other error through, instead of treating any error as control flow.
#pragma once

#include <stdexcept>
#include <string>

namespace atl::core {

enum class ErrorKind {
  invalid_input,  // a file, option or value the user gave is wrong (the default)
  io,             // a file or socket could not be read or written
  does_not_fit,   // a valid design does not fit the resources it is given
  unsupported,    // valid, but atoll does not implement it
  timeout,        // a blocking wait passed its deadline
  failed,         // a run failed for a reason outside the input (a peer died, a kernel threw)
  internal,       // a broken invariant: a bug in atoll
};

const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : Error(ErrorKind::invalid_input, what) {}
  Error(ErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

inline const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
      return "invalid input";
    case ErrorKind::io:
      return "I/O";
    case ErrorKind::does_not_fit:
      return "does not fit";
    case ErrorKind::unsupported:
      return "unsupported";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::failed:
      return "run failed";
    case ErrorKind::internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace atl::core
