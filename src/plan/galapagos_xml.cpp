#include "plan/galapagos_xml.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "core/file.h"
#include "core/xml.h"

namespace atl::plan {
namespace {

// Kernel names are "l0.h3.attention"-like, but a graph loaded from a user file may hold anything.
std::string escape(const std::string& s) {
  return core::xml_escape(s);
}

}  // namespace

std::string galapagos_logical_xml(const Plan& plan) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cluster>\n";
  for (std::size_t k = 0; k < plan.graph.kernels.size(); ++k) {
    // The kernel's graph name goes in a comment: Galapagos names the IP, atoll names the role.
    x += fmt::format(
        "    <!-- {} -->\n"
        "    <kernel> kern_{}\n"
        "        <num> {} </num>\n"
        "        <rep> 1 </rep>\n"
        "        <clk> ap_clk </clk>\n"
        "        <aresetn> ap_rst_n </aresetn>\n"
        "        <type> ip </type>\n"
        "        <s_axis>\n"
        "            <scope> global </scope>\n"
        "            <name> in_r </name>\n"
        "        </s_axis>\n"
        "        <m_axis>\n"
        "            <scope> global </scope>\n"
        "            <name> out_r </name>\n"
        "        </m_axis>\n"
        "    </kernel>\n",
        escape(plan.graph.kernels[k].name), plan.kernel_id[k], plan.kernel_id[k]);
  }
  return x + "</cluster>\n";
}

std::string galapagos_map_xml(const Plan& plan) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cluster>\n";
  for (std::size_t n = 0; n < plan.cluster.nodes.size(); ++n) {
    const hw::Node& node = plan.cluster.nodes[n];
    x += fmt::format("    <!-- {} ({}) -->\n    <node>\n        <type> hw </type>\n",
                     escape(node.name), escape(node.device.name));
    x += fmt::format("        <board> {} </board>\n        <comm> udp </comm>\n",
                     escape(node.device.name));
    // IDs ascending on each node, as the router table is indexed.
    std::vector<std::uint32_t> ids;
    for (std::size_t k = 0; k < plan.kernel_id.size(); ++k) {
      if (plan.node_of_kernel[k] == static_cast<int>(n)) ids.push_back(plan.kernel_id[k]);
    }
    std::sort(ids.begin(), ids.end());
    for (std::uint32_t id : ids) x += fmt::format("        <kernel> {} </kernel>\n", id);
    x += fmt::format("        <mac> 02:00:00:00:{:02x}:{:02x} </mac>\n", (n + 1) >> 8,
                     (n + 1) & 0xff);
    x += fmt::format("        <ip> 10.0.{}.{} </ip>\n    </node>\n", (n + 1) >> 8, (n + 1) & 0xff);
  }
  return x + "</cluster>\n";
}

void write_galapagos_xml(const Plan& plan, const std::filesystem::path& dir) {
  if (!plan.galapagos_compatible_ids) {
    throw core::Error(
        fmt::format("Galapagos XML export needs 8-bit kernel IDs; this plan has {} "
                    "kernels with wide IDs",
                    plan.kernel_id.size()));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw core::Error(fmt::format("{}: cannot create directory: {}", dir.string(), ec.message()));
  core::write_text_file(dir / "logical.xml", galapagos_logical_xml(plan));
  core::write_text_file(dir / "map.xml", galapagos_map_xml(plan));
}

}  // namespace atl::plan
