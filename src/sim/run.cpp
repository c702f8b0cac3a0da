#include "sim/run.h"

#include <algorithm>

#include "sim/deadlock.h"

namespace atl::sim {

Run::Run(const graph::Graph& graph, const Model& model, const Network& net, const Options& options,
         std::int64_t sequences, bool record)
    : graph_(graph),
      model_(model),
      opt_(options),
      S_(model.seq_len),
      total_(sequences * model.seq_len),
      recording_(record),
      kernels_(model.kernels.size()),
      streams_(model.streams.size()),
      transfers_(model, net),
      done_(sequences, 0),
      injected_(sequences, 0) {
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    streams_[i].arrival.assign(model.streams[i].capacity, 0);
    streams_[i].freed_at.assign(model.streams[i].capacity, 0);
  }
  if (record) {
    record_.accept.assign(kernels_.size() * S_, 0);
    record_.cause.assign(kernels_.size() * S_, {});
    record_.depart.assign(streams_.size() * S_, 0);
    record_.arrive.assign(streams_.size() * S_, 0);
  }
}

void Run::run() {
  for (int k = 0; k < static_cast<int>(kernels_.size()); ++k) wake(k, 0);
  std::uint64_t since_progress = 0;
  while (!queue_.empty()) {
    const Event e = queue_.begin_pop();
    now_ = e.time;
    ++events_;
    const std::uint32_t p = e.payload();
    if (p & kHopBit) {
      if (const auto a = transfers_.hop(p & ~kHopBit, now_, queue_)) {
        deliver(model_.groups[a->group], a->row, a->at);
      }
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
  if (sink_rows_ != total_) throw deadlock_error(graph_, kernels_, total_, sink_rows_, now_);
  if (opt_.progress) opt_.progress(1.0);
}

void Run::wake(int k, Picos when) {
  KernelRun& ks = kernels_[k];
  if (ks.pending || ks.next_row == total_) return;
  ks.pending = true;
  queue_.push(std::max(when, now_), static_cast<std::uint32_t>(k));
}

// The kernel takes rows for as long as everything they wait for is known: input rows that have
// been sent (their arrival time is known, even if it is later than now), room downstream that has
// been freed (when is known), its own pace and output port. Such a row's accept time is exact
// whatever happens elsewhere later, so it is accepted now, at its own (possibly future) time;
// the kernel sleeps on the first stream whose row or room is not known yet.
void Run::step(int k) {
  const KernelModel& km = model_.kernels[k];
  KernelRun& ks = kernels_[k];
  while (ks.next_row < total_) {
    const std::int64_t r = ks.next_row;
    Picos t = r == 0 ? 0 : ks.last_accept + km.cpt;
    Cause cause{r == 0 ? CauseKind::none : CauseKind::self, -1, r - 1};
    // Inputs are scanned last to first: gathered rows arrive in producer order, so sleeping on
    // the last missing one saves a wake-up per producer.
    for (auto it = km.inputs.rbegin(); it != km.inputs.rend(); ++it) {
      const int si = *it;
      const StreamModel& sm = model_.streams[si];
      StreamRun& st = streams_[si];
      const std::int64_t need = sm.whole_sequence ? (r / S_) * S_ + S_ - 1 : r;
      if (st.emitted <= need || st.arrival[need % sm.capacity] == kPending) {
        st.consumer_waits_for = need;
        ks.blocker = {CauseKind::input, si, need};
        return;
      }
      const Picos a = st.arrival[need % sm.capacity];
      if (a > t) {
        t = a;
        cause = {CauseKind::input, si, need};
      }
    }
    for (int gi : km.groups) {
      for (int si : model_.groups[gi].streams) {
        const StreamModel& sm = model_.streams[si];
        StreamRun& st = streams_[si];
        const std::int64_t freed = r - sm.capacity;  // the row whose slot row r takes
        const std::int64_t consumer_row = sm.whole_sequence ? (freed / S_) * S_ + S_ - 1 : freed;
        if (r >= st.released + sm.capacity) {
          st.producer_waiting = true;
          ks.blocker = {CauseKind::output, si, consumer_row};
          return;
        }
        if (freed >= 0 && st.freed_at[freed % sm.capacity] > t) {
          t = st.freed_at[freed % sm.capacity];
          cause = {CauseKind::output, si, consumer_row};
        }
      }
    }
    // The output port must have sent the previous row before this one comes out.
    if (ks.outport_free - km.cpt - km.fill > t) {
      t = ks.outport_free - km.cpt - km.fill;
      cause = {CauseKind::outport, -1, r - 1};
    }
    // Wake-ups come at the time their cause resolves, so t >= now; should one come late, the
    // row waited for what woke the kernel.
    accept(k, t >= now_ ? cause : ks.blocker, std::max(t, now_));
  }
}

void Run::accept(int k, const Cause& cause, Picos at) {
  const KernelModel& km = model_.kernels[k];
  KernelRun& ks = kernels_[k];
  const std::int64_t r = ks.next_row;
  const Picos earliest = r == 0 ? 0 : ks.last_accept + km.cpt;
  const Picos gap = at - earliest;
  if (cause.kind == CauseKind::output || cause.kind == CauseKind::outport) {
    ks.blocked += gap;
  } else {
    ks.starved += gap;
  }
  ks.busy += km.cpt;
  ks.last_accept = at;
  ks.next_row = r + 1;
  if (recording_ && r < S_) {
    record_.accept[k * S_ + r] = at;
    record_.cause[k * S_ + r] = cause;
  }
  if (k == model_.source && r % S_ == 0) injected_[r / S_] = at;
  if (k == model_.sink) {
    ++sink_rows_;
    if (r % S_ == S_ - 1) done_[r / S_] = at;
  }

  // Free the input slots: ordinary FIFOs row by row, sequence buffers at the sequence's end.
  for (int si : km.inputs) {
    const StreamModel& sm = model_.streams[si];
    StreamRun& st = streams_[si];
    if (sm.whole_sequence) {
      if (r % S_ != S_ - 1) continue;
      for (std::int64_t row = r + 1 - S_; row <= r; ++row) st.freed_at[row % sm.capacity] = at;
    } else {
      st.freed_at[r % sm.capacity] = at;
    }
    st.released = r + 1;
    if (st.producer_waiting) {
      st.producer_waiting = false;
      wake(sm.producer, at);
    }
  }

  // Emit: each group's flits leave the output port in turn, then travel on chip or by network.
  const Picos out = at + km.cpt + km.fill;
  for (int gi : km.groups) {
    const Group& grp = model_.groups[gi];
    ks.outport_free = std::max(ks.outport_free, out) + grp.outport;
    const Picos depart = ks.outport_free;
    for (int si : grp.streams) {
      streams_[si].emitted = r + 1;
      if (recording_ && r < S_) record_.depart[si * S_ + r] = depart;
    }
    if (grp.route.empty()) {
      deliver(grp, r, depart);
      continue;
    }
    for (int si : grp.streams) {
      streams_[si].arrival[r % model_.streams[si].capacity] = kPending;
    }
    if (const auto at_consumer = transfers_.send(gi, r, depart, queue_)) {
      deliver(grp, r, *at_consumer);
    }
  }
}

void Run::deliver(const Group& grp, std::int64_t row, Picos at) {
  for (int si : grp.streams) {
    StreamRun& st = streams_[si];
    st.arrival[row % model_.streams[si].capacity] = at;
    if (recording_ && row < S_) record_.arrive[si * S_ + row] = at;
    if (st.consumer_waits_for >= 0 && row >= st.consumer_waits_for) {
      st.consumer_waits_for = -1;
      wake(model_.streams[si].consumer, at);
    }
  }
}

}  // namespace atl::sim
