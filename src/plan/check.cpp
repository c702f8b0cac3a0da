#include "plan/check.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <utility>
#include <vector>

#include "core/error.h"
#include "graph/architecture.h"

namespace atl::plan {
namespace {

// Why a plan is refused when it differs from what its builder makes.
std::string why(model::Architecture a) {
  return a == model::Architecture::ibert_encoder
             ? "a plan's graph must be the I-BERT encoder that its model shape and layer-0 knobs "
               "build"
             : fmt::format(
                   "a plan's graph must be the {} that its model shape and first knobs "
                   "build",
                   model::to_string(a));
}

std::string shown(const std::string& s) {
  return "'" + s + "'";
}
std::string shown(std::int64_t v) {
  return std::to_string(v);
}

// Compares one field of the plan's graph with the rebuilt one.
class Comparer {
 public:
  Comparer(const std::string& where, model::Architecture a) : where_(where), why_(why(a)) {}

  template <typename T>
  void operator()(const std::string& path, const T& found, const T& expected) const {
    if (found == expected) return;
    throw core::Error(fmt::format("{}: {}: {}, expected {} ({})", where_, path, shown(found),
                                  shown(expected), why_));
  }

  // The length of an array.
  void count(const std::string& path, std::size_t found, std::size_t expected) const {
    if (found == expected) return;
    throw core::Error(
        fmt::format("{}: {}: {} entries, expected {} ({})", where_, path, found, expected, why_));
  }

 private:
  const std::string& where_;
  std::string why_;
};

void check_shape(const graph::Graph& g, const std::string& where) {
  const std::pair<const char*, std::int64_t> dims[] = {{"layers", g.layers},
                                                       {"hidden", g.hidden},
                                                       {"heads", g.heads},
                                                       {"intermediate", g.intermediate},
                                                       {"seq_len", g.seq_len}};
  for (const auto& [name, v] : dims) {
    if (v < 1 || v > kMaxDimension) {
      throw core::Error(
          fmt::format("{}: graph.{}: {} is outside 1..{}", where, name, v, kMaxDimension));
    }
  }
  if (g.hidden % g.heads != 0) {
    throw core::Error(fmt::format("{}: graph.hidden: {} is not a multiple of graph.heads ({})",
                                  where, g.hidden, g.heads));
  }
}

void check_kernels(const graph::Graph& found, const graph::Graph& built, const Comparer& same) {
  for (std::size_t i = 0; i < built.kernels.size(); ++i) {
    const graph::Kernel& f = found.kernels[i];
    const graph::Kernel& b = built.kernels[i];
    const std::string at = fmt::format("graph.kernels[{}]", i);
    same(at + ".name", f.name, b.name);
    same(at + ".role", graph::to_string(f.role), graph::to_string(b.role));
    same(at + ".layer", std::int64_t{f.layer}, std::int64_t{b.layer});
    same(at + ".head", std::int64_t{f.head}, std::int64_t{b.head});
    same(at + ".part", std::int64_t{f.part}, std::int64_t{b.part});
    same(at + ".parts", std::int64_t{f.parts}, std::int64_t{b.parts});
    same(at + ".out_dtype", core::to_string(f.out_dtype), core::to_string(b.out_dtype));
    same(at + ".out_bytes_per_token", f.out_bytes_per_token, b.out_bytes_per_token);
    same.count(at + ".stages", f.stages.size(), b.stages.size());
    for (std::size_t s = 0; s < b.stages.size(); ++s) {
      const graph::Stage& fs = f.stages[s];
      const graph::Stage& bs = b.stages[s];
      const std::string sat = fmt::format("{}.stages[{}]", at, s);
      same(sat + ".type", graph::to_string(fs.type), graph::to_string(bs.type));
      same(sat + ".m", fs.m, bs.m);
      same(sat + ".k", fs.k, bs.k);
      same(sat + ".tile", std::int64_t{fs.knobs.tile}, std::int64_t{bs.knobs.tile});
      same(sat + ".pe", std::int64_t{fs.knobs.pe}, std::int64_t{bs.knobs.pe});
      same(sat + ".unroll", std::int64_t{fs.knobs.unroll}, std::int64_t{bs.knobs.unroll});
    }
  }
}

void check_streams(const graph::Graph& found, const graph::Graph& built, const Comparer& same) {
  same.count("graph.streams", found.streams.size(), built.streams.size());
  for (std::size_t i = 0; i < built.streams.size(); ++i) {
    const graph::Stream& f = found.streams[i];
    const graph::Stream& b = built.streams[i];
    const std::string at = fmt::format("graph.streams[{}]", i);
    same(at + ".producer", found.kernels[f.producer].name, built.kernels[b.producer].name);
    same(at + ".consumer", found.kernels[f.consumer].name, built.kernels[b.consumer].name);
    same(at + ".pattern", graph::to_string(f.pattern), graph::to_string(b.pattern));
    same(at + ".bytes_per_token", f.bytes_per_token, b.bytes_per_token);
    same(at + ".port", std::int64_t{f.port}, std::int64_t{b.port});
  }
}

std::string shown(const std::vector<GalapagosAddress>& addresses) {
  std::vector<std::string> a;
  for (const GalapagosAddress& x : addresses) a.push_back(fmt::format("[{},{}]", x.cluster, x.id));
  return fmt::format("[{}]", fmt::join(a, ","));
}

// The Galapagos numbering must be the one Cluster Builder's rules give for the graph, grouping
// and placement; the error names the first field that differs.
void check_numbering(const Plan& plan, const std::string& where) {
  const Galapagos& found = plan.galapagos;
  if (found.clusters.empty()) return;
  Galapagos built;
  try {
    built = number_galapagos(plan.graph, found.grouping, plan.node_of_kernel);
  } catch (const core::Error& e) {
    throw core::Error(e.kind(), fmt::format("{}: galapagos.grouping: {}", where, e.what()));
  }
  if (found == built) return;
  auto differ = [&](const std::string& path, const auto& f, const auto& e) {
    if (f == e) return;
    throw core::Error(fmt::format(
        "{}: galapagos.{}: {}, expected {} (a plan's Galapagos numbering must be the one Cluster "
        "Builder's rules give for its graph, grouping and placement, docs/galapagos.md)",
        where, path, f, e));
  };
  auto kernel_name = [&](int k) {
    return k < 0 ? std::string("none")
                 : "'" + plan.graph.kernels.at(static_cast<std::size_t>(k)).name + "'";
  };
  auto node_name = [&](int n) {
    return n < 0 || static_cast<std::size_t>(n) >= plan.cluster.nodes.size()
               ? std::to_string(n)
               : "'" + plan.cluster.nodes[static_cast<std::size_t>(n)].name + "'";
  };
  auto names = [](const std::vector<graph::Sublayer>& sublayers) {
    std::vector<std::string> n;
    for (graph::Sublayer s : sublayers) n.push_back(graph::to_string(s));
    return fmt::format("[{}]", fmt::join(n, ","));
  };
  differ("clusters", fmt::format("{} entries", found.clusters.size()),
         fmt::format("{} entries", built.clusters.size()));
  for (std::size_t c = 0; c < built.clusters.size(); ++c) {
    const GalapagosCluster& f = found.clusters[c];
    const GalapagosCluster& b = built.clusters[c];
    const std::string at = fmt::format("clusters[{}]", c);
    differ(at + ".layer", f.layer, b.layer);
    differ(at + ".sublayers", names(f.sublayers), names(b.sublayers));
    differ(at + ".kernels", fmt::format("{} entries", f.kernels.size()),
           fmt::format("{} entries", b.kernels.size()));
    for (std::size_t i = 0; i < b.kernels.size(); ++i) {
      const GalapagosKernel& fk = f.kernels[i];
      const GalapagosKernel& bk = b.kernels[i];
      const std::string kat = fmt::format("{}.kernels[{}]", at, i);
      differ(kat + ".id", fk.id, bk.id);
      differ(kat + ".kind", std::string(to_string(fk.kind)), std::string(to_string(bk.kind)));
      differ(kat + ".op", std::string(to_string(fk.op)), std::string(to_string(bk.op)));
      differ(kat + ".kernel", kernel_name(fk.graph_kernel), kernel_name(bk.graph_kernel));
      differ(kat + ".node", node_name(fk.node), node_name(bk.node));
      differ(kat + ".dests", shown(fk.dests), shown(bk.dests));
      differ(kat + ".sources", shown(fk.sources), shown(bk.sources));
    }
  }
}

}  // namespace

void require_encoder(const Plan& plan, const std::string& what) {
  if (plan.graph.architecture == model::Architecture::ibert_encoder) return;
  throw core::Error(core::ErrorKind::unsupported,
                    fmt::format("{}: plan of model '{}' is a {}: decoder plans are not supported "
                                "here yet (`atoll run` runs them on software nodes, `atoll "
                                "simulate --prompt N --new-tokens M` times them, `atoll "
                                "generate` on one machine)",
                                what, plan.graph.model, model::to_string(plan.graph.architecture)));
}

void check_meaning(const Plan& plan, const std::string& where) {
  const graph::Graph& g = plan.graph;
  check_shape(g, where);
  const model::ModelConfig config = graph::model_config(g);
  graph::KnobMap knobs;
  try {
    knobs = graph::knobs_of(g);
    graph::validate(knobs, config);
  } catch (const core::Error& e) {
    if (e.kind() != core::ErrorKind::invalid_input) throw;
    throw core::Error(fmt::format("{}: graph.kernels: {}", where, e.what()));
  }

  const std::int64_t count = graph::kernel_count(config, knobs);
  const auto held = static_cast<std::int64_t>(g.kernels.size());
  if (count != held) {
    throw core::Error(fmt::format(
        "{}: graph.kernels: {} kernels, but graph.layers {} with graph.heads {} and the layer-0 "
        "partitions make {} of {} ({})",
        where, held, g.layers, g.heads,
        g.architecture == model::Architecture::ibert_encoder
            ? std::string("an encoder")
            : "a " + model::to_string(g.architecture),
        count < 0 ? "more than 2^63" : std::to_string(count), why(g.architecture)));
  }
  const graph::Graph built = graph::build_graph(config, knobs);
  const Comparer same(where, g.architecture);
  check_kernels(g, built, same);
  check_streams(g, built, same);
  check_numbering(plan, where);
}

}  // namespace atl::plan
