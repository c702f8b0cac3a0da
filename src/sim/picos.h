// Simulated time: integer picoseconds, so sums of integers never drift, unlike accumulated
// doubles. Every duration of a plan is converted once, rounded, with to_picos.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

namespace atl::sim {

using Picos = std::int64_t;

// Simulated times stay below 2^62 ps (53 days), so sums of two never overflow. Durations that
// could pass it (a clock of 1e-300 MHz, a kernel of 2^62 cycles per row) are rejected before a
// run starts.
constexpr Picos kMaxTime = Picos{1} << 62;

// `ps` rounded to integer picoseconds; nullopt unless it is a finite number in 0..kMaxTime.
inline std::optional<Picos> to_picos(double ps) {
  if (!(ps >= 0 && ps <= static_cast<double>(kMaxTime))) return std::nullopt;
  return std::llround(ps);
}

}  // namespace atl::sim
