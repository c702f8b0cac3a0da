// README.md of a deployment bundle: what it is, which plan it came from, what each cluster
// folder holds, and how to use it with Galapagos (docs/galapagos.md and docs/build.md say
// the same at length).
#pragma once

#include <string>
#include <vector>

#include "codegen/bundle.h"
#include "codegen/cluster_view.h"
#include "plan/plan.h"

namespace atl::codegen {

std::string bundle_readme(const plan::Plan& plan, const std::vector<ClusterView>& clusters,
                          const PlanSource& source);

}  // namespace atl::codegen
