// Opens a report in headless Chromium (Debian package `chromium`) and checks that the SVG charts
// are laid out: the page's inline script writes how many chart rectangles have a non-empty
// bounding box into #render-check, and --dump-dom prints the DOM after scripts ran.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "../sim/tiny_plans.h"
#include "report/report.h"

namespace atl::report {
namespace {

std::string chromium_binary() {
  for (const char* name : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(name)) return name;
  }
  return "";
}

// Runs `command` and returns its standard output (stderr is dropped: Chromium complains about
// D-Bus in containers).
std::string capture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

TEST(HtmlInChromium, ChartsRender) {
  const std::string chromium = chromium_binary();
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (scripts/install-deps.sh adds it)";

  Inputs in;
  in.plan_path = "two-nodes.json";
  in.sequences = 3;
  const Report r = build_report(sim::testing::two_nodes(), Baselines{}, in);
  // Per process: test programs of several builds may run at once, and Chromium locks its profile.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("atoll_report_chromium_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "profile");
  const auto page = dir / "report.html";
  std::ofstream(page) << render_html(r);

  // No network: the page is self-contained, and every background service is off.
  const std::string dom =
      capture("timeout 120 " + chromium +
              " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
              " --disable-background-networking --disable-component-update --disable-sync"
              " --user-data-dir=" +
              (dir / "profile").string() + " --dump-dom file://" + page.string() + " 2>/dev/null");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("data-rendered-rects=\"([0-9]+)\"")))
      << "the page's script did not run; DOM was:\n"
      << dom.substr(0, 2000);
  // Gantt: one bar per kernel group (A, B) = 2; utilisation: 2 FPGAs + 2 busy links
  // (fpga0->switch, switch->fpga1) = 4; latency and energy: the FPGA bar each = 2. All must have
  // a laid-out box.
  EXPECT_EQ(std::stoi(m[1]), 8);
  EXPECT_NE(dom.find("rendered chart rectangles: 8"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace atl::report
