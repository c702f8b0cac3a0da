#include "map/resources.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace atl::map {
namespace {

TEST(Caps, DefaultsAndParsing) {
  const Caps d;
  EXPECT_EQ(d.lut, 0.7);
  EXPECT_EQ(d.dsp, 0.8);
  EXPECT_EQ(d.bram, 0.8);
  EXPECT_EQ(d.uram, 0.8);
  const Caps c = parse_caps("lut=0.5,uram=1");
  EXPECT_EQ(c.lut, 0.5);
  EXPECT_EQ(c.uram, 1.0);
  EXPECT_EQ(c.dsp, 0.8);  // untouched
  EXPECT_EQ(parse_caps("").lut, 0.7);
}

TEST(Caps, BadEntriesAreNamed) {
  auto error_of = [](const std::string& text) {
    try {
      parse_caps(text);
    } catch (const core::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("dsp=1.5").rfind("--caps entry 'dsp=1.5': fraction out of range", 0), 0u);
  EXPECT_EQ(error_of("gpu=0.5").rfind("--caps entry 'gpu=0.5': unknown resource", 0), 0u);
  EXPECT_EQ(error_of("lut=abc").rfind("--caps entry 'lut=abc': not a number", 0), 0u);
  EXPECT_EQ(error_of("lut").rfind("--caps entry 'lut': no '='", 0), 0u);
}

TEST(Budget, FloorsCapTimesCapacity) {
  hw::Device d;
  d.resources = {.lut = 1001, .ff = 10, .dsp = 1968, .bram_bytes = 100, .uram_bytes = 0};
  const Resources b = budget(d, Caps{});
  EXPECT_EQ(b[Resource::lut], 700);   // 1001 * 0.7 = 700.7
  EXPECT_EQ(b[Resource::dsp], 1574);  // 1968 * 0.8 = 1574.4
  EXPECT_EQ(b[Resource::bram], 80);
  EXPECT_EQ(b[Resource::uram], 0);
  Resources used;
  used[Resource::dsp] = 1574;
  EXPECT_TRUE(fits(used, b));
  used[Resource::uram] = 1;
  EXPECT_FALSE(fits(used, b));
}

}  // namespace
}  // namespace atl::map
