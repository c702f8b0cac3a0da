#include "hw/galapagos_board.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "hw/device.h"
#include "hw_fixture.h"

namespace atl::hw {
namespace {

TEST(GalapagosBoards, ShippedCatalogueNamesOnlyTheSidewinder) {
  const GalapagosBoards boards = load_galapagos_boards(default_catalogue_dir());
  EXPECT_EQ(boards.at("sidewinder-100"), "sidewinder");
  EXPECT_EQ(boards.at("u280"), "");
  EXPECT_EQ(boards.size(), load_catalogue(default_catalogue_dir()).size());
}

TEST(GalapagosBoards, ReadsTheSourcedNameAndRefusesOneWithoutSource) {
  TempDir dir;
  dir.write("devices/a.yaml",
            device_yaml("a") + "galapagos:\n  board: {value: alpha, source: test, grade: V}\n");
  dir.write("devices/b.yaml", device_yaml("b"));
  EXPECT_EQ(load_galapagos_boards(dir.path() / "devices"),
            (GalapagosBoards{{"a", "alpha"}, {"b", ""}}));
  const auto bad = dir.write("devices/c.yaml", device_yaml("c") + "galapagos:\n  board: gamma\n");
  try {
    load_galapagos_boards(dir.path() / "devices");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              bad.string() + ".galapagos.board: expected {value: NAME, source: \"...\", grade: G}");
  }
}

}  // namespace
}  // namespace atl::hw
