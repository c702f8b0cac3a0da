#include "platform/comm_kernel.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace atl::platform {
namespace {

// Bytes [offset, offset + bytes) of every row of `m`, the header kept.
Message chunk(const Message& m, std::size_t offset, std::size_t bytes) {
  Message out;
  out.header = m.header;
  out.row_bytes = bytes;
  out.data.resize(m.header.rows * bytes);
  for (std::size_t r = 0; r < m.header.rows; ++r) {
    const auto row = m.row(r).subspan(offset, bytes);
    std::copy(row.begin(), row.end(), out.row(r).begin());
  }
  return out;
}

}  // namespace

Message gather(std::span<const Message> by_source) {
  if (by_source.empty()) throw core::Error("gather: no sources");
  Message out;
  out.header = by_source[0].header;
  for (std::size_t s = 0; s < by_source.size(); ++s) {
    if (by_source[s].header.rows != out.header.rows) {
      throw core::Error(fmt::format("gather: source {} sent {} rows, source 0 sent {}", s,
                                    by_source[s].header.rows, out.header.rows));
    }
    out.row_bytes += by_source[s].row_bytes;
  }
  out.data.resize(out.header.rows * out.row_bytes);
  std::uint8_t* at = out.data.data();
  for (std::size_t r = 0; r < out.header.rows; ++r) {
    for (const Message& m : by_source) {
      if (m.row_bytes == 0) continue;
      std::memcpy(at, m.row(r).data(), m.row_bytes);
      at += m.row_bytes;
    }
  }
  return out;
}

std::vector<Message> comm_outputs(plan::CommOp op, std::vector<Message> in, std::size_t dests) {
  const char* name = plan::to_string(op);
  const bool one_source = op == plan::CommOp::broadcast || op == plan::CommOp::scatter;
  if (in.empty() || dests == 0 || (one_source && in.size() != 1) ||
      (op == plan::CommOp::forward && in.size() != dests)) {
    throw core::Error(
        fmt::format("{}: {} source message(s) for {} dest(s)", name, in.size(), dests));
  }
  switch (op) {
    case plan::CommOp::forward:
      return in;
    case plan::CommOp::scatter: {
      const Message& m = in[0];
      if (m.row_bytes % dests != 0) {
        throw core::Error(fmt::format("scatter: {}-byte rows do not split into {} equal chunks",
                                      m.row_bytes, dests));
      }
      const std::size_t bytes = m.row_bytes / dests;
      std::vector<Message> out;
      for (std::size_t d = 0; d < dests; ++d) out.push_back(chunk(m, d * bytes, bytes));
      return out;
    }
    case plan::CommOp::broadcast:
      return std::vector<Message>(dests, in[0]);
    case plan::CommOp::gather:
    case plan::CommOp::gather_broadcast:
      return std::vector<Message>(dests, gather(in));
  }
  throw core::Error(core::ErrorKind::internal,
                    fmt::format("unknown CommOp {}", static_cast<int>(op)));
}

}  // namespace atl::platform
