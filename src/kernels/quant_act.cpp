#include "kernels/quant_act.h"

namespace atl::kernels {

void validate(const QuantActParams& p, std::int64_t channels, const std::string& what) {
  if (p.m.empty() || p.m.size() != p.e.size()) {
    throw core::Error(what + ": m has " + std::to_string(p.m.size()) + " values and e has " +
                      std::to_string(p.e.size()) + "; expected the same non-zero count");
  }
  if (p.m.size() != 1 && static_cast<std::int64_t>(p.m.size()) != channels) {
    throw core::Error(what + ": m/e have " + std::to_string(p.m.size()) +
                      " values, expected 1 or " + std::to_string(channels) + " (channels)");
  }
  if (p.out_bits < 2 || p.out_bits > 64) {
    throw core::Error(what + ": out_bits " + std::to_string(p.out_bits) +
                      " outside the supported 2..64");
  }
  for (std::size_t i = 0; i < p.e.size(); ++i) {
    if (p.e[i] < -126 || p.e[i] > 200) {
      throw core::Error(what + ": e[" + std::to_string(i) + "] = " + std::to_string(p.e[i]) +
                        " outside -126..200");
    }
  }
}

}  // namespace atl::kernels
