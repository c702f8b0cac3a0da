#include "map/resources.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "hw/aie.h"

namespace atl::map {

double Caps::operator[](Resource r) const {
  switch (r) {
    case Resource::lut:
      return lut;
    case Resource::ff:
      return ff;
    case Resource::dsp:
      return dsp;
    case Resource::bram:
      return bram;
    case Resource::uram:
      return uram;
    case Resource::aie:
      return aie;
    case Resource::plio_in:
    case Resource::plio_out:
      return plio;
  }
  return 0;
}

Caps parse_caps(const std::string& text) {
  Caps caps;
  std::stringstream in(text);
  std::string entry;
  while (std::getline(in, entry, ',')) {
    if (entry.empty()) continue;
    const auto eq = entry.find('=');
    auto fail = [&](const std::string& why) {
      throw core::Error(
          fmt::format("--caps entry '{}': {} (expected name=fraction with name one "
                      "of lut, ff, dsp, bram, uram, aie, plio and 0 < fraction <= 1)",
                      entry, why));
    };
    if (eq == std::string::npos) fail("no '='");
    const std::string name = entry.substr(0, eq);
    double value = 0;
    try {
      std::size_t used = 0;
      value = std::stod(entry.substr(eq + 1), &used);
      if (used != entry.size() - eq - 1) fail("not a number");
    } catch (const std::logic_error&) {
      fail("not a number");
    }
    if (!(value > 0 && value <= 1)) fail("fraction out of range");
    if (name == "lut")
      caps.lut = value;
    else if (name == "ff")
      caps.ff = value;
    else if (name == "dsp")
      caps.dsp = value;
    else if (name == "bram")
      caps.bram = value;
    else if (name == "uram")
      caps.uram = value;
    else if (name == "aie")
      caps.aie = value;
    else if (name == "plio")
      caps.plio = value;
    else
      fail("unknown resource");
  }
  return caps;
}

Resources budget(const hw::Device& device, const Caps& caps) {
  Resources r = hw::capacity(device);
  for (Resource res : kResources) {
    r[res] = static_cast<std::int64_t>(std::floor(static_cast<double>(r[res]) * caps[res]));
  }
  return r;
}

}  // namespace atl::map
