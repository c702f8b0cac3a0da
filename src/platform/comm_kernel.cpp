#include "platform/comm_kernel.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "platform/gmi.h"

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
