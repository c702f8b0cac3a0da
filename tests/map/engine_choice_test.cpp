#include "map/engine_choice.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "examples.h"
#include "map/mapper.h"

namespace atl::map {
namespace {

using testing::base_one_layer;
using testing::boards;

int aie_stages(const graph::Graph& g) {
  int n = 0;
  for (const graph::Kernel& k : g.kernels) {
    for (const graph::Stage& s : k.stages) n += s.knobs.aie > 0;
  }
  return n;
}

TEST(EngineChoice, RefusesBoardsWithoutAiEngines) {
  try {
    with_aie({}, boards("u55c", 2));
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::invalid_input);
    EXPECT_STREQ(e.what(),
                 "--aie: node 'fpga0' is a u55c, which has no AI Engines (catalogue "
                 "resources.aie_tiles = 0); AI Engines are on Versal AI Core boards such as vck190 "
                 "and vck5000");
  }
  EXPECT_EQ(with_aie({}, boards("vck5000", 1)).aie, 1);
  EXPECT_EQ(with_aie(parse_caps("aie=0.5"), boards("vck5000", 1)).aie, 0.5);
}

// Without --aie a VCK5000 is mapped on its DSP58s alone, as before; with it, matmuls move to AI
// Engine tiles within the usable tiles and PLIO streams of every card, and the plan is faster.
TEST(EngineChoice, MapsMatmulsOntoAiEnginesWithinTheirCaps) {
  const hw::Cluster cluster = boards("vck5000", 2);
  const Mapping dsp = map_automatic(base_one_layer(), cluster, Objective::latency);
  EXPECT_EQ(aie_stages(dsp.graph), 0);
  const Caps caps = with_aie({}, cluster);
  const Mapping aie = map_automatic(base_one_layer(), cluster, Objective::latency, caps);
  EXPECT_GT(aie_stages(aie.graph), 0);
  std::int64_t tiles = 0;
  for (std::size_t n = 0; n < cluster.nodes.size(); ++n) {
    const Resources b = budget(cluster.nodes[n].device, caps);
    EXPECT_LE(aie.estimate.nodes[n].resources.aie_tiles, 360);
    EXPECT_TRUE(hw::fits(aie.estimate.nodes[n].resources, b)) << n;
    tiles += aie.estimate.nodes[n].resources.aie_tiles;
  }
  EXPECT_GT(tiles, 0);
  EXPECT_LT(aie.estimate.latency_us, dsp.estimate.latency_us);
}

}  // namespace
}  // namespace atl::map
