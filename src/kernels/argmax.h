// Greedy decoding: the index of the first largest logit (llama2.c's argmax keeps the first of
// equal values), 0 for an empty row.
#pragma once

#include <cstdint>

namespace atl::kernels {

template <class T>
constexpr std::int64_t argmax(const T* v, std::int64_t n) {
  std::int64_t best = 0;
  for (std::int64_t i = 1; i < n; ++i) best = v[i] > v[best] ? i : best;
  return best;
}

}  // namespace atl::kernels
