#include "hw/resources.h"

#include <fmt/format.h>

namespace atl::hw {
namespace {

constexpr std::int64_t Resources::*member(Resource r) {
  switch (r) {
    case Resource::lut:
      return &Resources::lut;
    case Resource::ff:
      return &Resources::ff;
    case Resource::dsp:
      return &Resources::dsp;
    case Resource::bram:
      return &Resources::bram_bytes;
    case Resource::uram:
      return &Resources::uram_bytes;
    case Resource::aie:
      return &Resources::aie_tiles;
    case Resource::plio_in:
      return &Resources::plio_in;
    case Resource::plio_out:
      return &Resources::plio_out;
  }
  return &Resources::lut;
}

}  // namespace

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
    case Resource::aie:
      return "aie";
    case Resource::plio_in:
      return "plio_in";
    case Resource::plio_out:
      return "plio_out";
  }
  return "?";
}

std::int64_t& Resources::operator[](Resource r) {
  return this->*member(r);
}

std::int64_t Resources::operator[](Resource r) const {
  return this->*member(r);
}

Resources& Resources::operator+=(const Resources& o) {
  for (Resource r : kResources) (*this)[r] += o[r];
  return *this;
}

bool fits(const Resources& used, const Resources& limit) {
  for (Resource r : kResources) {
    if (used[r] > limit[r]) return false;
  }
  return true;
}

std::string format_amount(Resource r, std::int64_t amount) {
  if (r == Resource::bram || r == Resource::uram) {
    return fmt::format("{:.2f} MB", static_cast<double>(amount) / 1e6);
  }
  return fmt::format("{}", amount);
}

}  // namespace atl::hw
