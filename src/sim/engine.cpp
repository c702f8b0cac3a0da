// The event loop of simulate(). Two kinds of events, both in one EventQueue:
//  - a kernel "step": the kernel takes every next row whose inputs and downstream room are
//    already known (their times may lie ahead of the clock), then registers on the one stream it
//    is waiting for and sleeps until that stream wakes it. A row's accept time depends only on
//    those, so taking it early gives exactly the time a row-by-row loop would.
//  - a network "hop": a row's packets reach the next link of their route and queue for it. Links
//    shared by several producers must serve rows in arrival order, hence an event per row and
//    link; a link of one producer is served at once.
// Rows leaving a kernel for consumers on the same destination node travel together as one
// transfer (a GMI scatter or broadcast to several kernels of one FPGA is one burst of packets),
// which keeps network events per row small.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "cost/cost.h"
#include "cost/estimate.h"
#include "sim/network.h"
#include "sim/sim.h"

namespace atl::sim {
namespace {

constexpr Picos kPending = std::numeric_limits<Picos>::max();  // row is in the network
constexpr std::uint32_t kHopBit = 1u << 23;                    // payload: network hop event

enum class CauseKind : std::uint8_t { none, self, input, output, outport };

// Why a kernel accepted a row when it did: the constraint that was satisfied last.
struct Cause {
  CauseKind kind = CauseKind::none;
  int stream = -1;
  std::int64_t row = -1;  // input: producer row awaited; output: consumer row that freed room
};

struct StreamState {
  int producer = 0, consumer = 0, port = 0;
  int group = 0;                // the producer's transfer group that carries it
  std::int64_t capacity = 0;    // FIFO depth in rows (packets in flight included)
  bool whole_sequence = false;  // consumer needs (and frees) a whole sequence at a time
  std::vector<Picos> arrival;   // ring of `capacity` slots: when row r reached the consumer
  std::vector<Picos> freed_at;  // ring of `capacity` slots: when the consumer released row r
  std::int64_t emitted = 0, released = 0;
  // The row the sleeping consumer waits for (-1: awake); a sequence buffer wakes its consumer
  // only with the sequence's last row, not with every row.
  std::int64_t consumer_waits_for = -1;
  bool producer_waiting = false;
};

// The rows one producer sends to the consumers it has on one destination node.
struct Group {
  int producer = 0, dst_node = 0;
  std::vector<int> streams;
  Picos outport = 0;             // cycles of its flits through the producer's output port
  std::vector<int> route;        // network links; empty on chip (or with an ideal network)
  Picos ser = 0, ser_first = 0;  // per link; the first row of a sequence carries the header
  std::int64_t bytes = 0, bytes_first = 0;
};

struct KernelState {
  Picos cpt = 0, fill = 0;
  bool waits_port1 = false;
  std::vector<int> inputs;  // stream indices
  std::vector<int> groups;  // output transfer groups
  // run state
  std::int64_t next_row = 0;
  Picos last_accept = 0, outport_free = 0;
  bool pending = false;  // a try event is queued
  Cause blocker;         // what it last went to sleep on
  Picos busy = 0, starved = 0, blocked = 0;
};

struct Flight {
  int group = 0;
  std::int64_t row = 0;
  int hop = 0;
};

Picos cycles_to_ps(std::int64_t cycles, double mhz) {
  return std::llround(static_cast<double>(cycles) * 1e6 / mhz);
}

// One simulation run over `sequences` back-to-back sequences.
class Run {
 public:
  Run(const plan::Plan& plan, const Network& net, const Options& opt, std::int64_t sequences,
      bool record)
      : plan_(plan),
        net_(net),
        opt_(opt),
        S_(plan.graph.seq_len),
        total_(sequences * S_),
        sequences_(sequences),
        record_(record) {
    build();
  }

  void run() {
    for (int k = 0; k < static_cast<int>(kernels_.size()); ++k) wake(k, 0);
    std::uint64_t since_progress = 0;
    while (!queue_.empty()) {
      const Event e = queue_.begin_pop();
      now_ = e.time;
      ++events_;
      std::uint32_t p = e.payload();
      if (p & kHopBit) {
        hop(p & ~kHopBit);
      } else {
        kernels_[p].pending = false;
        step(static_cast<int>(p));
      }
      queue_.finish_pop();
      if (opt_.progress && ++since_progress == (1u << 20)) {
        since_progress = 0;
        opt_.progress(static_cast<double>(sink_rows_) / static_cast<double>(total_));
      }
    }
    if (sink_rows_ != total_) deadlock();
    if (opt_.progress) opt_.progress(1.0);
  }

  // Results of the run.
  std::int64_t events() const { return events_; }
  const std::vector<Picos>& done() const { return done_; }
  const std::vector<Picos>& injected() const { return injected_; }
  const std::vector<KernelState>& kernels() const { return kernels_; }
  const std::vector<Picos>& link_busy() const { return link_busy_; }
  const std::vector<std::int64_t>& link_bytes() const { return link_bytes_; }
  const std::vector<std::int64_t>& link_rows() const { return link_rows_; }

  std::vector<PathStep> critical_path() const;
  Picos accept_time(int k, std::int64_t row) const { return accept_[k * S_ + row]; }

 private:
  void build();
  void wake(int k, Picos when) {
    KernelState& ks = kernels_[k];
    if (ks.pending || ks.next_row == total_) return;
    ks.pending = true;
    queue_.push(std::max(when, now_), static_cast<std::uint32_t>(k));
  }
  void step(int k);
  void accept(int k, const Cause& cause, Picos at);
  void hop(std::uint32_t flight);
  void travel(std::uint32_t flight, Picos head);
  void deliver(const Group& grp, std::int64_t row, Picos at);
  [[noreturn]] void deadlock() const;

  const plan::Plan& plan_;
  const Network& net_;
  const Options& opt_;
  const std::int64_t S_, total_, sequences_;
  const bool record_;

  std::vector<KernelState> kernels_;
  std::vector<StreamState> streams_;
  std::vector<Group> groups_;
  std::vector<Picos> link_free_, link_busy_;
  std::vector<bool> private_link_;  // carries one producer's rows only (see build())
  std::vector<std::int64_t> link_bytes_, link_rows_;
  std::vector<Flight> flights_;
  std::vector<std::uint32_t> free_flights_;
  EventQueue queue_;
  Picos now_ = 0;
  std::int64_t events_ = 0, sink_rows_ = 0;
  int sink_ = -1, source_ = -1;
  std::vector<Picos> done_, injected_;
  // Recorded for sequence 0 (latency run only): per kernel row, accept time and cause; per
  // stream row, departure from the producer's port and arrival at the consumer.
  std::vector<Picos> accept_;
  std::vector<Cause> cause_;
  std::vector<Picos> depart_, arrive_;
};

void Run::build() {
  const graph::Graph& g = plan_.graph;
  const int nk = static_cast<int>(g.kernels.size());
  kernels_.resize(nk);
  // The same per-kernel costs as the analytic estimate (source and sink, the host's ends, cost
  // nothing), so the two models differ only in how they combine them.
  const std::vector<cost::KernelCost> costs =
      cost::kernel_costs(g, plan_.cluster, plan_.node_of_kernel);
  for (int k = 0; k < nk; ++k) {
    const graph::Kernel& kernel = g.kernels[k];
    const hw::Device& dev = plan_.cluster.nodes[plan_.node_of_kernel[k]].device;
    const cost::KernelCost& c = costs[k];
    kernels_[k].cpt = cycles_to_ps(c.cycles_per_token, dev.kernel_clock_mhz);
    kernels_[k].fill = cycles_to_ps(c.fill_cycles, dev.kernel_clock_mhz);
    kernels_[k].waits_port1 = c.waits_for_port1_sequence;
    if (kernel.role == graph::Role::sink) sink_ = k;
    if (kernel.role == graph::Role::source) source_ = k;
  }
  if (sink_ < 0 || source_ < 0) {
    throw core::Error(
        fmt::format("plan graph '{}': needs one source and one sink kernel", g.model));
  }

  streams_.resize(g.streams.size());
  for (std::size_t i = 0; i < g.streams.size(); ++i) {
    const graph::Stream& s = g.streams[i];
    StreamState& st = streams_[i];
    st.producer = s.producer;
    st.consumer = s.consumer;
    st.port = s.port;
    const bool consumer_buffers = kernels_[s.consumer].waits_port1;
    st.whole_sequence = consumer_buffers && s.port == 1;
    st.capacity = (s.port == 1 || consumer_buffers) ? opt_.sequence_buffers * S_ : opt_.fifo_rows;
    kernels_[s.consumer].inputs.push_back(static_cast<int>(i));

    // Find or open the producer's group for the consumer's node.
    const int dst = plan_.node_of_kernel[s.consumer];
    KernelState& pk = kernels_[s.producer];
    int gi = -1;
    for (int cand : pk.groups) {
      if (groups_[cand].dst_node == dst) gi = cand;
    }
    if (gi < 0) {
      gi = static_cast<int>(groups_.size());
      Group fresh;
      fresh.producer = s.producer;
      fresh.dst_node = dst;
      groups_.push_back(std::move(fresh));
      pk.groups.push_back(gi);
    }
    Group& grp = groups_[gi];
    grp.streams.push_back(static_cast<int>(i));
    st.group = gi;

    const int src = plan_.node_of_kernel[s.producer];
    const hw::Device& sdev = plan_.cluster.nodes[src].device;
    cost::StreamCost on_chip = cost::stream_cost(s, g, plan_.cluster.network, 0);
    grp.outport += cycles_to_ps(on_chip.on_chip_cycles_per_token, sdev.kernel_clock_mhz);
    if (src != dst && !opt_.ideal_network) {
      cost::StreamCost wire =
          cost::stream_cost(s, g, plan_.cluster.network, hw::hops(plan_.cluster, src, dst));
      grp.route = net_.route(src, dst);
      grp.bytes += wire.wire_bytes_per_token;
      grp.bytes_first += wire.wire_bytes_per_token + wire.message_header_flits * 64;
    }
  }
  // A link that carries one producer's rows only sees them in that producer's order, which is
  // also the order they reach it: it needs no event to be served first come, first served.
  std::vector<int> owner(net_.links.size(), -1);
  for (const Group& grp : groups_) {
    for (int l : grp.route)
      owner[l] = owner[l] == -1 || owner[l] == grp.producer ? grp.producer : -2;
  }
  private_link_.assign(net_.links.size(), false);
  for (std::size_t l = 0; l < owner.size(); ++l) private_link_[l] = owner[l] >= 0;
  for (Group& grp : groups_) {
    if (grp.route.empty()) continue;
    const double ps_per_byte = net_.links[grp.route.front()].ps_per_byte;
    grp.ser = std::llround(static_cast<double>(grp.bytes) * ps_per_byte);
    grp.ser_first = std::llround(static_cast<double>(grp.bytes_first) * ps_per_byte);
    // Galapagos sends UDP with no flow control across the network, so a receive FIFO must hold
    // what is in flight (the bandwidth-delay product) or it drops packets. Credits here count
    // rows in flight, so a network stream gets that many rows on top of its FIFO depth; without
    // them a fast producer would be throttled to one FIFO-full per hop round trip.
    Picos latency = grp.ser;
    for (int l : grp.route) latency += net_.links[l].latency;
    const Picos interval = std::max({kernels_[grp.producer].cpt, grp.ser, grp.outport, Picos{1}});
    for (int si : grp.streams) streams_[si].capacity += (latency + interval - 1) / interval;
  }
  for (StreamState& st : streams_) {
    st.arrival.assign(st.capacity, 0);
    st.freed_at.assign(st.capacity, 0);
  }
  if (nk >= static_cast<int>(kHopBit)) {
    throw core::Error(fmt::format(
        "plan graph '{}': {} kernels, the simulator handles fewer than {}", g.model, nk, kHopBit));
  }
  link_free_.assign(net_.links.size(), 0);
  link_busy_.assign(net_.links.size(), 0);
  link_bytes_.assign(net_.links.size(), 0);
  link_rows_.assign(net_.links.size(), 0);
  done_.assign(sequences_, 0);
  injected_.assign(sequences_, 0);
  if (record_) {
    accept_.assign(static_cast<std::size_t>(nk) * S_, 0);
    cause_.assign(static_cast<std::size_t>(nk) * S_, {});
    depart_.assign(streams_.size() * S_, 0);
    arrive_.assign(streams_.size() * S_, 0);
  }
}

// The kernel takes rows for as long as everything they wait for is known: input rows that have
// been sent (their arrival time is known, even if it is later than now), room downstream that has
// been freed (when is known), its own pace and output port. Such a row's accept time is exact
// whatever happens elsewhere later, so it is accepted now, at its own (possibly future) time;
// the kernel sleeps on the first stream whose row or room is not known yet.
void Run::step(int k) {
  KernelState& ks = kernels_[k];
  while (ks.next_row < total_) {
    const std::int64_t r = ks.next_row;
    Picos t = r == 0 ? 0 : ks.last_accept + ks.cpt;
    Cause cause{r == 0 ? CauseKind::none : CauseKind::self, -1, r - 1};
    // Inputs are scanned last to first: gathered rows arrive in producer order, so sleeping on
    // the last missing one saves a wake-up per producer.
    for (auto it = ks.inputs.rbegin(); it != ks.inputs.rend(); ++it) {
      const int si = *it;
      StreamState& st = streams_[si];
      const std::int64_t need = st.whole_sequence ? (r / S_) * S_ + S_ - 1 : r;
      if (st.emitted <= need || st.arrival[need % st.capacity] == kPending) {
        st.consumer_waits_for = need;
        ks.blocker = {CauseKind::input, si, need};
        return;
      }
      const Picos a = st.arrival[need % st.capacity];
      if (a > t) {
        t = a;
        cause = {CauseKind::input, si, need};
      }
    }
    for (int gi : ks.groups) {
      for (int si : groups_[gi].streams) {
        StreamState& st = streams_[si];
        const std::int64_t freed = r - st.capacity;  // the row whose slot row r takes
        const std::int64_t consumer_row = st.whole_sequence ? (freed / S_) * S_ + S_ - 1 : freed;
        if (r >= st.released + st.capacity) {
          st.producer_waiting = true;
          ks.blocker = {CauseKind::output, si, consumer_row};
          return;
        }
        if (freed >= 0 && st.freed_at[freed % st.capacity] > t) {
          t = st.freed_at[freed % st.capacity];
          cause = {CauseKind::output, si, consumer_row};
        }
      }
    }
    // The output port must have sent the previous row before this one comes out.
    if (ks.outport_free - ks.cpt - ks.fill > t) {
      t = ks.outport_free - ks.cpt - ks.fill;
      cause = {CauseKind::outport, -1, r - 1};
    }
    // Wake-ups come at the time their cause resolves, so t >= now; should one come late, the
    // row waited for what woke the kernel.
    accept(k, t >= now_ ? cause : ks.blocker, std::max(t, now_));
  }
}

void Run::accept(int k, const Cause& cause, Picos at) {
  KernelState& ks = kernels_[k];
  const std::int64_t r = ks.next_row;
  const Picos earliest = r == 0 ? 0 : ks.last_accept + ks.cpt;
  const Picos gap = at - earliest;
  if (cause.kind == CauseKind::output || cause.kind == CauseKind::outport) {
    ks.blocked += gap;
  } else {
    ks.starved += gap;
  }
  ks.busy += ks.cpt;
  ks.last_accept = at;
  ks.next_row = r + 1;
  if (record_ && r < S_) {
    accept_[k * S_ + r] = at;
    cause_[k * S_ + r] = cause;
  }
  if (k == source_ && r % S_ == 0) injected_[r / S_] = at;
  if (k == sink_) {
    ++sink_rows_;
    if (r % S_ == S_ - 1) done_[r / S_] = at;
  }

  // Free the input slots: ordinary FIFOs row by row, sequence buffers at the sequence's end.
  for (int si : ks.inputs) {
    StreamState& st = streams_[si];
    if (st.whole_sequence) {
      if (r % S_ != S_ - 1) continue;
      for (std::int64_t row = r + 1 - S_; row <= r; ++row) st.freed_at[row % st.capacity] = at;
    } else {
      st.freed_at[r % st.capacity] = at;
    }
    st.released = r + 1;
    if (st.producer_waiting) {
      st.producer_waiting = false;
      wake(st.producer, at);
    }
  }

  // Emit: each group's flits leave the output port in turn, then travel on chip or by network.
  const Picos out = at + ks.cpt + ks.fill;
  for (int gi : ks.groups) {
    Group& grp = groups_[gi];
    ks.outport_free = std::max(ks.outport_free, out) + grp.outport;
    const Picos depart = ks.outport_free;
    for (int si : grp.streams) {
      streams_[si].emitted = r + 1;
      if (record_ && r < S_) depart_[si * S_ + r] = depart;
    }
    if (grp.route.empty()) {
      deliver(grp, r, depart);
      continue;
    }
    for (int si : grp.streams) {
      StreamState& st = streams_[si];
      st.arrival[r % st.capacity] = kPending;
    }
    std::uint32_t f;
    if (free_flights_.empty()) {
      f = static_cast<std::uint32_t>(flights_.size());
      if (f >= kHopBit) throw core::Error("simulation: more than 8M rows in flight at once");
      flights_.push_back({gi, r, 0});
    } else {
      f = free_flights_.back();
      free_flights_.pop_back();
      flights_[f] = {gi, r, 0};
    }
    if (private_link_[grp.route.front()]) {
      travel(f, depart);
    } else {
      queue_.push(depart, kHopBit | f);
    }
  }
}

void Run::deliver(const Group& grp, std::int64_t row, Picos at) {
  for (int si : grp.streams) {
    StreamState& st = streams_[si];
    st.arrival[row % st.capacity] = at;
    if (record_ && row < S_) arrive_[si * S_ + row] = at;
    if (st.consumer_waits_for >= 0 && row >= st.consumer_waits_for) {
      st.consumer_waits_for = -1;
      wake(st.consumer, at);
    }
  }
}

// The head of a row's packets reaches link `hop` of its route at `now_`: it waits for the link to
// be free (FIFO, so a busy switch output port queues senders), then occupies it for the
// serialisation. Private links that follow are served at once; a shared one gets an event at the
// time the head reaches it, so that senders are served in time order.
void Run::hop(std::uint32_t f) {
  travel(f, now_);
}

void Run::travel(std::uint32_t f, Picos head) {
  Flight& fl = flights_[f];
  const Group& grp = groups_[fl.group];
  const bool first = fl.row % S_ == 0;
  const Picos ser = first ? grp.ser_first : grp.ser;
  const std::int64_t bytes = first ? grp.bytes_first : grp.bytes;
  for (;;) {
    const int link = grp.route[fl.hop];
    const Picos start = std::max(head, link_free_[link]);
    link_free_[link] = start + ser;
    link_busy_[link] += ser;
    link_bytes_[link] += bytes;
    ++link_rows_[link];
    head = start + net_.links[link].latency;
    if (++fl.hop == static_cast<int>(grp.route.size())) break;
    if (!private_link_[grp.route[fl.hop]]) {
      queue_.push(head, kHopBit | f);
      return;
    }
  }
  deliver(grp, fl.row, head + ser);
  free_flights_.push_back(f);
}

void Run::deadlock() const {
  std::string waiting;
  int listed = 0;
  for (std::size_t k = 0; k < kernels_.size() && listed < 5; ++k) {
    const KernelState& ks = kernels_[k];
    if (ks.next_row == total_) continue;
    const Cause& b = ks.blocker;
    const graph::Graph& g = plan_.graph;
    std::string on = "nothing";
    if (b.stream >= 0) {
      const graph::Stream& s = g.streams[b.stream];
      on = fmt::format("{} row {} of stream {} -> {}",
                       b.kind == CauseKind::input ? "input" : "room for", b.row,
                       g.kernels[s.producer].name, g.kernels[s.consumer].name);
    }
    waiting += fmt::format("{}{} at row {} waits for {}", listed ? "; " : "", g.kernels[k].name,
                           ks.next_row, on);
    ++listed;
  }
  throw core::Error(
      fmt::format("simulation of plan '{}' deadlocked at {} ps with {} of {} rows delivered: {}",
                  plan_.graph.model, now_, sink_rows_, total_, waiting));
}

// Walks back from the sink's last row of sequence 0 along the constraints that bound each
// accept; consecutive rows of one kernel merge into one step.
std::vector<PathStep> Run::critical_path() const {
  const graph::Graph& g = plan_.graph;
  std::vector<PathStep> steps;  // built backwards
  int k = sink_;
  std::int64_t row = S_ - 1;
  auto kernel_step = [&](int kk, std::int64_t rr) {
    const Picos start = accept_[kk * S_ + rr];
    const Picos end = start + kernels_[kk].cpt + kernels_[kk].fill;
    if (!steps.empty() && steps.back().kind == "kernel" &&
        steps.back().name == g.kernels[kk].name) {
      steps.back().first_row = rr;
      steps.back().start = start;
      return;
    }
    steps.push_back({"kernel", g.kernels[kk].name, rr, rr, start, end});
  };
  for (std::int64_t guard = 0; guard < static_cast<std::int64_t>(kernels_.size()) * S_ * 4;
       ++guard) {
    kernel_step(k, row);
    const Cause& c = cause_[k * S_ + row];
    if (c.kind == CauseKind::none) break;
    if (c.kind == CauseKind::self || c.kind == CauseKind::outport) {
      --row;
    } else if (c.kind == CauseKind::input) {
      const StreamState& st = streams_[c.stream];
      const Group& grp = groups_[st.group];
      std::string name;
      if (grp.route.empty()) {
        name = fmt::format("{} -> {}", g.kernels[st.producer].name, g.kernels[st.consumer].name);
      } else {
        for (int l : grp.route) name += (name.empty() ? "" : ", ") + net_.links[l].name;
      }
      steps.push_back({grp.route.empty() ? "stream" : "link", name, c.row, c.row,
                       depart_[c.stream * S_ + c.row], arrive_[c.stream * S_ + c.row]});
      k = st.producer;
      row = c.row;
    } else {  // output: the consumer freeing room
      k = streams_[c.stream].consumer;
      row = c.row;
    }
    if (row < 0) break;
  }
  std::reverse(steps.begin(), steps.end());
  return steps;
}

}  // namespace

void check_plan(const plan::Plan& plan) {
  const graph::Graph& g = plan.graph;
  const std::string where = fmt::format("plan (model '{}')", g.model);
  if (g.kernels.empty()) throw core::Error(where + ": graph.kernels is empty");
  if (plan.cluster.nodes.empty()) throw core::Error(where + ": cluster.nodes is empty");
  if (g.seq_len <= 0) {
    throw core::Error(fmt::format("{}: graph.seq_len must be positive, got {}", where, g.seq_len));
  }
  if (plan.node_of_kernel.size() != g.kernels.size()) {
    throw core::Error(fmt::format("{}: node_of_kernel has {} entries, graph.kernels has {}", where,
                                  plan.node_of_kernel.size(), g.kernels.size()));
  }
  const int nodes = static_cast<int>(plan.cluster.nodes.size());
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    const int n = plan.node_of_kernel[k];
    if (n < 0 || n >= nodes) {
      throw core::Error(
          fmt::format("{}: node_of_kernel[{}] (kernel '{}') = {} is not a node "
                      "index 0..{}",
                      where, k, g.kernels[k].name, n, nodes - 1));
    }
  }
  for (int i = 0; i < nodes; ++i) {
    const hw::Node& node = plan.cluster.nodes[i];
    const double mhz = node.device.kernel_clock_mhz;
    if (!(mhz > 0) || !std::isfinite(mhz)) {
      throw core::Error(fmt::format(
          "{}: cluster.nodes[{}] ({}).device.kernel_clock_mhz must be a positive clock, got {}",
          where, i, node.name, mhz));
    }
  }
  graph::validate(g);
  build_network(plan.cluster);  // throws on bad bandwidths and latencies
}

Result simulate(const plan::Plan& plan, const Options& options) {
  check_plan(plan);
  if (options.sequences < 1) {
    throw core::Error(fmt::format("simulate: sequences must be >= 1, got {}", options.sequences));
  }
  // Upper bounds keep the per-stream rings (one slot per row of depth) to a sane size.
  if (options.fifo_rows < 1 || options.fifo_rows > (1 << 20) || options.sequence_buffers < 1 ||
      options.sequence_buffers > 64) {
    throw core::Error(fmt::format(
        "simulate: fifo_rows must be in 1..{} and sequence_buffers in 1..64, got {} and {}",
        1 << 20, options.fifo_rows, options.sequence_buffers));
  }
  const Network net = build_network(plan.cluster);
  const graph::Graph& g = plan.graph;
  const std::int64_t S = g.seq_len;

  Result res;
  res.ideal_network = options.ideal_network;
  res.sequences = options.sequences;

  // Latency: one sequence alone in the cluster, recording what bound every row.
  Options quiet = options;
  quiet.progress = nullptr;
  Run alone(plan, net, quiet, 1, true);
  alone.run();
  res.latency = alone.done()[0] - alone.injected()[0];
  res.critical_path = alone.critical_path();
  res.events = alone.events();

  // Throughput and utilisation: `sequences` back to back.
  Run stream(plan, net, options, options.sequences, false);
  stream.run();
  res.events += stream.events();
  const auto& done = stream.done();
  const auto& injected = stream.injected();
  const std::int64_t n = options.sequences;
  res.makespan = done[n - 1] - injected[0];
  res.sequence_done = done;
  if (n == 1) {
    res.throughput_seq_per_s = 1e12 / static_cast<double>(res.latency);
  } else {
    // Steady state: the second half of the stream, after the pipeline has filled.
    const std::int64_t h = (n - 1) / 2;
    res.throughput_seq_per_s =
        static_cast<double>(n - 1 - h) * 1e12 / static_cast<double>(done[n - 1] - done[h]);
  }
  double sum = 0;
  for (std::int64_t s = 0; s < n; ++s) sum += static_cast<double>(done[s] - injected[s]);
  res.mean_latency_in_stream_us = sum / static_cast<double>(n) / 1e6;

  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    const KernelState& ks = stream.kernels()[k];
    const KernelState& one = alone.kernels()[k];
    KernelStats st;
    st.name = g.kernels[k].name;
    st.node = plan.node_of_kernel[k];
    st.rows = ks.next_row;
    st.busy = ks.busy;
    st.starved = ks.starved;
    st.blocked = ks.blocked;
    st.first_start = alone.accept_time(static_cast<int>(k), 0);
    st.last_end = alone.accept_time(static_cast<int>(k), S - 1) + one.cpt + one.fill;
    res.kernels.push_back(std::move(st));
  }
  for (std::size_t l = 0; l < net.links.size(); ++l) {
    LinkStats ls;
    ls.name = net.links[l].name;
    ls.busy = stream.link_busy()[l];
    ls.bytes = stream.link_bytes()[l];
    ls.rows = stream.link_rows()[l];
    ls.utilisation = res.makespan > 0 ? static_cast<double>(ls.busy) / res.makespan : 0;
    res.links.push_back(std::move(ls));
  }
  return res;
}

}  // namespace atl::sim
