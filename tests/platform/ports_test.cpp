// The tasks of the software nodes as the Galapagos numbering wires them, and the arbiter that
// tells a kernel's inputs apart by TID.
#include "platform/ports.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "graph/arch_ibert.h"
#include "plans.h"
#include "platform/arbiter.h"

namespace atl::platform {
namespace {

using plan::GalapagosAddress;
constexpr int kHost = GalapagosAddress::kHost;

// One layer of the published shape (12 heads), all on one node: issue 10's table.
plan::Plan published() {
  model::ModelConfig c = testing::tiny_config(1, 128);
  c.hidden = 768;
  c.heads = 12;
  c.intermediate = 3072;
  return testing::place(graph::build_graph(c), 1, [](int) { return 0; });
}

const TaskPorts& task(const Wiring& w, GalapagosAddress a) {
  for (const TaskPorts& t : w.tasks) {
    if (t.address == a && t.kind != TaskKind::feed) return t;
  }
  throw core::Error("no task at " + to_string(a));
}

std::vector<std::uint32_t> tids(const TaskPorts& t) {
  std::vector<std::uint32_t> out;
  for (const Source& s : t.sources) out.push_back(s.tid);
  return out;
}

TEST(Wiring, PublishedNumberingAsIssueTenTabulatesIt) {
  const plan::Plan p = published();
  const Wiring w = wire(p, p.galapagos, 128);
  // Q -> scatter 34, which cuts 768-byte rows into one 64-byte flit per head 4..15.
  const TaskPorts& q = task(w, {0, 1});
  EXPECT_EQ(q.name, "l0.q");
  ASSERT_EQ(q.dests.size(), 1u);
  EXPECT_EQ(q.dests[0].to, (GalapagosAddress{0, 34}));
  EXPECT_EQ(q.dests[0].bytes, 768u);
  const TaskPorts& scatter = task(w, {0, 34});
  EXPECT_EQ(scatter.kind, TaskKind::comm);
  EXPECT_EQ(scatter.op, plan::CommOp::scatter);
  EXPECT_EQ(tids(scatter), std::vector<std::uint32_t>{1});
  ASSERT_EQ(scatter.dests.size(), 12u);
  EXPECT_EQ(scatter.dests[11].to, (GalapagosAddress{0, 15}));
  EXPECT_EQ(scatter.dests[11].bytes, 64u);
  // Head 0 takes [34, 35]: Q on port 0, K on port 1; context head 0 takes [4, 36].
  EXPECT_EQ(tids(task(w, {0, 4})), (std::vector<std::uint32_t>{34, 35}));
  EXPECT_EQ(task(w, {0, 4}).sources[0].row_bytes, 64u);
  EXPECT_EQ(tids(task(w, {0, 16})), (std::vector<std::uint32_t>{4, 36}));
  EXPECT_EQ(task(w, {0, 16}).sources[0].row_bytes, 128u);  // one probability per token
  // Gather 37 concatenates the context heads 16..27 in that order.
  const TaskPorts& gather = task(w, {0, 37});
  std::vector<std::uint32_t> heads;
  for (std::uint32_t id = 16; id <= 27; ++id) heads.push_back(id);
  EXPECT_EQ(tids(gather), heads);
  EXPECT_EQ(gather.out_row_bytes, 768u);
  // LN1 takes [28, 33] (out_proj's int32 rows, the residual from the input broadcast); LN2's
  // output goes to the host, which received the input into broadcast 33.
  EXPECT_EQ(tids(task(w, {0, 29})), (std::vector<std::uint32_t>{28, 33}));
  EXPECT_EQ(task(w, {0, 29}).sources[0].row_bytes, 768u * 4);
  const TaskPorts& feed = w.tasks[w.tasks.size() - 2];
  EXPECT_EQ(feed.kind, TaskKind::feed);
  ASSERT_EQ(feed.dests.size(), 1u);
  EXPECT_EQ(feed.dests[0].to, (GalapagosAddress{0, 33}));
  EXPECT_EQ(tids(task(w, {0, 33})), std::vector<std::uint32_t>{0});  // the host sends with TID 0
  const TaskPorts& drain = w.tasks.back();
  EXPECT_EQ(drain.kind, TaskKind::drain);
  EXPECT_EQ(drain.address, (GalapagosAddress{kHost, 33}));
  EXPECT_EQ(tids(drain), std::vector<std::uint32_t>{32});
  // Kernel 0 is no task but has a route; kernels 1..38 are tasks, and the host's two ends.
  EXPECT_EQ(node_of(w.routes, {0, 0}), 0);
  EXPECT_EQ(w.tasks.size(), 38u + 2u);
}

TEST(Wiring, AcrossClustersTasksHearTheSendersIdFromItsCluster) {
  // attention_0 alone in cluster 0: Q (0, 1) sends to a virtual scatter of cluster 1.
  const graph::Grouping grouping{
      {graph::Sublayer::attention_0},
      {graph::Sublayer::attention_1, graph::Sublayer::attention_2,
       graph::Sublayer::attention_output_0, graph::Sublayer::attention_output_1,
       graph::Sublayer::intermediate_0, graph::Sublayer::intermediate_output_0,
       graph::Sublayer::intermediate_output_1}};
  graph::Graph g = graph::build_graph(testing::tiny_config(1, 16));
  const plan::Plan p = testing::place(
      std::move(g), 2, [](int k) { return k % 2; }, grouping);
  const Wiring w = wire(p, p.galapagos, 16);
  const TaskPorts& q = task(w, {0, 1});
  ASSERT_EQ(q.dests.size(), 1u);
  EXPECT_EQ(q.dests[0].to.cluster, 1);
  const TaskPorts& scatter = task(w, q.dests[0].to);
  EXPECT_EQ(scatter.op, plan::CommOp::scatter);
  EXPECT_EQ(tids(scatter), std::vector<std::uint32_t>{1});
  // Virtual kernels live on their kernel 0's node.
  EXPECT_EQ(scatter.node, node_of(w.routes, {1, 0}));
}

TEST(Wiring, RejectsNumberingsThatDoNotFitTogether) {
  const plan::Plan p = published();
  auto expect_error = [&](plan::Galapagos n, const std::string& what) {
    try {
      wire(p, n, 128);
      FAIL() << "wired: " << what;
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  plan::Galapagos stranger = p.galapagos;  // head 0's arbiter waiting for kernel 36 first
  stranger.clusters[0].kernels[4].sources[0].id = 36;
  expect_error(stranger,
               "kernel 'l0.h0.attention' (cluster 0 ID 4) lists sources [cluster 0 ID "
               "36, cluster 0 ID 35] but receives from [cluster 0 ID 35, cluster 0 ID 34]");
  plan::Galapagos nowhere = p.galapagos;  // Q sends to a kernel that does not exist
  nowhere.clusters[0].kernels[1].dests[0].id = 99;
  expect_error(nowhere, "no kernel cluster 0 ID 99 to send to");
  plan::Galapagos no_input = p.galapagos;  // nobody takes the host's input
  no_input.clusters[0].kernels[33].sources.clear();
  expect_error(no_input, "no kernel takes the input from the host");
  EXPECT_THROW(wire(p, p.galapagos, 129), core::Error);  // more tokens than the graph holds
}

Message rows(std::uint8_t first, std::size_t n, std::size_t bytes) {
  Message m;
  m.header = {static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(bytes),
              static_cast<std::uint32_t>(n)};
  m.row_bytes = bytes;
  for (std::size_t i = 0; i < n * bytes; ++i)
    m.data.push_back(static_cast<std::uint8_t>(first + i));
  return m;
}

TEST(Arbiter, HeadTakesQueryAndKeyBySenderIdWhateverTheirOrder) {
  // A head kernel with sources [34 (Q scatter), 35 (K scatter)]: K's rows arrive first and
  // interleaved with Q's; port 0 is still Q, as Cluster Builder's arbiter sorts by TID.
  const std::vector<Source> sources{{{0, 34}, 34, 64}, {{0, 35}, 35, 64}};
  Arbiter arbiter(sources, 16, "head 0");
  const Message q = rows(1, 3, 64), k = rows(100, 3, 64);
  const std::vector<Packet> from_q = pack(q, 34, 4), from_k = pack(k, 35, 4);
  for (std::size_t r = 0; r < 3; ++r) {
    EXPECT_FALSE(arbiter.add(from_k[r]));
    EXPECT_EQ(arbiter.add(from_q[r]), r == 2);
  }
  const std::vector<Message> in = arbiter.take();
  EXPECT_EQ(in[0], q);
  EXPECT_EQ(in[1], k);
  EXPECT_FALSE(arbiter.complete());  // ready for the next sequence
  EXPECT_EQ(arbiter.missing(), (std::vector<std::size_t>{0, 1}));
}

TEST(Arbiter, PacketFromAnUnknownSenderIsAClearError) {
  const std::vector<Source> sources{{{0, 34}, 34, 64}, {{0, 35}, 35, 64}};
  Arbiter arbiter(sources, 16, "head 0");
  try {
    arbiter.add(pack(rows(1, 1, 64), 36, 4)[0]);
    FAIL() << "took a packet from kernel 36";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "packet from kernel ID 36, which does not feed this kernel (its sources send "
                  "with TID 34, 35)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace atl::platform
