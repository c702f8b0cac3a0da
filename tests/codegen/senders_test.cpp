#include "codegen/senders.h"

#include <gtest/gtest.h>

#include "platform/ports.h"
#include "published_numbering.h"

namespace atl::codegen {
namespace {

// The generated kernels expect exactly the senders the software nodes wire (platform::wire).
void expect_as_wired(const plan::Plan& plan) {
  const platform::Wiring w = platform::wire(plan, plan.galapagos, plan.graph.seq_len);
  int checked = 0;
  for (const platform::TaskPorts& t : w.tasks) {
    if (t.kind == platform::TaskKind::feed || t.kind == platform::TaskKind::drain) continue;
    const auto& k =
        plan.galapagos.clusters[static_cast<std::size_t>(t.address.cluster)].kernels[t.address.id];
    std::vector<plan::GalapagosAddress> wired;
    for (const platform::Source& s : t.sources) wired.push_back(s.from);
    EXPECT_EQ(senders(plan, t.address.cluster, k), wired) << t.name;
    ++checked;
  }
  EXPECT_GT(checked, 30);
}

TEST(Senders, AreTheKernelsTheSoftwareNodesWire) {
  expect_as_wired(test::example_plan());
}

TEST(Senders, TheKScatterHearsFromKNotFromTheQItsListSays) {
  const plan::Plan plan = test::example_plan();
  const auto& k35 = plan.galapagos.clusters[0].kernels[35];
  ASSERT_EQ(k35.sources, (std::vector<plan::GalapagosAddress>{{0, 1}}));  // Cluster Builder's list
  EXPECT_EQ(senders(plan, 0, k35), (std::vector<plan::GalapagosAddress>{{0, 2}}));
  // The input broadcast hears from the host.
  EXPECT_EQ(senders(plan, 0, plan.galapagos.clusters[0].kernels[33]),
            (std::vector<plan::GalapagosAddress>{{plan::GalapagosAddress::kHost, 0}}));
}

}  // namespace
}  // namespace atl::codegen
