#include "map/resources.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "core/error.h"

namespace atl::map {

const char* to_string(Resource r) {
  switch (r) {
    case Resource::lut:
      return "lut";
    case Resource::ff:
      return "ff";
    case Resource::dsp:
      return "dsp";
    case Resource::bram:
      return "bram";
    case Resource::uram:
      return "uram";
  }
  return "?";
}

Resources& Resources::operator+=(const Resources& o) {
  for (std::size_t i = 0; i < amount.size(); ++i) amount[i] += o.amount[i];
  return *this;
}

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
                      "of lut, ff, dsp, bram, uram and 0 < fraction <= 1)",
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
    else
      fail("unknown resource");
  }
  return caps;
}

Resources resources_of(const cost::KernelCost& c) {
  Resources r;
  r[Resource::lut] = c.lut;
  r[Resource::ff] = c.ff;
  r[Resource::dsp] = c.dsp;
  r[Resource::bram] = c.bram_bytes;
  r[Resource::uram] = c.uram_bytes;
  return r;
}

Resources device_resources(const hw::Device& d) {
  Resources r;
  r[Resource::lut] = d.lut;
  r[Resource::ff] = d.ff;
  r[Resource::dsp] = d.dsp;
  r[Resource::bram] = d.bram_bytes;
  r[Resource::uram] = d.uram_bytes;
  return r;
}

Resources budget(const hw::Device& device, const Caps& caps) {
  Resources r = device_resources(device);
  for (Resource res : kResources) {
    r[res] = static_cast<std::int64_t>(std::floor(static_cast<double>(r[res]) * caps[res]));
  }
  return r;
}

bool fits(const Resources& used, const Resources& limit) {
  for (std::size_t i = 0; i < used.amount.size(); ++i) {
    if (used.amount[i] > limit.amount[i]) return false;
  }
  return true;
}

std::string format_amount(Resource r, std::int64_t amount) {
  if (r == Resource::bram || r == Resource::uram) {
    return fmt::format("{:.2f} MB", static_cast<double>(amount) / 1e6);
  }
  return fmt::format("{}", amount);
}

}  // namespace atl::map
