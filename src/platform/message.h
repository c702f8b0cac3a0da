// The message convention of the I-BERT kernels (reference-system.md §2.3): a message is one
// sequence's rows. Its first flit is a header (data[31:0] = N rows, [63:32] = N_c columns,
// [95:64] = the unpadded N, and for the decoders [127:96] = the step's first position); then
// every row travels as its own packet with TLAST at the row's end. The header rides in the
// first packet, which is why that packet's TUSER is one larger.
//
// The step descriptor of a decoder: a message holds the rows of one step, the tokens at
// positions first_position .. first_position + rows - 1 (a prefill: the prompt's rows from 0; a
// decode step: one row). An encoder's message keeps its meaning, first position 0.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "platform/packet.h"

namespace atl::platform {

struct MessageHeader {
  std::uint32_t rows = 0;            // N: rows (tokens) that follow
  std::uint32_t cols = 0;            // N_c: elements per row (key columns for attention scores)
  std::uint32_t valid_rows = 0;      // unpadded N: rows that hold real tokens
  std::uint32_t first_position = 0;  // decoders: the position of the first row
  friend bool operator==(const MessageHeader&, const MessageHeader&) = default;
};

std::array<std::uint8_t, kFlitBytes> encode_header(const MessageHeader& h);
MessageHeader decode_header(std::span<const std::uint8_t> flit);

// A whole message in memory: the header and `rows` rows of `row_bytes` bytes each.
struct Message {
  MessageHeader header;
  std::size_t row_bytes = 0;
  std::vector<std::uint8_t> data;  // header.rows * row_bytes

  std::span<const std::uint8_t> row(std::size_t i) const {
    return {data.data() + i * row_bytes, row_bytes};
  }
  std::span<std::uint8_t> row(std::size_t i) { return {data.data() + i * row_bytes, row_bytes}; }
  friend bool operator==(const Message&, const Message&) = default;
};

// A rank-2 tensor as a message (rows = dim 0, cols = dim 1, all rows valid) and back. to_tensor
// throws core::Error naming `where` when the row size is not a whole number of T.
template <class T>
Message to_message(const core::Tensor<T>& t);
template <class T>
core::Tensor<T> to_tensor(const Message& m, const std::string& where);

// One row as a packet from kernel `src` to `dest`; with `header` the header flit goes first.
Packet row_packet(std::span<const std::uint8_t> row, std::uint32_t src, std::uint32_t dest,
                  const MessageHeader* header);
// The same into `p` (every field set), reusing the storage of `p.data`.
void write_row_packet(Packet& p, std::span<const std::uint8_t> row, std::uint32_t src,
                      std::uint32_t dest, const MessageHeader* header);

// All packets of a message, in wire order. A message of zero rows is the header alone.
std::vector<Packet> pack(const Message& m, std::uint32_t src, std::uint32_t dest);

// Reassembles one message from its packets and rejects anything that breaks the convention:
// wrong TUSER, a row of the wrong size, more rows than the header announced, a header that does
// not match what the stream carries. Invariant: data holds exactly the rows accepted so far.
class MessageReader {
 public:
  // `row_bytes`: the size every row must have; `max_rows`: the most rows a header may announce
  // (the sequence length); `stream` names the stream in errors.
  MessageReader(std::size_t row_bytes, std::uint32_t max_rows, std::string stream);

  // Takes the next packet of the message; returns true once the last row has arrived.
  bool add(const Packet& p);
  bool started() const { return started_; }
  bool complete() const { return started_ && rows_seen_ == message_.header.rows; }
  // The finished message; the reader is then ready for the next one.
  Message take();
  // The finished message without moving it out: valid until next(), which readies the reader
  // for the next message and keeps the row buffer's storage.
  const Message& message() const {
    if (!complete()) fail_incomplete();
    return message_;
  }
  void next() {
    if (!complete()) fail_incomplete();
    started_ = false;
    rows_seen_ = 0;
  }
  // A whole message handed over in memory instead of as packets (from a kernel on the same
  // node): checks the header as add() does (and that no message is in progress) and returns the
  // space of its rows, header.rows x row_bytes, for the caller to fill; the message is then
  // complete.
  std::span<std::uint8_t> write(const MessageHeader& header);

 private:
  [[noreturn]] void fail(const std::string& what) const;
  // "message incomplete: R of N rows" (out of line: message() and next() run per stream and step).
  [[noreturn]] void fail_incomplete() const;
  // Checks the header of a new message and makes it the current one, with no rows yet.
  void start(const MessageHeader& h);

  std::string stream_;
  std::uint32_t max_rows_;
  Message message_;
  bool started_ = false;
  std::uint32_t rows_seen_ = 0;
};

}  // namespace atl::platform
