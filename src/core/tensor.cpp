#include "core/tensor.h"

namespace atl::core {

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::int64_t element_count(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) {
    if (d < 0) throw Error("Tensor: negative dimension in shape " + to_string(shape));
    n *= d;
  }
  return n;
}

}  // namespace atl::core
