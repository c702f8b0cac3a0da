// Whole-file reads and writes with errors that name the file, for every text format atoll
// writes (plans, graphs, XML, scales) and the text files it reads (JSON, YAML). Every input file
// is opened by open_input_file, the one place that says "is a directory" or "cannot open".
//
// Limits (README "Limits"): a text input holds at most kMaxTextFileBytes; a JSON value nests at
// most kMaxJsonDepth arrays and objects (atoll's own files nest 6 deep).
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>

#include "core/error.h"

namespace atl::core {

inline constexpr std::uintmax_t kMaxTextFileBytes = std::uintmax_t{64} << 20;  // 64 MiB
inline constexpr int kMaxJsonDepth = 64;

inline void write_text_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(ErrorKind::io, fmt::format("{}: cannot open for writing", path.string()));
  out << text;
  if (!out) throw Error(ErrorKind::io, fmt::format("{}: write failed", path.string()));
}

// Opens `path` (a regular file, a pipe or a device) for binary reading; `what` names the kind of
// file in errors: "x.yaml: cannot open model config: No such file or directory",
// "dir: is a directory, expected a model config".
inline std::ifstream open_input_file(const std::filesystem::path& path, std::string_view what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(fmt::format("{}: is a directory, expected {}", path.string(), what));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw Error(
        ErrorKind::io,
        fmt::format("{}: cannot open {}: {}", path.string(), what,
                    std::error_code(err ? err : ENOENT, std::generic_category()).message()));
  }
  return in;
}

// The whole of a text input file (at most kMaxTextFileBytes).
inline std::string read_text_file(const std::filesystem::path& path, std::string_view what) {
  std::ifstream in = open_input_file(path, what);
  auto too_big = [&] {
    return Error(fmt::format("{}: {} is larger than the limit of {} MiB", path.string(), what,
                             kMaxTextFileBytes >> 20));
  };
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);  // fails for a pipe
  if (!ec && size > kMaxTextFileBytes) throw too_big();
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxTextFileBytes) throw too_big();
  }
  if (in.bad()) throw Error(ErrorKind::io, fmt::format("{}: read failed", path.string()));
  return text;
}

// Parses JSON text; `where` names it in errors. Numbers that overflow a double (1e400) and values
// nested deeper than kMaxJsonDepth are invalid input, not internal errors.
inline nlohmann::json parse_json(std::string_view text, const std::string& where) {
  const nlohmann::json::parser_callback_t depth_limit =
      [&where](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if ((event == nlohmann::json::parse_event_t::object_start ||
             event == nlohmann::json::parse_event_t::array_start) &&
            depth >= kMaxJsonDepth) {
          throw Error(
              fmt::format("{}: invalid JSON: nested deeper than {} levels", where, kMaxJsonDepth));
        }
        return true;
      };
  try {
    return nlohmann::json::parse(text, depth_limit);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: invalid JSON: {}", where, e.what()));
  }
}

// Reads and parses a JSON file; `what` names the kind of file in the "cannot open" error.
inline nlohmann::json read_json_file(const std::filesystem::path& path, std::string_view what) {
  return parse_json(read_text_file(path, what), path.string());
}

}  // namespace atl::core
