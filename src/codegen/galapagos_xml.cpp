#include "codegen/galapagos_xml.h"

#include <fmt/format.h>

#include "codegen/ip.h"
#include "core/error.h"
#include "core/xml.h"

namespace atl::codegen {
namespace {

// Text for an XML comment: escaped, and without "--", which a comment may not hold.
std::string comment(const std::string& text) {
  std::string out = core::xml_escape(text);
  for (std::size_t at = out.find("--"); at != std::string::npos; at = out.find("--", at))
    out.replace(at, 2, "- ");
  return out;
}

// Kernel 0's node, whose address a virtual kernel has (kernel 0's IP serves it).
const ClusterNode& gmi_node(const ClusterView& view) {
  for (const ClusterNode& n : view.nodes)
    if (n.node == view.cluster->kernels.front().node) return n;
  throw core::Error(core::ErrorKind::internal, "view_cluster left out kernel 0's node");
}

std::string header(const plan::Plan& plan, const ClusterView& view, const char* what) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- Galapagos {} of cluster_{} (encoder layer {}) of model {}, written by atoll build -->\n"
      "<cluster>\n",
      what, view.index, view.cluster->layer, comment(plan.graph.model));
}

}  // namespace

std::string logical_xml(const plan::Plan& plan, const ClusterView& view) {
  std::string x = header(plan, view, "LOGICALFILE");
  for (const plan::GalapagosKernel& k : view.cluster->kernels) {
    const std::string node_name = plan.cluster.nodes[static_cast<std::size_t>(k.node)].name;
    if (!has_ip(k)) {
      // Served inside kernel 0; its address is kernel 0's node, and no <node> lists it.
      const NodeAddress& a = gmi_node(view).address;
      x += fmt::format(
          "    <!-- {}: {}, served inside kern_0 on {} (no IP of its own) -->\n"
          "    <kernel> virtual_{}\n"
          "        <num> {} </num>\n"
          "        <rep> 1 </rep>\n"
          "        <ip> {} </ip>\n"
          "        <mac> {} </mac>\n"
          "    </kernel>\n",
          k.id, comment(describe(plan, k)), comment(node_name), k.id, k.id, a.ip, a.mac);
      continue;
    }
    x += fmt::format(
        "    <!-- {}: {}, on {} -->\n"
        "    <kernel> {}\n"
        "        <num> {} </num>\n"
        "        <rep> 1 </rep>\n"
        "        <vendor> {} </vendor>\n"
        "        <lib> {} </lib>\n"
        "        <version> {} </version>\n"
        "        <clk> {} </clk>\n"
        "        <aresetn> {} </aresetn>\n"
        "        <s_axis>\n"
        "            <scope> global </scope>\n"
        "            <name> {} </name>\n"
        "        </s_axis>\n"
        "        <m_axis>\n"
        "            <scope> global </scope>\n"
        "            <name> {} </name>\n"
        "        </m_axis>\n"
        "    </kernel>\n",
        k.id, comment(describe(plan, k)), comment(node_name), ip_name(k.id), k.id, kIpVendor,
        kIpLibrary, kIpVersion, kIpClock, kIpReset, kIpInput, kIpOutput);
  }
  return x + "</cluster>\n";
}

std::string map_xml(const plan::Plan& plan, const ClusterView& view) {
  std::string x = header(plan, view, "MAPFILE");
  for (const ClusterNode& n : view.nodes) {
    const hw::Node& node = plan.cluster.nodes[static_cast<std::size_t>(n.node)];
    x += fmt::format(
        "    <!-- {}: catalogue board {}; placeholder addresses, edit for your site -->\n"
        "    <node>\n"
        "        <type> hw </type>\n"
        "        <board> {} </board>\n"
        "        <comm> udp </comm>\n",
        comment(node.name), comment(node.device.name), core::xml_escape(n.galapagos_board));
    for (std::uint32_t id : n.ips) x += fmt::format("        <kernel> {} </kernel>\n", id);
    if (n.ips.size() == 1) {
      x += fmt::format(
          "        <!-- {}: no kernel; makes xmltodict read this node's kernels as a list -->\n"
          "        <kernel> {} </kernel>\n",
          kNoKernel, kNoKernel);
    }
    x += fmt::format("        <mac> {} </mac>\n        <ip> {} </ip>\n    </node>\n", n.address.mac,
                     n.address.ip);
  }
  if (view.nodes.size() == 1) {
    const NodeAddress host = host_placeholder_address();
    x += fmt::format(
        "    <!-- the host, a software node without kernels: the yugao parser reads a map file "
        "with a single node element key by key; {} is no kernel -->\n"
        "    <node>\n"
        "        <type> sw </type>\n"
        "        <comm> udp </comm>\n"
        "        <kernel> {} </kernel>\n"
        "        <kernel> {} </kernel>\n"
        "        <mac> {} </mac>\n"
        "        <ip> {} </ip>\n"
        "    </node>\n",
        kNoKernel, kNoKernel, kNoKernel, host.mac, host.ip);
  }
  return x + "</cluster>\n";
}

}  // namespace atl::codegen
