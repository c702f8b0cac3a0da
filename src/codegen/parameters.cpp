#include "codegen/parameters.h"

#include <fmt/format.h>

#include <algorithm>

#include "codegen/ip.h"

namespace atl::codegen {
namespace {

// The enums every header declares once (guarded, so two headers may meet in one file).
constexpr const char* kEnums = R"(#ifndef ATOLL_GALAPAGOS_ENUMS
#define ATOLL_GALAPAGOS_ENUMS
enum atoll_kind { ATOLL_GMI = 0, ATOLL_VIRTUAL = 1, ATOLL_COMPUTE = 2, ATOLL_BYPASS = 3, ATOLL_COMM = 4 };
enum atoll_op { ATOLL_FORWARD = 0, ATOLL_BROADCAST = 1, ATOLL_SCATTER = 2, ATOLL_GATHER = 3, ATOLL_GATHER_BROADCAST = 4 };
#endif
)";

const char* kind_enum(plan::GalapagosKind kind) {
  switch (kind) {
    case plan::GalapagosKind::gmi:
      return "ATOLL_GMI";
    case plan::GalapagosKind::virtual_kernel:
      return "ATOLL_VIRTUAL";
    case plan::GalapagosKind::compute:
      return "ATOLL_COMPUTE";
    case plan::GalapagosKind::bypass:
      return "ATOLL_BYPASS";
    case plan::GalapagosKind::comm:
      return "ATOLL_COMM";
  }
  return "";
}

const char* op_enum(plan::CommOp op) {
  switch (op) {
    case plan::CommOp::forward:
      return "ATOLL_FORWARD";
    case plan::CommOp::broadcast:
      return "ATOLL_BROADCAST";
    case plan::CommOp::scatter:
      return "ATOLL_SCATTER";
    case plan::CommOp::gather:
      return "ATOLL_GATHER";
    case plan::CommOp::gather_broadcast:
      return "ATOLL_GATHER_BROADCAST";
  }
  return "";
}

// num_<what>s, <what>_<i> and <what>_<i>_cluster, and the same as functions of i.
std::string addresses(const char* what, const std::vector<plan::GalapagosAddress>& list) {
  std::string s = fmt::format("  static const unsigned num_{}s = {};\n", what, list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    s += fmt::format(
        "  static const unsigned {0}_{1} = {2};\n  static const int {0}_{1}_cluster = {3};{4}\n",
        what, i, list[i].id, list[i].cluster,
        list[i].cluster == plan::GalapagosAddress::kHost ? "  // the host" : "");
  }
  // As functions of the index, for the wrappers' loops (kernels/hls/galapagos_kernels.h).
  std::string ids, clusters;
  for (const plan::GalapagosAddress& a : list) {
    ids += fmt::format("{}{}", ids.empty() ? "" : ", ", a.id);
    clusters += fmt::format("{}{}", clusters.empty() ? "" : ", ", a.cluster);
  }
  if (list.empty()) {
    return s + fmt::format(
                   "  static unsigned {0}_id(unsigned) {{ return 0; }}\n"
                   "  static int {0}_cluster(unsigned) {{ return 0; }}\n",
                   what);
  }
  return s + fmt::format(
                 "  static unsigned {0}_id(unsigned i) {{\n"
                 "    static const unsigned v[] = {{{1}}};\n    return v[i];\n  }}\n"
                 "  static int {0}_cluster(unsigned i) {{\n"
                 "    static const int v[] = {{{2}}};\n    return v[i];\n  }}\n",
                 what, ids, clusters);
}

// What the software nodes' wiring says of the kernel at `address`: its senders and their rows
// (kernel 0 is no task of its own: null).
const platform::TaskPorts* task_of(const platform::Wiring& wiring,
                                   const plan::GalapagosAddress& address) {
  for (const platform::TaskPorts& t : wiring.tasks) {
    if ((t.kind == platform::TaskKind::compute || t.kind == platform::TaskKind::comm) &&
        t.address == address)
      return &t;
  }
  return nullptr;
}

// The struct of a kernel's address and role.
std::string params_struct(const std::string& name, const plan::Plan& plan, const ClusterView& view,
                          const plan::GalapagosKernel& k, const platform::Wiring& wiring) {
  const platform::TaskPorts* task = task_of(wiring, {view.index, k.id});
  std::vector<plan::GalapagosAddress> senders;
  std::size_t in_row_bytes = 0;
  for (const platform::Source& src : task ? task->sources : std::vector<platform::Source>{}) {
    senders.push_back(src.from);
    in_row_bytes = std::max(in_row_bytes, src.row_bytes);
  }
  std::string s = fmt::format(
      "// {}\nstruct {} {{\n"
      "  static const unsigned id = {};\n"
      "  static const unsigned cluster = {};\n"
      "  static const unsigned layer = {};\n"
      "  static const atoll_kind kind = {};\n"
      "  static const atoll_op op = {};\n"
      "  static const unsigned seq_len = {};\n",
      describe(plan, k), name, k.id, view.index, view.cluster->layer, kind_enum(k.kind),
      op_enum(k.op), plan.graph.seq_len);
  s += addresses("dest", k.dests);
  s += addresses("src", senders);
  if (k.kind == plan::GalapagosKind::compute) {
    const graph::Kernel& g = graph_kernel(plan, k);
    s += fmt::format(
        "  static const int head = {};\n"
        "  static const unsigned part = {};\n"
        "  static const unsigned parts = {};\n"
        "  static const unsigned out_row_bytes = {};\n",
        g.head, g.part, g.parts, g.out_bytes_per_token);
  } else if (k.kind != plan::GalapagosKind::gmi) {
    s += fmt::format("  static const unsigned in_row_bytes = {};\n", in_row_bytes);
  }
  return s + "};\n";
}

}  // namespace

std::string stage_struct(std::uint32_t id, graph::StageType type, std::size_t index) {
  return fmt::format("{}_{}_{}", ip_name(id), graph::to_string(type), index);
}

std::string parameters_hpp(const plan::Plan& plan, const ClusterView& view,
                           const plan::GalapagosKernel& k, const platform::Wiring& wiring) {
  const hw::Node& node = plan.cluster.nodes[static_cast<std::size_t>(k.node)];
  std::string s = fmt::format(
      "// {}/parameters.hpp of cluster_{}: written by atoll build, do not edit.\n"
      "// {} on node {} ({}).\n"
      "#pragma once\n\n{}\n"
      "// Every cluster's structs in a namespace of their own: the C simulation links all "
      "clusters\n"
      "// into one program.\nnamespace cluster_{} {{\n\n",
      ip_name(k.id), view.index, describe(plan, k), node.name, node.device.name, kEnums,
      view.index);
  s += params_struct(ip_name(k.id) + "_params", plan, view, k, wiring);
  if (k.kind == plan::GalapagosKind::compute) {
    const graph::Kernel& g = graph_kernel(plan, k);
    for (std::size_t i = 0; i < g.stages.size(); ++i) {
      const graph::Stage& st = g.stages[i];
      s += fmt::format(
          "\nstruct {} {{\n"
          "  static const unsigned M = {};\n"
          "  static const unsigned K = {};\n"
          "  static const unsigned NUM_TILE = {};\n"
          "  static const unsigned NUM_PE = {};\n"
          "  static const unsigned UNROLL_FACTOR = {};\n"
          "}};\n",
          stage_struct(k.id, st.type, i), st.m, st.k, st.knobs.tile, st.knobs.pe, st.knobs.unroll);
    }
  }
  if (k.kind == plan::GalapagosKind::gmi) {
    unsigned count = 0, base = 0;
    for (const plan::GalapagosKernel& v : view.cluster->kernels) {
      if (v.kind != plan::GalapagosKind::virtual_kernel) continue;
      if (count++ == 0) base = v.id;
      s += '\n';
      s += params_struct(fmt::format("virtual_{}_params", v.id), plan, view, v, wiring);
    }
    s += fmt::format(
        "\n// The virtual kernels this IP serves: port (byte 0 of a packet's first flit) - "
        "base_id.\n"
        "struct {}_virtual {{\n"
        "  static const unsigned num_virtual = {};\n"
        "  static const unsigned base_id = {};\n"
        "}};\n",
        ip_name(k.id), count, base);
  }
  return s + fmt::format("\n}}  // namespace cluster_{}\n", view.index);
}

}  // namespace atl::codegen
