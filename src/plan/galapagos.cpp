#include "plan/galapagos.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <utility>

#include "core/error.h"
#include "graph/arch_ibert.h"

namespace atl::plan {
namespace {

using graph::Role;
using graph::Sublayer;
using Address = GalapagosAddress;

constexpr std::size_t kMaxKernels = 256;  // 8-bit TDEST: IDs 0..255, 0 the GMI node

// One encoder layer's graph kernels (indices into graph.kernels) in Cluster Builder's order.
struct LayerKernels {
  std::vector<int> q, k, v, attention, context, out_proj, ffn1, ffn2;
  std::vector<int> ln_attn, ln_ffn;  // one each
};

std::vector<int>* slots_of(LayerKernels& lk, Role role) {
  if (role.architecture != model::Architecture::ibert_encoder) return nullptr;
  switch (role.index) {
    case graph::ibert::q.index:
      return &lk.q;
    case graph::ibert::k.index:
      return &lk.k;
    case graph::ibert::v.index:
      return &lk.v;
    case graph::ibert::attention.index:
      return &lk.attention;
    case graph::ibert::context.index:
      return &lk.context;
    case graph::ibert::out_proj.index:
      return &lk.out_proj;
    case graph::ibert::ln_attn.index:
      return &lk.ln_attn;
    case graph::ibert::ffn1.index:
      return &lk.ffn1;
    case graph::ibert::ffn2.index:
      return &lk.ffn2;
    case graph::ibert::ln_ffn.index:
      return &lk.ln_ffn;
    case graph::ibert::source.index:
    case graph::ibert::sink.index:
      break;
  }
  return nullptr;
}

// The graph's kernels by layer and role; throws unsupported unless the graph is an encoder whose
// attention_0 Cluster Builder can express (one partition for q, k and v that divides the heads).
std::vector<LayerKernels> collect(const graph::Graph& g) {
  auto unsupported = [&](const std::string& what) {
    return core::Error(core::ErrorKind::unsupported,
                       fmt::format("graph '{}': {} (Galapagos numbering follows Cluster "
                                   "Builder's encoder layer, docs/galapagos.md)",
                                   g.model, what));
  };
  if (g.architecture != model::Architecture::ibert_encoder) {
    throw unsupported(fmt::format("it is a {}, not an encoder", model::to_string(g.architecture)));
  }
  if (g.layers < 1) throw unsupported(fmt::format("{} encoder layers", g.layers));
  std::vector<LayerKernels> layers(static_cast<std::size_t>(g.layers));
  for (std::size_t i = 0; i < g.kernels.size(); ++i) {
    const graph::Kernel& k = g.kernels[i];
    std::vector<int>* slots = nullptr;
    if (k.layer >= 0 && k.layer < g.layers) {
      slots = slots_of(layers[static_cast<std::size_t>(k.layer)], k.role);
    }
    if (slots == nullptr) {
      if (graph::is_endpoint(k.role)) continue;
      throw unsupported(fmt::format("kernel '{}' is in layer {} of {}", k.name, k.layer, g.layers));
    }
    const bool per_head = graph::role_info(k.role).per_head;
    const std::int64_t count = per_head ? g.heads : k.parts;
    const std::int64_t index = per_head ? k.head : k.part;
    if (slots->empty() && count > 0 && count <= static_cast<std::int64_t>(g.kernels.size())) {
      slots->assign(static_cast<std::size_t>(count), -1);
    }
    if (count != static_cast<std::int64_t>(slots->size()) || index < 0 || index >= count ||
        (*slots)[static_cast<std::size_t>(index)] >= 0) {
      throw unsupported(
          fmt::format("kernel '{}' ({} {} of {}) does not fit its layer's other {} "
                      "kernels",
                      k.name, per_head ? "head" : "part", index, count, graph::to_string(k.role)));
    }
    (*slots)[static_cast<std::size_t>(index)] = static_cast<int>(i);
  }
  for (std::size_t l = 0; l < layers.size(); ++l) {
    LayerKernels& lk = layers[l];
    for (Role role : graph::compute_roles(model::Architecture::ibert_encoder)) {
      const std::vector<int>& slots = *slots_of(lk, role);
      if (slots.empty() || std::find(slots.begin(), slots.end(), -1) != slots.end()) {
        throw unsupported(fmt::format("layer {} lacks {} kernels", l, graph::to_string(role)));
      }
    }
    if (lk.ln_attn.size() != 1 || lk.ln_ffn.size() != 1) {
      throw unsupported(fmt::format("layer {}: a LayerNorm is split into parts", l));
    }
    for (const std::vector<int>* other : {&lk.k, &lk.v}) {
      if (other->size() != lk.q.size()) {
        throw unsupported(fmt::format(
            "kernel '{}' is one of {} partitions but q has {}: Cluster Builder's attention_0 "
            "has one partition for q, k and v",
            g.kernels[static_cast<std::size_t>(other->front())].name, other->size(), lk.q.size()));
      }
    }
    if (lk.attention.size() % lk.q.size() != 0) {
      throw unsupported(fmt::format(
          "kernel '{}': {} heads do not divide into attention_0's {} partitions (Cluster "
          "Builder scatters each partition's rows to heads/partition heads)",
          g.kernels[static_cast<std::size_t>(lk.q.front())].name, lk.attention.size(),
          lk.q.size()));
    }
  }
  return layers;
}

// Throws unless the groups, one after another, are the eight sub-layers in data-flow order:
// Cluster Builder numbers a sub-layer's kernels after its predecessor's when both share a
// cluster and from 1 otherwise, so any other grouping gives colliding IDs.
void check_consecutive(const graph::Grouping& grouping) {
  const std::vector<Sublayer>& all = graph::all_sublayers();
  std::size_t next = 0;
  for (std::size_t g = 0; g < grouping.size(); ++g) {
    for (Sublayer s : grouping[g]) {
      if (all[next++] != s) {
        throw core::Error(
            core::ErrorKind::unsupported,
            fmt::format("grouping[{}]: '{}' comes where '{}' is due: Cluster Builder needs the "
                        "groups to be runs of consecutive sub-layers in data-flow order "
                        "(attention_0 .. intermediate_output_1), or its kernel IDs collide",
                        g, graph::to_string(s), graph::to_string(all[next - 1])));
      }
    }
  }
}

// A virtual or comm kernel between the compute kernels of two sub-layers, before it has an ID.
struct Relay {
  int cluster = 0;
  bool is_virtual = false;
  CommOp op = CommOp::forward;
  std::vector<Address> dests, sources;
  std::optional<Address> feeder;  // the compute kernel that sends to it (places a comm kernel)
  std::uint32_t id = 0;
};

std::vector<Address> operator+(std::vector<Address> a, const std::vector<Address>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Numbers one encoder layer into grouping.size() new clusters of `out`.
void number_layer(const LayerKernels& lk, int layer, int layers,
                  const std::vector<int>& node_of_kernel, Galapagos& out) {
  const graph::Grouping& grouping = out.grouping;
  const int groups = static_cast<int>(grouping.size());
  const int base = layer * groups;
  std::array<int, 8> group_of{};
  for (int g = 0; g < groups; ++g) {
    for (Sublayer s : grouping[static_cast<std::size_t>(g)]) {
      group_of[static_cast<std::size_t>(s)] = g;
    }
  }
  auto cl = [&](Sublayer s) { return base + group_of[static_cast<std::size_t>(s)]; };
  for (int g = 0; g < groups; ++g) {
    GalapagosCluster c;
    c.layer = layer;
    c.sublayers = grouping[static_cast<std::size_t>(g)];
    c.kernels.emplace_back().kind = GalapagosKind::gmi;
    out.clusters.push_back(std::move(c));
  }
  auto kernel = [&](Address a) -> GalapagosKernel& {
    return out.clusters[static_cast<std::size_t>(a.cluster)].kernels[a.id];
  };

  // Compute kernels: IDs from 1 in each cluster, sub-layer after sub-layer; a bypass kernel
  // right after its sub-layer's kernels.
  auto add = [&](Sublayer s, int graph_kernel, GalapagosKind kind, int node) {
    auto& ks = out.clusters[static_cast<std::size_t>(cl(s))].kernels;
    const auto id = static_cast<std::uint32_t>(ks.size());
    GalapagosKernel& x = ks.emplace_back();
    x.id = id;
    x.kind = kind;
    x.graph_kernel = graph_kernel;
    x.node = node;
    return Address{cl(s), id};
  };
  auto add_all = [&](Sublayer s, const std::vector<int>& graph_kernels) {
    std::vector<Address> a;
    for (int k : graph_kernels) {
      a.push_back(add(s, k, GalapagosKind::compute, node_of_kernel[static_cast<std::size_t>(k)]));
    }
    return a;
  };
  auto bypass = [&](Sublayer s, int first_graph_kernel) {
    return std::vector<Address>{add(s, -1, GalapagosKind::bypass,
                                    node_of_kernel[static_cast<std::size_t>(first_graph_kernel)])};
  };
  const bool a0_bypass = cl(Sublayer::attention_0) != cl(Sublayer::attention_output_1);
  const bool i0_bypass = cl(Sublayer::intermediate_0) != cl(Sublayer::intermediate_output_1);
  const std::vector<Address> q = add_all(Sublayer::attention_0, lk.q);
  const std::vector<Address> k = add_all(Sublayer::attention_0, lk.k);
  const std::vector<Address> v = add_all(Sublayer::attention_0, lk.v);
  const std::vector<Address> bypass0 =
      a0_bypass ? bypass(Sublayer::attention_0, lk.q[0]) : std::vector<Address>{};
  const std::vector<Address> heads = add_all(Sublayer::attention_1, lk.attention);
  const std::vector<Address> ctx = add_all(Sublayer::attention_2, lk.context);
  const std::vector<Address> outp = add_all(Sublayer::attention_output_0, lk.out_proj);
  const Address ln1 = add_all(Sublayer::attention_output_1, lk.ln_attn)[0];
  const std::vector<Address> ffn1 = add_all(Sublayer::intermediate_0, lk.ffn1);
  const std::vector<Address> bypass1 =
      i0_bypass ? bypass(Sublayer::intermediate_0, lk.ffn1[0]) : std::vector<Address>{};
  const std::vector<Address> ffn2 = add_all(Sublayer::intermediate_output_0, lk.ffn2);
  const Address ln2 = add_all(Sublayer::intermediate_output_1, lk.ln_ffn)[0];
  auto n_compute = [&](int c) {
    return out.clusters[static_cast<std::size_t>(c)].kernels.size() - 1;
  };

  // Relays, link by link in data flow: a virtual kernel in the receiving cluster when the link
  // crosses clusters, a comm kernel when it stays inside one, none when a kernel can send
  // straight to its one consumer. The order is utils.py's: it fixes their IDs.
  std::vector<Relay> relays;
  auto relay = [&](Sublayer to, bool crosses, CommOp op, std::vector<Address> dests,
                   std::vector<Address> sources, std::optional<Address> feeder) {
    relays.push_back({cl(to), crosses, op, std::move(dests), std::move(sources), feeder});
    return static_cast<int>(relays.size()) - 1;
  };
  auto crosses = [&](Sublayer from, Sublayer to) { return cl(from) != cl(to); };
  const std::size_t parts = q.size(), per_part = heads.size() / parts;
  auto part_of = [&](const std::vector<Address>& h, std::size_t i) {
    return std::vector<Address>(h.begin() + static_cast<std::ptrdiff_t>(i * per_part),
                                h.begin() + static_cast<std::ptrdiff_t>((i + 1) * per_part));
  };
  const bool probs_cross = crosses(Sublayer::attention_1, Sublayer::attention_2);

  // The layer input: the broadcast virtual kernel of attention_0's cluster, from the previous
  // layer's last cluster (the host for layer 0); the residual goes to the bypass kernel or,
  // in the same cluster, straight to attention_output_1.
  const int input = relay(Sublayer::attention_0, true, CommOp::broadcast,
                          q + k + v + (a0_bypass ? bypass0 : std::vector<Address>{ln1}),
                          {{layer > 0 ? base - 1 : Address::kHost, ln2.id}}, std::nullopt);
  // Q and K to the heads: one scatter per partition each.
  std::vector<int> q_scatter, k_scatter;
  const bool qk_cross = crosses(Sublayer::attention_0, Sublayer::attention_1);
  for (std::size_t i = 0; i < parts; ++i) {
    q_scatter.push_back(
        relay(Sublayer::attention_1, qk_cross, CommOp::scatter, part_of(heads, i), {q[i]}, q[i]));
  }
  for (std::size_t i = 0; i < parts; ++i) {
    // utils.py lists Q part i as the source of the in-cluster K scatter (scatter ignores it).
    k_scatter.push_back(relay(Sublayer::attention_1, qk_cross, CommOp::scatter, part_of(heads, i),
                              {qk_cross ? k[i] : q[i]}, k[i]));
  }
  // V to the context heads; with the heads in another cluster, utils.py lists Q part i as the
  // source of the V scatter, and the probabilities come through one forward virtual kernel.
  std::vector<int> v_scatter;
  for (std::size_t i = 0; i < parts; ++i) {
    v_scatter.push_back(relay(Sublayer::attention_2,
                              crosses(Sublayer::attention_0, Sublayer::attention_2),
                              CommOp::scatter, part_of(ctx, i), {probs_cross ? q[i] : v[i]}, v[i]));
  }
  const int probs =
      probs_cross ? relay(Sublayer::attention_2, true, CommOp::forward, ctx, {}, std::nullopt) : -1;
  // The heads gathered for out_proj (and broadcast to its partitions).
  const bool gather_cross = crosses(Sublayer::attention_2, Sublayer::attention_output_0);
  const bool gather_bcast =
      gather_cross ? n_compute(cl(Sublayer::attention_output_0)) > 1 : outp.size() > 1;
  const int heads_gather =
      relay(Sublayer::attention_output_0, gather_cross,
            gather_bcast ? CommOp::gather_broadcast : CommOp::gather, outp, ctx, ctx[0]);
  // out_proj to LN1, then the residual from the bypass kernel.
  const bool ln1_cross = crosses(Sublayer::attention_output_0, Sublayer::attention_output_1);
  const int to_ln1 =
      ln1_cross || outp.size() > 1
          ? relay(Sublayer::attention_output_1, ln1_cross,
                  outp.size() > 1 ? CommOp::gather : CommOp::forward, {ln1}, outp, outp[0])
          : -1;
  const int residual1 = a0_bypass ? relay(Sublayer::attention_output_1, true, CommOp::forward,
                                          {ln1}, {}, std::nullopt)
                                  : -1;
  // LN1 to FFN1 (and its bypass kernel). atoll adds LN2 to the dests when it shares FFN1's
  // cluster: LN2 names this relay as its residual source, which utils.py leaves out.
  const bool ffn1_cross = crosses(Sublayer::attention_output_1, Sublayer::intermediate_0);
  const std::vector<Address> ffn1_dests = ffn1 + (i0_bypass ? bypass1 : std::vector<Address>{ln2});
  const int to_ffn1 =
      relay(Sublayer::intermediate_0, ffn1_cross,
            !ffn1_cross || ffn1_dests.size() > 1 ? CommOp::broadcast : CommOp::forward, ffn1_dests,
            {ln1}, ln1);
  // FFN1 to FFN2: gather the partitions and/or broadcast to FFN2's. utils.py also lists FFN1's
  // bypass kernel as a source, which sends nothing here: a gather would wait for it forever.
  const bool ffn2_cross = crosses(Sublayer::intermediate_0, Sublayer::intermediate_output_0);
  const CommOp ffn2_op = ffn1.size() > 1
                             ? (ffn2.size() > 1 ? CommOp::gather_broadcast : CommOp::gather)
                             : (ffn2.size() > 1 ? CommOp::broadcast : CommOp::forward);
  const int to_ffn2 =
      ffn2_cross || ffn2_op != CommOp::forward
          ? relay(Sublayer::intermediate_output_0, ffn2_cross, ffn2_op, ffn2, ffn1, ffn1[0])
          : -1;
  // FFN2 to LN2, then the residual from the bypass kernel.
  const bool ln2_cross = crosses(Sublayer::intermediate_output_0, Sublayer::intermediate_output_1);
  const int to_ln2 =
      ln2_cross || ffn2.size() > 1
          ? relay(Sublayer::intermediate_output_1, ln2_cross,
                  ffn2.size() > 1 ? CommOp::gather : CommOp::forward, {ln2}, ffn2, ffn2[0])
          : -1;
  const int residual2 = i0_bypass ? relay(Sublayer::intermediate_output_1, true, CommOp::forward,
                                          {ln2}, {}, std::nullopt)
                                  : -1;

  // IDs: after each cluster's compute kernels its virtual kernels, then its comm kernels.
  for (int c = base; c < base + groups; ++c) {
    auto& ks = out.clusters[static_cast<std::size_t>(c)].kernels;
    ks[0].node = ks[1].node;  // kernel 0 sits with the cluster's kernel 1
    for (bool is_virtual : {true, false}) {
      for (Relay& r : relays) {
        if (r.cluster != c || r.is_virtual != is_virtual) continue;
        r.id = static_cast<std::uint32_t>(ks.size());
        ks.push_back({.id = r.id,
                      .kind = is_virtual ? GalapagosKind::virtual_kernel : GalapagosKind::comm,
                      .op = r.op,
                      .dests = r.dests,
                      .sources = r.sources,
                      .node = is_virtual ? ks[0].node : ks[r.feeder->id].node});
      }
    }
  }
  auto at = [&](int r) {
    const Relay& x = relays[static_cast<std::size_t>(r)];
    return Address{x.cluster, x.id};
  };
  auto link = [&](Address a, std::vector<Address> dests, std::vector<Address> sources) {
    kernel(a).dests = std::move(dests);
    kernel(a).sources = std::move(sources);
  };

  // Compute and bypass kernels' dests and sources.
  for (std::size_t i = 0; i < parts; ++i) {
    link(q[i], {at(q_scatter[i])}, {at(input)});
    link(k[i], {at(k_scatter[i])}, {at(input)});
    link(v[i], {at(v_scatter[i])}, {at(input)});
  }
  if (a0_bypass) link(bypass0[0], {at(residual1)}, {});
  for (std::size_t h = 0; h < heads.size(); ++h) {
    const std::size_t i = h / per_part;
    link(heads[h], {probs_cross ? at(probs) : ctx[h]}, {at(q_scatter[i]), at(k_scatter[i])});
    // Input 0 of a context head is the probabilities: utils.py lists [V scatter, forward]
    // when the heads are in another cluster, which the Arbiter (TID == sources[0] -> input 0)
    // would swap; atoll lists the forward first, as in the same-cluster [head, V scatter].
    link(ctx[h], {at(heads_gather)}, {probs_cross ? at(probs) : heads[h], at(v_scatter[i])});
  }
  for (Address a : outp) link(a, {to_ln1 >= 0 ? at(to_ln1) : ln1}, {at(heads_gather)});
  // LN1's residual: through its cluster's bypass virtual kernel when out_proj is elsewhere;
  // otherwise utils.py names the input broadcast (in attention_0's cluster).
  link(ln1, {at(to_ffn1)},
       {to_ln1 >= 0 ? at(to_ln1) : outp[0], ln1_cross ? at(residual1) : at(input)});
  for (Address a : ffn1) link(a, {to_ffn2 >= 0 ? at(to_ffn2) : ffn2[0]}, {at(to_ffn1)});
  if (i0_bypass) link(bypass1[0], {at(residual2)}, {});
  for (Address a : ffn2)
    link(a, {to_ln2 >= 0 ? at(to_ln2) : ln2}, {to_ffn2 >= 0 ? at(to_ffn2) : ffn1[0]});
  // LN2's output: the next layer's input broadcast (the host after the last layer).
  link(ln2, {{layer + 1 < layers ? base + groups : Address::kHost, at(input).id}},
       {to_ln2 >= 0 ? at(to_ln2) : ffn2[0], ln2_cross ? at(residual2) : at(to_ffn1)});
}

}  // namespace

const char* to_string(GalapagosKind kind) {
  switch (kind) {
    case GalapagosKind::gmi:
      return "gmi";
    case GalapagosKind::virtual_kernel:
      return "virtual";
    case GalapagosKind::compute:
      return "compute";
    case GalapagosKind::bypass:
      return "bypass";
    case GalapagosKind::comm:
      return "comm";
  }
  return "?";
}

const char* to_string(CommOp op) {
  switch (op) {
    case CommOp::forward:
      return "forward";
    case CommOp::broadcast:
      return "broadcast";
    case CommOp::scatter:
      return "scatter";
    case CommOp::gather:
      return "gather";
    case CommOp::gather_broadcast:
      return "gather_broadcast";
  }
  return "?";
}

GalapagosKind galapagos_kind_from_string(const std::string& s, const std::string& where) {
  for (GalapagosKind k : {GalapagosKind::gmi, GalapagosKind::virtual_kernel, GalapagosKind::compute,
                          GalapagosKind::bypass, GalapagosKind::comm}) {
    if (s == to_string(k)) return k;
  }
  throw core::Error(fmt::format(
      "{}: '{}' is not a Galapagos kernel kind (gmi, virtual, compute, bypass, comm)", where, s));
}

CommOp comm_op_from_string(const std::string& s, const std::string& where) {
  for (CommOp op : {CommOp::forward, CommOp::broadcast, CommOp::scatter, CommOp::gather,
                    CommOp::gather_broadcast}) {
    if (s == to_string(op)) return op;
  }
  throw core::Error(fmt::format(
      "{}: '{}' is not a comm op (forward, broadcast, scatter, gather, gather_broadcast)", where,
      s));
}

Galapagos number_galapagos(const graph::Graph& graph, const graph::Grouping& grouping,
                           const std::vector<int>& node_of_kernel) {
  graph::validate(grouping, "grouping");
  check_consecutive(grouping);
  if (node_of_kernel.size() != graph.kernels.size()) {
    throw core::Error(fmt::format("placement: {} entries for {} kernels of graph '{}'",
                                  node_of_kernel.size(), graph.kernels.size(), graph.model));
  }
  const std::vector<LayerKernels> layers = collect(graph);
  Galapagos out;
  out.grouping = grouping;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    number_layer(layers[l], static_cast<int>(l), static_cast<int>(layers.size()), node_of_kernel,
                 out);
    for (std::size_t c = l * grouping.size(); c < out.clusters.size(); ++c) {
      const GalapagosCluster& cluster = out.clusters[c];
      if (cluster.kernels.size() > kMaxKernels) {
        std::vector<std::string> names;
        for (Sublayer s : cluster.sublayers) names.push_back(graph::to_string(s));
        throw core::Error(
            core::ErrorKind::does_not_fit,
            fmt::format("Galapagos cluster {} (layer {}: {}) needs {} kernel IDs (0..{}) but "
                        "the 8-bit TDEST allows 0..255; use a finer grouping (fewer sub-layers "
                        "per cluster) or fewer partitions",
                        c, cluster.layer, fmt::join(names, ", "), cluster.kernels.size(),
                        cluster.kernels.size() - 1));
      }
    }
  }
  return out;
}

std::vector<GalapagosAddress> graph_kernel_addresses(const Galapagos& galapagos,
                                                     std::size_t graph_kernels) {
  std::vector<GalapagosAddress> a(graph_kernels, {GalapagosAddress::kHost, 0});
  for (std::size_t c = 0; c < galapagos.clusters.size(); ++c) {
    for (const GalapagosKernel& k : galapagos.clusters[c].kernels) {
      if (k.graph_kernel >= 0 && static_cast<std::size_t>(k.graph_kernel) < graph_kernels) {
        a[static_cast<std::size_t>(k.graph_kernel)] = {static_cast<int>(c), k.id};
      }
    }
  }
  return a;
}

}  // namespace atl::plan
