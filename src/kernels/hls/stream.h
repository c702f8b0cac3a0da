// Rows over streams for the HLS-safe kernel definitions (docs/kernels.md, "HLS style").
//
// A definition reads and writes its rows through a stream parameter S, a template parameter with
//     typename S::value_type      (here a Pack of PE values)
//     value_type read()           blocking read of the next element
//     void write(const value_type&)
// so the same source compiles against hls::stream<Pack<T, PE>> in the generated hardware and
// against ArrayStream, a cursor over a caller-owned array, on the CPU. One element carries PE
// values (the parallelism knob: PE lanes are computed per cycle); a row of n values is n / PE
// elements, so PE must divide n.
#pragma once

#include <cstddef>

// An HLS pragma in a definition: ATL_HLS(HLS PIPELINE II=1). Expands to the pragma only in
// synthesis (Vitis HLS defines __SYNTHESIS__); g++ would warn about an unknown pragma otherwise.
#ifdef __SYNTHESIS__
#define ATL_HLS_STR(x) #x
#define ATL_HLS(x) _Pragma(ATL_HLS_STR(x))
#else
#define ATL_HLS(x)
#endif

namespace atl {
namespace kernels {
namespace hls {

// PE values travelling together (one stream element, one AXI-stream beat).
template <class T, int PE>
struct Pack {
  static_assert(PE >= 1, "a pack holds at least one value");
  using value_type = T;
  static constexpr int kLanes = PE;
  T v[PE];
};

// A stream of Pack<T, PE> over a caller-owned array of T: read() and write() move PE values
// from/to data[pos ...] and advance. No bounds checks (hardware streams have none either): the
// caller sizes the array for the rows the definition moves.
template <class T, int PE>
struct ArrayStream {
  using value_type = Pack<T, PE>;
  T* data;
  std::size_t pos = 0;

  value_type read() {
    value_type w;
    for (int p = 0; p < PE; ++p) w.v[p] = data[pos + static_cast<std::size_t>(p)];
    pos += PE;
    return w;
  }
  void write(const value_type& w) {
    for (int p = 0; p < PE; ++p) data[pos + static_cast<std::size_t>(p)] = w.v[p];
    pos += PE;
  }
};

// A read-only one (for const inputs).
template <class T, int PE>
struct ConstArrayStream {
  using value_type = Pack<T, PE>;
  const T* data;
  std::size_t pos = 0;

  value_type read() {
    value_type w;
    for (int p = 0; p < PE; ++p) w.v[p] = data[pos + static_cast<std::size_t>(p)];
    pos += PE;
    return w;
  }
};

}  // namespace hls
}  // namespace kernels
}  // namespace atl
