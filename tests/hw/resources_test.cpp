#include "hw/resources.h"

#include <gtest/gtest.h>

namespace atl::hw {
namespace {

TEST(Resources, IndexedByResourceAndNamed) {
  Resources r{.lut = 1, .ff = 2, .dsp = 3, .bram_bytes = 4, .uram_bytes = 5};
  EXPECT_EQ(r[Resource::lut], 1);
  EXPECT_EQ(r[Resource::ff], 2);
  EXPECT_EQ(r[Resource::dsp], 3);
  EXPECT_EQ(r[Resource::bram], 4);
  EXPECT_EQ(r[Resource::uram], 5);
  r[Resource::uram] = 50;
  EXPECT_EQ(r.uram_bytes, 50);
  r += Resources{.lut = 10, .ff = 20, .dsp = 30, .bram_bytes = 40, .uram_bytes = 0};
  EXPECT_EQ(r, (Resources{.lut = 11, .ff = 22, .dsp = 33, .bram_bytes = 44, .uram_bytes = 50}));
  std::string names;
  for (Resource res : kResources) names += std::string(to_string(res)) + " ";
  EXPECT_EQ(names, "lut ff dsp bram uram aie plio_in plio_out ");
  r[Resource::aie] = 64;
  r[Resource::plio_in] = 8;
  r[Resource::plio_out] = 9;
  EXPECT_EQ(r.aie_tiles, 64);
  EXPECT_EQ(r.plio_in, 8);
  EXPECT_EQ(r.plio_out, 9);
}

TEST(Resources, FitsEveryResourceAtMostTheLimit) {
  const Resources limit{.lut = 10, .ff = 10, .dsp = 10, .bram_bytes = 10, .uram_bytes = 0};
  Resources used = limit;
  EXPECT_TRUE(fits(used, limit));
  used.uram_bytes = 1;
  EXPECT_FALSE(fits(used, limit));
  used = limit;
  used.dsp = 11;
  EXPECT_FALSE(fits(used, limit));
}

TEST(Resources, AmountsHaveUnits) {
  EXPECT_EQ(format_amount(Resource::dsp, 1536), "1536");
  EXPECT_EQ(format_amount(Resource::bram, 1'250'000), "1.25 MB");
  EXPECT_EQ(format_amount(Resource::uram, 0), "0.00 MB");
}

}  // namespace
}  // namespace atl::hw
