#include "codegen/top_cpp.h"

#include <fmt/format.h>

#include <vector>

#include "codegen/ip.h"
#include "codegen/parameters.h"
#include "core/error.h"

namespace atl::codegen {
namespace {

using graph::StageType;

// The compute wrappers of kernels/hls/galapagos_kernels.h by the stage list they implement.
struct ComputeWrapper {
  std::vector<StageType> stages;
  const char* name;
};

const std::vector<ComputeWrapper>& compute_wrappers() {
  using enum StageType;
  static const std::vector<ComputeWrapper> w{
      {{linear, quant_act}, "linear_act_kernel"},
      {{linear, gelu, quant_act}, "linear_gelu_act_kernel"},
      {{attention_matmul, softmax}, "attention_kernel"},
      {{softmax_matmul, quant_act}, "context_kernel"},
      {{residual_act, layernorm, quant_act}, "norm_kernel"},
  };
  return w;
}

std::string stage_list(const graph::Kernel& g) {
  std::string s;
  for (const graph::Stage& st : g.stages) s += (s.empty() ? "" : ", ") + graph::to_string(st.type);
  return s;
}

// The wrapper's template arguments, qualified by the cluster's namespace.
std::string template_arguments(const plan::Plan& plan, const ClusterView& view,
                               const plan::GalapagosKernel& k) {
  const std::string ns = fmt::format("cluster_{}::", view.index);
  const std::string kern = ns + ip_name(k.id);
  std::string args = kern + "_params";
  if (k.kind == plan::GalapagosKind::compute) {
    const graph::Kernel& g = graph_kernel(plan, k);
    for (std::size_t i = 0; i < g.stages.size(); ++i)
      args += ", " + ns + stage_struct(k.id, g.stages[i].type, i);
    args += ", " + kern + "_weights";
  } else if (k.kind == plan::GalapagosKind::gmi) {
    for (const plan::GalapagosKernel& v : view.cluster->kernels)
      if (v.kind == plan::GalapagosKind::virtual_kernel)
        args += fmt::format(", {}virtual_{}_params", ns, v.id);
  }
  return args;
}

}  // namespace

std::string wrapper_of(const plan::Plan& plan, const ClusterView& view,
                       const plan::GalapagosKernel& k) {
  switch (k.kind) {
    case plan::GalapagosKind::gmi:
      return "gmi_kernel";
    case plan::GalapagosKind::comm:
    case plan::GalapagosKind::bypass:
    case plan::GalapagosKind::virtual_kernel:
      return "comm_kernel";
    case plan::GalapagosKind::compute:
      break;
  }
  const graph::Kernel& g = graph_kernel(plan, k);
  for (const ComputeWrapper& w : compute_wrappers()) {
    if (w.stages.size() != g.stages.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < g.stages.size(); ++i)
      same = same && w.stages[i] == g.stages[i].type;
    if (same) return w.name;
  }
  throw core::Error(
      core::ErrorKind::unsupported,
      fmt::format("cluster_{}/{} ({}): no HLS wrapper implements the stage list "
                  "{} (kernels/hls/galapagos_kernels.h)",
                  view.index, ip_name(k.id), describe(plan, k), stage_list(graph_kernel(plan, k))));
}

std::string top_cpp(const plan::Plan& plan, const ClusterView& view,
                    const plan::GalapagosKernel& k) {
  const std::string wrapper = wrapper_of(plan, view, k);
  const bool weights = k.kind == plan::GalapagosKind::compute;
  std::string what = describe(plan, k);
  if (weights) {
    what += ": " + stage_list(graph_kernel(plan, k));
  }
  return fmt::format(
      "// {0}/top.cpp of cluster_{1}: written by atoll build, do not edit.\n"
      "// {2}. One call reads one sequence's packets and writes all of its output packets.\n"
      "#include \"kernels/hls/galapagos_kernels.h\"\n"
      "#include \"parameters.hpp\"\n{3}\n"
      "#ifndef ATOLL_TOP\n#define ATOLL_TOP {0}\n#endif\n\n"
      "void ATOLL_TOP(atl::kernels::hls::BeatStream& in_r, atl::kernels::hls::BeatStream& out_r) "
      "{{\n"
      "  ATL_HLS(HLS INTERFACE axis port = in_r)\n"
      "  ATL_HLS(HLS INTERFACE axis port = out_r)\n"
      "  ATL_HLS(HLS INTERFACE ap_ctrl_none port = return)\n"
      "  atl::kernels::hls::{4}<{5}>(in_r, out_r);\n"
      "}}\n",
      ip_name(k.id), view.index, what, weights ? "#include \"weights.hpp\"\n" : "", wrapper,
      template_arguments(plan, view, k));
}

}  // namespace atl::codegen
