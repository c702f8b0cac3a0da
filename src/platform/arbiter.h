// Cluster Builder's Arbiter (and GatherRecv) on whole messages: a kernel's input packets arrive
// on one stream and are told apart by TID, the sender's ID (src/modules.hpp: TID == the first
// source's ID -> input 0, else input 1). One message per source, handed out in source order:
// for a compute kernel source i feeds input port i, for a gather the pieces' order.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "platform/message.h"
#include "platform/ports.h"

namespace atl::platform {

class Arbiter {
 public:
  // `receiver` names the kernel in errors; `max_rows`: the most rows a message may have.
  Arbiter(std::span<const Source> sources, std::uint32_t max_rows, const std::string& receiver);

  // Takes the next packet; returns true once every source's message is complete. Throws
  // core::Error naming the TID and the expected ones when no source sends with the packet's
  // TID, and whatever MessageReader::add throws for a malformed message.
  bool add(const Packet& p);
  bool complete() const { return done_ == readers_.size(); }
  // Indices of the sources whose message is not complete yet.
  std::vector<std::size_t> missing() const;
  // One message per source, in source order; the arbiter is then ready for the next sequence.
  std::vector<Message> take();

 private:
  std::vector<std::uint32_t> tids_;
  std::vector<MessageReader> readers_;
  std::size_t done_ = 0;
};

}  // namespace atl::platform
