#include "plan/json.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <variant>

#include "core/error.h"
#include "core/file.h"
#include "core/json_field.h"
#include "graph/json.h"
#include "graph/sublayer.h"
#include "plan/check.h"

namespace atl::plan {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "atoll-plan";
// Version 2 added "galapagos" (the grouping and Cluster Builder's numbering); version 3 drops
// the flat kernel IDs (placement[].id, "routing", "galapagos_compatible_ids"), which the
// numbering replaces. Older files are read ignoring those fields; a version-1 file (no
// "galapagos") with the published single-cluster grouping, its numbering computed.
constexpr int kVersion = 3;

const char* topology_name(hw::Topology t) {
  switch (t) {
    case hw::Topology::switched:
      return "switch";
    case hw::Topology::ring:
      return "ring";
    case hw::Topology::direct:
      return "direct";
  }
  return "?";
}

hw::Topology topology_from(const std::string& s, const std::string& at) {
  if (s == "switch") return hw::Topology::switched;
  if (s == "ring") return hw::Topology::ring;
  if (s == "direct") return hw::Topology::direct;
  throw core::Error(
      fmt::format("{}: unknown topology '{}' (expected switch, ring or direct)", at, s));
}

// The AI Engine array's figures appear only for boards with AI Engines (older plans lack them).
bool skipped(const hw::DeviceField& f, const hw::Device& d) {
  return f.presence == hw::DeviceField::Presence::aie_array && d.aie_tiles == 0;
}

// Every figure of hw::device_fields(), under its JSON key, with the same ranges as the catalogue.
json device_json(const hw::Device& d) {
  json j = json::object();
  for (const hw::DeviceField& f : hw::device_fields()) {
    if (skipped(f, d)) continue;
    std::visit([&](const auto& v) { j[f.json] = v; }, hw::get(f, d));
  }
  return j;
}

hw::Device device_from(const json& j, const std::string& at) {
  hw::Device d;
  for (const hw::DeviceField& f : hw::device_fields()) {
    if (skipped(f, d)) continue;
    const std::string field_at = fmt::format("{}.{}", at, f.json);
    hw::FieldValue v;
    if (std::holds_alternative<std::string hw::Device::*>(f.member)) {
      v = core::json_field<std::string>(j, f.json, at);
    } else if (std::holds_alternative<double hw::Device::*>(f.member)) {
      v = core::json_field<double>(j, f.json, at);
    } else {
      v = core::json_int(j, f.json, at, 0, static_cast<std::int64_t>(f.hi));
    }
    hw::set(f, d, v, field_at);
  }
  return d;
}

json cluster_json(const hw::Cluster& c) {
  json nodes = json::array();
  for (const hw::Node& n : c.nodes)
    nodes.push_back({{"name", n.name}, {"device", device_json(n.device)}});
  json links = json::array();
  for (const auto& [a, b] : c.network.links) links.push_back({a, b});
  return {{"name", c.name},
          {"nodes", std::move(nodes)},
          {"network",
           {{"topology", topology_name(c.network.topology)},
            {"link_gbps", c.network.link_gbps},
            {"hop_latency_ns", c.network.hop_latency_ns},
            {"mtu_bytes", c.network.mtu_bytes},
            {"frame_overhead_bytes", c.network.frame_overhead_bytes},
            {"links", std::move(links)}}}};
}

hw::Cluster cluster_from(const json& j, const std::string& at) {
  hw::Cluster c;
  c.name = core::json_field<std::string>(j, "name", at);
  const json& nodes = core::json_array(j, "nodes", at);
  std::map<std::string, int> names;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string nat = fmt::format("{}.nodes[{}]", at, i);
    hw::Node n;
    n.name = core::json_field<std::string>(nodes[i], "name", nat);
    if (!names.emplace(n.name, static_cast<int>(i)).second) {
      throw core::Error(fmt::format("{}.name: duplicate node name '{}'", nat, n.name));
    }
    auto dev = nodes[i].find("device");
    if (dev == nodes[i].end()) throw core::Error(fmt::format("{}.device: missing field", nat));
    n.device = device_from(*dev, nat + ".device");
    c.nodes.push_back(std::move(n));
  }
  if (c.nodes.empty()) throw core::Error(fmt::format("{}.nodes: no nodes", at));
  const std::string net_at = at + ".network";
  auto net = j.find("network");
  if (net == j.end()) throw core::Error(fmt::format("{}: missing field", net_at));
  hw::Network& w = c.network;
  w.topology =
      topology_from(core::json_field<std::string>(*net, "topology", net_at), net_at + ".topology");
  w.link_gbps = core::json_field<double>(*net, "link_gbps", net_at);
  w.hop_latency_ns = core::json_field<double>(*net, "hop_latency_ns", net_at);
  w.mtu_bytes = core::json_field<int>(*net, "mtu_bytes", net_at);
  w.frame_overhead_bytes = core::json_field<int>(*net, "frame_overhead_bytes", net_at);
  if (w.link_gbps <= 0 || w.hop_latency_ns < 0 || w.mtu_bytes <= 0 || w.frame_overhead_bytes < 0) {
    throw core::Error(
        fmt::format("{}: link_gbps and mtu_bytes must be positive, hop_latency_ns "
                    "and frame_overhead_bytes not negative",
                    net_at));
  }
  const json& links = core::json_array(*net, "links", net_at);
  for (std::size_t i = 0; i < links.size(); ++i) {
    const json& l = links[i];
    const auto n = static_cast<std::int64_t>(c.nodes.size());
    // Read as int64 (never cut to int: 2^32 would become node 0); an unsigned value beyond the
    // int64 range reads as negative and is refused with the rest.
    auto node_index = [&](const json& v) {
      return v.is_number_integer() ? v.get<std::int64_t>() : std::int64_t{-1};
    };
    if (!l.is_array() || l.size() != 2 || node_index(l[0]) < 0 || node_index(l[0]) >= n ||
        node_index(l[1]) < 0 || node_index(l[1]) >= n) {
      throw core::Error(
          fmt::format("{}.links[{}]: expected [a, b] with node indices below {}, got {}", net_at, i,
                      n, l.dump()));
    }
    w.links.emplace_back(static_cast<int>(node_index(l[0])), static_cast<int>(node_index(l[1])));
  }
  return c;
}

// A node's AI Engine figures under their JSON keys.
std::array<std::pair<const char*, std::int64_t&>, 3> aie_fields(hw::Resources& r) {
  return {{{"aie_tiles", r.aie_tiles}, {"plio_in", r.plio_in}, {"plio_out", r.plio_out}}};
}

json estimate_json(const Estimate& e, const hw::Cluster& c) {
  json nodes = json::array();
  for (std::size_t i = 0; i < e.nodes.size(); ++i) {
    const NodeEstimate& n = e.nodes[i];
    json node = {{"node", i < c.nodes.size() ? c.nodes[i].name : ""},
                 {"dsp", n.resources.dsp},
                 {"lut", n.resources.lut},
                 {"ff", n.resources.ff},
                 {"bram_bytes", n.resources.bram_bytes},
                 {"uram_bytes", n.resources.uram_bytes},
                 {"cycles_per_token", n.cycles_per_token}};
    // AI Engine tiles and PLIO streams only where a node uses them (absent: none).
    hw::Resources used = n.resources;
    for (const auto& [key, value] : aie_fields(used)) {
      if (value > 0) node[key] = value;
    }
    nodes.push_back(std::move(node));
  }
  return {{"latency_us", e.latency_us},
          {"throughput_seq_per_s", e.throughput_seq_per_s},
          {"nodes", std::move(nodes)}};
}

Estimate estimate_from(const json& j, const hw::Cluster& c, const std::string& at) {
  Estimate e;
  e.latency_us = core::json_field<double>(j, "latency_us", at);
  e.throughput_seq_per_s = core::json_field<double>(j, "throughput_seq_per_s", at);
  const json& nodes = core::json_array(j, "nodes", at);
  if (nodes.size() != c.nodes.size()) {
    throw core::Error(
        fmt::format("{}.nodes: {} entries for {} cluster nodes", at, nodes.size(), c.nodes.size()));
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string nat = fmt::format("{}.nodes[{}]", at, i);
    const auto name = core::json_field<std::string>(nodes[i], "node", nat);
    if (name != c.nodes[i].name) {
      throw core::Error(
          fmt::format("{}.node: '{}' but cluster node {} is '{}'", nat, name, i, c.nodes[i].name));
    }
    NodeEstimate n;
    // A node holds at most what thousands of the largest devices offer.
    constexpr std::int64_t kMax = hw::kMaxDeviceCount;
    n.resources.dsp = core::json_int(nodes[i], "dsp", nat, 0, kMax);
    n.resources.lut = core::json_int(nodes[i], "lut", nat, 0, kMax);
    n.resources.ff = core::json_int(nodes[i], "ff", nat, 0, kMax);
    n.resources.bram_bytes = core::json_int(nodes[i], "bram_bytes", nat, 0, kMax);
    n.resources.uram_bytes = core::json_int(nodes[i], "uram_bytes", nat, 0, kMax);
    for (const auto& [key, value] : aie_fields(n.resources)) {
      if (nodes[i].contains(key)) value = core::json_int(nodes[i], key, nat, 1, kMax);
    }
    n.cycles_per_token = core::json_field<double>(nodes[i], "cycles_per_token", nat);
    e.nodes.push_back(n);
  }
  return e;
}

// An address as [cluster, id]; cluster -1 (GalapagosAddress::kHost) is the host.
json addresses_json(const std::vector<GalapagosAddress>& addresses) {
  json a = json::array();
  for (const GalapagosAddress& x : addresses) a.push_back({x.cluster, x.id});
  return a;
}

std::vector<GalapagosAddress> addresses_from(const json& j, const std::string& key,
                                             const std::string& at) {
  std::vector<GalapagosAddress> a;
  const json& list = core::json_array(j, key, at);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& x = list[i];
    const auto bad = [&] {
      return core::Error(
          fmt::format("{}.{}[{}]: expected [cluster, id] with cluster -1 (the "
                      "host) or a cluster index and id 0..255, got {}",
                      at, key, i, core::shown(x)));
    };
    if (!x.is_array() || x.size() != 2 || !x[0].is_number_integer() || !x[1].is_number_integer()) {
      throw bad();
    }
    const auto cluster = x[0].get<std::int64_t>(), id = x[1].get<std::int64_t>();
    if (cluster < GalapagosAddress::kHost || cluster > 0x7fffffff || id < 0 || id > 255) {
      throw bad();
    }
    a.push_back({static_cast<int>(cluster), static_cast<std::uint32_t>(id)});
  }
  return a;
}

json sublayers_json(const std::vector<graph::Sublayer>& sublayers) {
  json names = json::array();
  for (graph::Sublayer s : sublayers) names.push_back(graph::to_string(s));
  return names;
}

// A list of sub-layer names at `at`.
std::vector<graph::Sublayer> sublayers_from(const json& names, const std::string& at) {
  if (!names.is_array()) {
    throw core::Error(fmt::format("{}: expected a list of sub-layer names", at));
  }
  std::vector<graph::Sublayer> sublayers;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string sat = fmt::format("{}[{}]", at, i);
    if (!names[i].is_string()) {
      throw core::Error(
          fmt::format("{}: expected a sub-layer name, got {}", sat, core::shown(names[i])));
    }
    sublayers.push_back(graph::sublayer_from_string(names[i].get<std::string>(), sat));
  }
  return sublayers;
}

json galapagos_json(const Galapagos& g, const Plan& p) {
  json clusters = json::array();
  for (const GalapagosCluster& c : g.clusters) {
    json kernels = json::array();
    for (const GalapagosKernel& k : c.kernels) {
      json x = {{"id", k.id},
                {"kind", to_string(k.kind)},
                {"node", p.cluster.nodes.at(static_cast<std::size_t>(k.node)).name},
                {"dests", addresses_json(k.dests)},
                {"sources", addresses_json(k.sources)}};
      if (k.kind == GalapagosKind::compute) {
        x["kernel"] = p.graph.kernels.at(static_cast<std::size_t>(k.graph_kernel)).name;
      } else if (k.kind != GalapagosKind::gmi) {
        x["op"] = to_string(k.op);
      }
      kernels.push_back(std::move(x));
    }
    clusters.push_back({{"layer", c.layer},
                        {"sublayers", sublayers_json(c.sublayers)},
                        {"kernels", std::move(kernels)}});
  }
  json grouping = json::array();
  for (const auto& group : g.grouping) grouping.push_back(sublayers_json(group));
  return {{"grouping", std::move(grouping)}, {"clusters", std::move(clusters)}};
}

// Reads the numbering as written; check_meaning then compares it with the one the graph,
// grouping and placement give.
Galapagos galapagos_from(const json& j, const Plan& p, const std::map<std::string, int>& node_index,
                         const std::string& at) {
  Galapagos g;
  const json& groups = core::json_array(j, "grouping", at);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    g.grouping.push_back(sublayers_from(groups[i], fmt::format("{}.grouping[{}]", at, i)));
  }
  std::map<std::string, int> kernel_index;
  for (std::size_t k = 0; k < p.graph.kernels.size(); ++k) {
    kernel_index[p.graph.kernels[k].name] = static_cast<int>(k);
  }
  auto index_of = [](const std::map<std::string, int>& names, const std::string& name,
                     const std::string& field, const char* what) {
    auto it = names.find(name);
    if (it == names.end()) throw core::Error(fmt::format("{}: unknown {} '{}'", field, what, name));
    return it->second;
  };
  const json& clusters = core::json_array(j, "clusters", at);
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    const std::string cat = fmt::format("{}.clusters[{}]", at, c);
    GalapagosCluster& cluster = g.clusters.emplace_back();
    cluster.layer = core::json_field<int>(clusters[c], "layer", cat);
    cluster.sublayers =
        sublayers_from(core::json_array(clusters[c], "sublayers", cat), cat + ".sublayers");
    const json& kernels = core::json_array(clusters[c], "kernels", cat);
    for (std::size_t i = 0; i < kernels.size(); ++i) {
      const std::string kat = fmt::format("{}.kernels[{}]", cat, i);
      const json& x = kernels[i];
      GalapagosKernel& k = cluster.kernels.emplace_back();
      k.id = static_cast<std::uint32_t>(core::json_int(x, "id", kat, 0, 255));
      k.kind =
          galapagos_kind_from_string(core::json_field<std::string>(x, "kind", kat), kat + ".kind");
      if (k.kind == GalapagosKind::compute) {
        k.graph_kernel = index_of(kernel_index, core::json_field<std::string>(x, "kernel", kat),
                                  kat + ".kernel", "graph kernel");
      } else if (k.kind != GalapagosKind::gmi) {
        k.op = comm_op_from_string(core::json_field<std::string>(x, "op", kat), kat + ".op");
      }
      k.node = index_of(node_index, core::json_field<std::string>(x, "node", kat), kat + ".node",
                        "node");
      k.dests = addresses_from(x, "dests", kat);
      k.sources = addresses_from(x, "sources", kat);
    }
  }
  return g;
}

// A decoder plan's memory placement (kernel -> weights, kv; only kernels with something off chip)
// and the mapper's choices. Absent in older plans: everything on chip, nothing chosen.
json decoder_json(const Plan& p) {
  json memory = json::array();
  for (std::size_t k = 0; k < p.memory.size(); ++k) {
    if (p.memory[k] == cost::KernelMemory{}) continue;
    memory.push_back({{"kernel", p.graph.kernels[k].name},
                      {"weights", cost::to_string(p.memory[k].weights)},
                      {"kv", cost::to_string(p.memory[k].kv)}});
  }
  return {{"tensor_parallel", p.tensor_parallel},
          {"pipeline_stages", p.pipeline_stages},
          {"batch", p.batch},
          {"off_chip", std::move(memory)}};
}

void decoder_from(const json& j, Plan& p, const std::string& where) {
  if (!j.is_object()) throw core::Error(fmt::format("{}: expected an object", where));
  p.tensor_parallel = static_cast<int>(core::json_int(j, "tensor_parallel", where, 0, 1 << 20));
  p.pipeline_stages = static_cast<int>(core::json_int(j, "pipeline_stages", where, 0, 1 << 20));
  p.batch = core::json_int(j, "batch", where, 1, std::int64_t{1} << 30);
  std::map<std::string, std::size_t> index;
  for (std::size_t k = 0; k < p.graph.kernels.size(); ++k) index[p.graph.kernels[k].name] = k;
  const json& off = core::json_array(j, "off_chip", where);
  p.memory.assign(p.graph.kernels.size(), {});
  for (std::size_t i = 0; i < off.size(); ++i) {
    const std::string at = fmt::format("{}.off_chip[{}]", where, i);
    const auto kernel = core::json_field<std::string>(off[i], "kernel", at);
    auto it = index.find(kernel);
    if (it == index.end()) throw core::Error(fmt::format("{}.kernel: no kernel '{}'", at, kernel));
    p.memory[it->second] = {
        cost::memory_from_string(core::json_field<std::string>(off[i], "weights", at),
                                 at + ".weights"),
        cost::memory_from_string(core::json_field<std::string>(off[i], "kv", at), at + ".kv")};
  }
}

}  // namespace

json to_json(const Plan& p) {
  json placement = json::array();
  for (std::size_t k = 0; k < p.graph.kernels.size(); ++k) {
    placement.push_back({{"kernel", p.graph.kernels[k].name},
                         {"node", p.cluster.nodes.at(p.node_of_kernel.at(k)).name}});
  }
  json j = {{"format", kFormat},
            {"version", kVersion},
            {"model_config", p.model_config},
            {"objective", to_string(p.objective)},
            {"graph", graph::to_json(p.graph)},
            {"cluster", cluster_json(p.cluster)},
            {"placement", std::move(placement)},
            {"estimate", estimate_json(p.estimate, p.cluster)},
            {"galapagos", galapagos_json(p.galapagos, p)}};
  if (p.graph.architecture != model::Architecture::ibert_encoder) j["decoder"] = decoder_json(p);
  return j;
}

Plan plan_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw core::Error(fmt::format("{}: expected a JSON object (a plan)", where));
  if (core::json_field<std::string>(j, "format", where) != kFormat) {
    throw core::Error(fmt::format("{}.format: expected '{}'", where, kFormat));
  }
  const int version = core::json_field<int>(j, "version", where);
  if (version < 1 || version > kVersion) {
    throw core::Error(fmt::format("{}.version: {} is not supported (expected 1 to {})", where,
                                  version, kVersion));
  }
  Plan p;
  p.model_config = core::json_field<std::string>(j, "model_config", where);
  p.objective =
      parse_objective(core::json_field<std::string>(j, "objective", where), where + ": objective");
  auto graph_it = j.find("graph");
  if (graph_it == j.end()) throw core::Error(fmt::format("{}.graph: missing field", where));
  p.graph = graph::graph_from_json(*graph_it, where + ".graph");
  auto cluster_it = j.find("cluster");
  if (cluster_it == j.end()) throw core::Error(fmt::format("{}.cluster: missing field", where));
  p.cluster = cluster_from(*cluster_it, where + ".cluster");

  std::map<std::string, int> node_index;
  for (std::size_t i = 0; i < p.cluster.nodes.size(); ++i) node_index[p.cluster.nodes[i].name] = i;

  const json& placement = core::json_array(j, "placement", where);
  if (placement.size() != p.graph.kernels.size()) {
    throw core::Error(fmt::format("{}.placement: {} entries for {} kernels", where,
                                  placement.size(), p.graph.kernels.size()));
  }
  for (std::size_t k = 0; k < placement.size(); ++k) {
    const std::string at = fmt::format("{}.placement[{}]", where, k);
    const auto kernel = core::json_field<std::string>(placement[k], "kernel", at);
    if (kernel != p.graph.kernels[k].name) {
      throw core::Error(fmt::format("{}.kernel: '{}' but graph kernel {} is '{}'", at, kernel, k,
                                    p.graph.kernels[k].name));
    }
    const auto node = core::json_field<std::string>(placement[k], "node", at);
    auto it = node_index.find(node);
    if (it == node_index.end()) {
      throw core::Error(fmt::format("{}.node: kernel '{}' on unknown node '{}'", at, kernel, node));
    }
    p.node_of_kernel.push_back(it->second);
  }
  auto estimate_it = j.find("estimate");
  if (estimate_it == j.end()) throw core::Error(fmt::format("{}.estimate: missing field", where));
  p.estimate = estimate_from(*estimate_it, p.cluster, where + ".estimate");
  if (version >= 2) {
    auto galapagos_it = j.find("galapagos");
    if (galapagos_it == j.end()) {
      throw core::Error(fmt::format("{}.galapagos: missing field", where));
    }
    p.galapagos = galapagos_from(*galapagos_it, p, node_index, where + ".galapagos");
    // Decoders have no Galapagos numbering yet (Cluster Builder's rules are the encoder's).
    if (p.galapagos.clusters.empty() &&
        p.graph.architecture == model::Architecture::ibert_encoder) {
      throw core::Error(fmt::format("{}.galapagos.clusters: no clusters", where));
    }
  }
  if (auto it = j.find("decoder"); it != j.end()) decoder_from(*it, p, where + ".decoder");
  validate(p, where);
  check_meaning(p, where);
  if (version == 1) {
    p.galapagos = number_galapagos(p.graph, graph::single_cluster_grouping(), p.node_of_kernel);
  }
  return p;
}

std::string plan_text(const Plan& plan) {
  return to_json(plan).dump(1) + "\n";
}

void save_plan(const Plan& plan, const std::filesystem::path& path) {
  if (plan.galapagos.clusters.empty() &&
      plan.graph.architecture == model::Architecture::ibert_encoder) {
    throw core::Error(core::ErrorKind::internal,
                      fmt::format("{}: the plan has no Galapagos numbering (make_plan numbers it)",
                                  path.string()));
  }
  validate(plan, path.string());
  check_meaning(plan, path.string());
  core::write_text_file(path, plan_text(plan));
}

Plan load_plan(const std::filesystem::path& path) {
  return plan_from_json(core::read_json_file(path, "plan file"), path.string());
}

}  // namespace atl::plan
