#include "platform/udp_transport.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "platform/bridge.h"
#include "platform/message.h"

namespace atl::platform {
namespace {

// Socket buffer for bursts: one int32 hidden-state message of 128 rows of 768 is 0.4 MB on the
// wire, and a node may receive several streams at once.
constexpr int kSocketBuffer = 64 << 20;
constexpr std::size_t kMaxDatagram = 65507;
// How often a barrier repeats its packet to the peers that have not answered yet.
constexpr auto kBarrierResend = std::chrono::milliseconds(5);

sockaddr_in address_of(const UdpEndpoint& e) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(e.port));
  if (inet_pton(AF_INET, e.host.c_str(), &a.sin_addr) != 1) {
    throw core::Error(fmt::format("UDP: '{}' is not an IPv4 address", e.host));
  }
  return a;
}

std::string errno_text() {
  return std::strerror(errno);
}

// One header flit with 0 rows and flags 0..3: what a barrier packet looks like (see
// send_barrier).
bool is_barrier_shaped(const Packet& p) {
  if (p.flit_count() != 1) return false;
  const MessageHeader h = decode_header({p.data.data(), kFlitBytes});
  return h.rows == 0 && h.valid_rows <= 3;
}

}  // namespace

std::vector<UdpEndpoint> loopback_endpoints(int nodes, int base_port) {
  if (base_port < 1 || nodes < 1 || base_port > 65536 - nodes) {
    throw core::Error(fmt::format("UDP port {}: {} nodes need ports {} to {}, within 1..65535",
                                  base_port, nodes, base_port,
                                  static_cast<long>(base_port) + nodes - 1));
  }
  std::vector<UdpEndpoint> e;
  for (int n = 0; n < nodes; ++n) e.push_back({"127.0.0.1", base_port + n});
  return e;
}

std::vector<UdpEndpoint> parse_endpoints(const std::string& text, int nodes) {
  std::vector<UdpEndpoint> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string entry = text.substr(at, comma - at);
    const std::size_t colon = entry.rfind(':');
    int port = 0;
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < entry.size() &&
              entry.size() - colon - 1 <= 5;  // a port has at most 5 digits
    if (ok) {
      for (char c : entry.substr(colon + 1)) ok = ok && c >= '0' && c <= '9';
      if (ok) port = std::stoi(entry.substr(colon + 1));
    }
    UdpEndpoint e{entry.substr(0, ok ? colon : 0), port};
    in_addr probe{};
    if (!ok || port < 1 || port > 65535 || inet_pton(AF_INET, e.host.c_str(), &probe) != 1) {
      throw core::Error(
          fmt::format("UDP endpoints: entry {} '{}' is not IPv4-address:port", out.size(), entry));
    }
    out.push_back(e);
    at = comma + 1;
  }
  if (static_cast<int>(out.size()) != nodes) {
    throw core::Error(
        fmt::format("UDP endpoints: {} given, the plan has {} nodes", out.size(), nodes));
  }
  return out;
}

UdpTransport::UdpTransport(std::vector<UdpEndpoint> endpoints, int self, UdpStart start)
    : endpoints_(std::move(endpoints)), self_(self), start_(start) {
  if (self_ < 0 || self_ >= static_cast<int>(endpoints_.size())) {
    throw core::Error(
        fmt::format("UDP: node {} outside the {} endpoints", self_, endpoints_.size()));
  }
  if (start_ == UdpStart::barrier && endpoints_.size() > 64) {
    throw core::Error(
        fmt::format("UDP: {} nodes; the barrier tracks at most 64", endpoints_.size()));
  }
  socket_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (socket_ < 0) throw core::Error(core::ErrorKind::io, "UDP: socket: " + errno_text());
  // SO_RCVBUFFORCE passes rmem_max where allowed; otherwise take what SO_RCVBUF gives.
  if (setsockopt(socket_, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0) {
    setsockopt(socket_, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
  }
  setsockopt(socket_, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
  const sockaddr_in a = address_of(endpoints_[self_]);
  if (::bind(socket_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    const std::string why = errno_text();
    ::close(socket_);
    throw core::Error(core::ErrorKind::io,
                      fmt::format("UDP: cannot bind {}:{} for node {}: {}", endpoints_[self_].host,
                                  endpoints_[self_].port, self_, why));
  }
}

UdpTransport::~UdpTransport() {
  receiver_.request_stop();
  if (receiver_.joinable()) receiver_.join();
  ::close(socket_);
}

Attachment UdpTransport::attach(int node, Router& router, Failure& failure) {
  if (node != self_) {
    throw core::Error(fmt::format("UDP: this process is node {}, not node {}", self_, node));
  }
  return Attachment(link_, router, failure);
}

void UdpTransport::send_bytes(int node, std::span<const std::uint8_t> bytes) {
  const sockaddr_in a = address_of(endpoints_.at(static_cast<std::size_t>(node)));
  if (::sendto(socket_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&a),
               sizeof a) != static_cast<ssize_t>(bytes.size())) {
    throw core::Error(core::ErrorKind::io,
                      fmt::format("UDP: sendto node {} ({}:{}): {}", node, endpoints_[node].host,
                                  endpoints_[node].port, errno_text()));
  }
}

void UdpTransport::send(int node, Packet p, Deadline deadline, std::stop_token stop) {
  const std::vector<std::uint8_t> bytes = to_wire(p);
  if (bytes.size() > kMaxDatagram) {
    throw core::Error(fmt::format("UDP: a {}-byte packet does not fit one datagram", bytes.size()));
  }
  const sockaddr_in a = address_of(endpoints_.at(static_cast<std::size_t>(node)));
  for (;;) {
    if (::sendto(socket_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&a),
                 sizeof a) == static_cast<ssize_t>(bytes.size())) {
      return;
    }
    // A full send buffer is back-pressure: wait for room until the deadline.
    const int err = errno;
    const bool full = err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS;
    if (!full || stop.stop_requested() || Clock::now() > deadline) {
      const core::ErrorKind kind = !full                   ? core::ErrorKind::io
                                   : stop.stop_requested() ? core::ErrorKind::failed
                                                           : core::ErrorKind::timeout;
      throw core::Error(
          kind, fmt::format("UDP: sendto node {} ({}:{}): {}", node, endpoints_[node].host,
                            endpoints_[node].port,
                            !full                   ? std::strerror(err)
                            : stop.stop_requested() ? "interrupted, the run was stopped"
                                                    : "send buffer still full at the deadline"));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

// A barrier packet is a zero-row message to kernel 0 (the GMI node): header cols = barrier
// generation, valid_rows bit 0 = "I heard you", bit 1 = "this is a reply"; bytes [15:12] =
// the sending node.
void UdpTransport::send_barrier(int node, std::uint32_t generation, bool heard_you, bool reply) {
  MessageHeader h{0, generation, (heard_you ? 1u : 0u) | (reply ? 2u : 0u)};
  Packet p = row_packet({}, 0, 0, &h);
  for (int i = 0; i < 4; ++i) p.data[12 + i] = static_cast<std::uint8_t>(self_ >> (8 * i));
  send_bytes(node, to_wire(p));
}

void UdpTransport::on_barrier_packet(const Packet& p, const std::string& where) {
  const MessageHeader h = decode_header({p.data.data(), kFlitBytes});
  std::uint32_t from = 0;
  for (int i = 0; i < 4; ++i) from |= static_cast<std::uint32_t>(p.data[12 + i]) << (8 * i);
  if (p.flit_count() != 1 || h.rows != 0 || h.valid_rows > 3) {
    throw core::Error(fmt::format(
        "{}: a packet for kernel 0 (the GMI node) must be a barrier packet: one header flit "
        "with 0 rows and flags 0..3, got {} flits, {} rows, flags {}",
        where, p.flit_count(), h.rows, h.valid_rows));
  }
  if (from >= endpoints_.size() || static_cast<int>(from) == self_) {
    throw core::Error(
        fmt::format("{}: barrier packet from node {}; the peers are nodes 0..{} "
                    "other than {}",
                    where, from, endpoints_.size() - 1, self_));
  }
  if (start_ == UdpStart::none) {
    // This node takes part in no barrier, but tells an atoll peer that does that it heard it.
    if (!(h.valid_rows & 2u)) send_barrier(static_cast<int>(from), h.cols, true, true);
    return;
  }
  bool answer = false;
  {
    std::lock_guard lock(barrier_mutex_);
    // A peer is at most one barrier ahead: it passes barrier g only once this node is in it.
    if (h.cols == 0 || h.cols > generation_ + 1) {
      throw core::Error(
          fmt::format("{}: barrier packet of node {} for barrier {}, but this node "
                      "has entered {} barriers",
                      where, from, h.cols, generation_));
    }
    BarrierState& s = barriers_[h.cols];
    s.heard |= std::uint64_t{1} << from;
    if (h.valid_rows & 1u) s.acked |= std::uint64_t{1} << from;
    // Answer every non-reply from a barrier this node has entered (or passed), so a peer that
    // missed our last packet still learns that we heard it.
    answer = !(h.valid_rows & 2u) && h.cols <= generation_;
  }
  if (answer) send_barrier(static_cast<int>(from), h.cols, true, true);
}

void UdpTransport::barrier(Deadline deadline, std::stop_token stop) {
  deadline_.store(deadline.time_since_epoch().count());
  std::uint32_t generation = 0;
  {
    std::lock_guard lock(barrier_mutex_);
    generation = ++generation_;
  }
  if (!receiver_.joinable()) {
    receiver_ = std::jthread([this](std::stop_token s) { receive_loop(s); });
  }
  if (start_ == UdpStart::none) {
    if (auto bad = received_.first()) throw core::Error(core::ErrorKind::failed, *bad);
    return;
  }
  const std::uint64_t others =
      ((endpoints_.size() == 64 ? ~std::uint64_t{0}
                                : (std::uint64_t{1} << endpoints_.size()) - 1)) &
      ~(std::uint64_t{1} << self_);
  for (;;) {
    // A bad datagram is the cause of whatever else went wrong: name it.
    if (auto bad = received_.first()) throw core::Error(core::ErrorKind::failed, *bad);
    BarrierState s;
    {
      std::lock_guard lock(barrier_mutex_);
      s = barriers_[generation];
    }
    if ((s.heard & others) == others && (s.acked & others) == others) return;
    if (stop.stop_requested() || Clock::now() > deadline) {
      std::string missing;
      for (std::size_t n = 0; n < endpoints_.size(); ++n) {
        if ((others >> n & 1) && !((s.heard & s.acked) >> n & 1)) {
          missing += fmt::format("{}{} ({}:{})", missing.empty() ? "" : ", ", n, endpoints_[n].host,
                                 endpoints_[n].port);
        }
      }
      const bool stopped = stop.stop_requested();
      throw core::Error(
          stopped ? core::ErrorKind::failed : core::ErrorKind::timeout,
          fmt::format("UDP barrier {}: node {} {} waiting for nodes {}", generation, self_,
                      stopped ? "stopped (the run failed)" : "timed out", missing));
    }
    for (std::size_t n = 0; n < endpoints_.size(); ++n) {
      if ((others >> n & 1) && !(s.acked >> n & 1)) {
        send_barrier(static_cast<int>(n), generation, (s.heard >> n) & 1, false);
      }
    }
    std::this_thread::sleep_for(kBarrierResend);
  }
}

void UdpTransport::receive_loop(std::stop_token stop) {
  std::vector<std::uint8_t> buffer(kMaxDatagram + 1);  // one more: a longer datagram shows
  while (!stop.stop_requested()) {
    pollfd fd{socket_, POLLIN, 0};
    if (::poll(&fd, 1, 20) <= 0) continue;
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(socket_, buffer.data(), buffer.size(), MSG_TRUNC,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) continue;
    ++datagrams_;
    char host[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &from.sin_addr, host, sizeof host);
    const std::string where =
        fmt::format("UDP node {} ({}:{}): datagram from {}:{}", self_, endpoints_[self_].host,
                    endpoints_[self_].port, host, ntohs(from.sin_port));
    Packet p;
    try {
      if (static_cast<std::size_t>(n) > kMaxDatagram) {
        throw core::Error(fmt::format("{}: {} bytes, more than a packet of at most {} bytes", where,
                                      n, kMaxDatagram));
      }
      p = from_wire(std::span(buffer).first(static_cast<std::size_t>(n)), where);
      // Kernel 0 is the GMI node. Barrier packets are one header flit for kernel 0; data for
      // kernel 0 (a virtual kernel's, behind GMISkew's byte) is two flits at least and goes to the
      // router's decoder. Without atoll's barrier only what has a barrier packet's shape (one
      // header flit, 0 rows, flags 0..3) is taken for one.
      if (p.dest == 0 && p.flit_count() == 1 &&
          (start_ == UdpStart::barrier || is_barrier_shaped(p))) {
        on_barrier_packet(p, where);
        continue;
      }
    } catch (const std::exception& e) {
      // A bad datagram: into the barriers' record and, while a run is attached, the run's, so
      // that either names the datagram rather than just the wait it ended.
      received_.record(e.what());
      link_->report(e.what());
      continue;
    }
    try {
      std::vector<Packet> burst;
      burst.push_back(std::move(p));
      link_->deliver(std::move(burst), Deadline(Deadline::duration(deadline_.load())), self_);
    } catch (const std::exception& e) {
      // The run's failure when one is attached (a delivery cut short by its end is no news to
      // it); a packet with no run to go to is a bad datagram.
      const std::string what = fmt::format("{}: {}", where, e.what());
      if (!link_->report(what)) received_.record(what);
    }
  }
}

}  // namespace atl::platform
