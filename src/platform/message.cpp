#include "platform/message.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace atl::platform {
namespace {

void put_u32(std::uint8_t* at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t get_u32(const std::uint8_t* at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(at[i]) << (8 * i);
  return v;
}

// The header's fields into the first 16 bytes of a zeroed flit.
void put_header(const MessageHeader& h, std::uint8_t* flit) {
  put_u32(flit, h.rows);
  put_u32(flit + 4, h.cols);
  put_u32(flit + 8, h.valid_rows);
  put_u32(flit + 12, h.first_position);
}

}  // namespace

std::array<std::uint8_t, kFlitBytes> encode_header(const MessageHeader& h) {
  std::array<std::uint8_t, kFlitBytes> flit{};
  put_header(h, flit.data());
  return flit;
}

MessageHeader decode_header(std::span<const std::uint8_t> flit) {
  if (flit.size() < 16) throw core::Error("message header: flit shorter than 16 bytes");
  return {get_u32(flit.data()), get_u32(flit.data() + 4), get_u32(flit.data() + 8),
          get_u32(flit.data() + 12)};
}

template <class T>
Message to_message(const core::Tensor<T>& t) {
  if (t.rank() != 2) {
    throw core::Error("message: rows must come from a rank-2 tensor, got shape " +
                      core::to_string(t.shape()));
  }
  Message m;
  const auto rows = static_cast<std::uint32_t>(t.dim(0));
  m.header = {rows, static_cast<std::uint32_t>(t.dim(1)), rows};
  m.row_bytes = static_cast<std::size_t>(t.dim(1)) * sizeof(T);
  m.data.resize(static_cast<std::size_t>(t.size()) * sizeof(T));
  if (!m.data.empty()) std::memcpy(m.data.data(), t.data(), m.data.size());
  return m;
}

template <class T>
core::Tensor<T> to_tensor(const Message& m, const std::string& where) {
  if (m.row_bytes % sizeof(T) != 0 || m.data.size() != m.header.rows * m.row_bytes) {
    throw core::Error(fmt::format("{}: {} rows of {} bytes do not hold whole {}-byte elements",
                                  where, m.header.rows, m.row_bytes, sizeof(T)));
  }
  core::Tensor<T> t({static_cast<std::int64_t>(m.header.rows),
                     static_cast<std::int64_t>(m.row_bytes / sizeof(T))});
  if (!m.data.empty()) std::memcpy(t.data(), m.data.data(), m.data.size());
  return t;
}

template Message to_message(const core::Tensor<std::int8_t>&);
template Message to_message(const core::Tensor<std::uint8_t>&);
template Message to_message(const core::Tensor<std::int32_t>&);
template core::Tensor<std::int8_t> to_tensor(const Message&, const std::string&);
template core::Tensor<std::uint8_t> to_tensor(const Message&, const std::string&);
template core::Tensor<std::int32_t> to_tensor(const Message&, const std::string&);

Packet row_packet(std::span<const std::uint8_t> row, std::uint32_t src, std::uint32_t dest,
                  const MessageHeader* header) {
  Packet p;
  write_row_packet(p, row, src, dest, header);
  return p;
}

void write_row_packet(Packet& p, std::span<const std::uint8_t> row, std::uint32_t src,
                      std::uint32_t dest, const MessageHeader* header) {
  const std::size_t head = header ? kFlitBytes : 0;
  const std::size_t flits = (header ? 1 : 0) + (row.empty() && header ? 0 : flits_for(row.size()));
  if (flits > 0xffff) {
    throw core::Error(fmt::format("row of {} bytes needs {} flits; TUSER holds at most 65535",
                                  row.size(), flits));
  }
  p.dest = dest;
  p.id = src;
  p.cluster = 0;
  p.user = static_cast<std::uint16_t>(flits);
  p.keep = row.empty() && header ? kAllKeep : last_keep(row.size());
  p.data.assign(flits * kFlitBytes, 0);  // zero padding after the row, as on the wire
  if (header) put_header(*header, p.data.data());
  std::copy(row.begin(), row.end(), p.data.begin() + static_cast<std::ptrdiff_t>(head));
}

std::vector<Packet> pack(const Message& m, std::uint32_t src, std::uint32_t dest) {
  std::vector<Packet> out;
  out.reserve(std::max<std::size_t>(m.header.rows, 1));
  if (m.header.rows == 0) {
    out.push_back(row_packet({}, src, dest, &m.header));
    return out;
  }
  for (std::uint32_t r = 0; r < m.header.rows; ++r) {
    out.push_back(row_packet(m.row(r), src, dest, r == 0 ? &m.header : nullptr));
  }
  return out;
}

MessageReader::MessageReader(std::size_t row_bytes, std::uint32_t max_rows, std::string stream)
    : stream_(std::move(stream)), max_rows_(max_rows) {
  message_.row_bytes = row_bytes;
}

void MessageReader::fail(const std::string& what) const {
  throw core::Error(fmt::format("stream {}: {}", stream_, what));
}

void MessageReader::start(const MessageHeader& h) {
  if (h.rows > max_rows_ || h.valid_rows > h.rows) {
    fail(fmt::format("header announces {} rows ({} valid); at most {} expected", h.rows,
                     h.valid_rows, max_rows_));
  }
  message_.header = h;
  started_ = true;
  rows_seen_ = 0;
}

std::span<std::uint8_t> MessageReader::write(const MessageHeader& header) {
  if (started_) {
    fail(complete() ? "a message arrived before the previous one was read"
                    : "a message arrived in memory while one arrived in packets");
  }
  start(header);
  // The caller fills every byte: no clearing first (a step of as many rows as the last one
  // keeps the buffer's size and writes nothing else).
  message_.data.resize(header.rows * message_.row_bytes);
  rows_seen_ = header.rows;
  return message_.data;
}

bool MessageReader::add(const Packet& p) {
  validate(p, stream_);
  if (complete()) fail("a packet arrived after the message was complete");
  std::size_t at = 0;  // where the row starts in the packet payload
  if (!started_) {
    start(decode_header({p.data.data(), kFlitBytes}));
    message_.data.clear();  // the rows are appended as they come
    message_.data.reserve(message_.header.rows * message_.row_bytes);
    at = kFlitBytes;
    const MessageHeader& h = message_.header;
    if (h.rows > 0 && p.flit_count() < 2) fail("the first packet holds the header but no row");
    if (h.rows == 0) {
      if (p.flit_count() != 1) fail("a zero-row message must be the header flit alone");
      return true;
    }
  }
  const std::size_t bytes = p.payload_bytes() - at;
  if (bytes != message_.row_bytes) {
    fail(fmt::format("row {} holds {} bytes, expected {}", rows_seen_, bytes, message_.row_bytes));
  }
  message_.data.insert(message_.data.end(), p.data.begin() + static_cast<std::ptrdiff_t>(at),
                       p.data.begin() + static_cast<std::ptrdiff_t>(at + bytes));
  ++rows_seen_;
  return complete();
}

void MessageReader::fail_incomplete() const {
  fail(fmt::format("message incomplete: {} of {} rows", rows_seen_, message_.header.rows));
}

Message MessageReader::take() {
  if (!complete()) fail_incomplete();
  Message out = std::move(message_);
  message_ = Message{};
  message_.row_bytes = out.row_bytes;
  started_ = false;
  rows_seen_ = 0;
  return out;
}

}  // namespace atl::platform
