// The integer matrix products, HLS-safe definitions (docs/kernels.md): a row of the left operand
// streams in, the right operand is an array the caller owns (weights, or the K/V of the sequence),
// a row of results streams out. PE outputs are computed per step (they travel as one Pack), and
// the dot product is unrolled UNROLL products at a time. Sums are exact (no rounding anywhere).
//   linear:           y[o] = sat32(bias[o] + sum_k x[k] W[o][k])   int8 x int8, int64 sum
//   attention_matmul: s[j] = sum_t q[t] K[j][t]                     int8 x int8, int32 sum
//   softmax_matmul:   o[t] = sum_j p[j] V[j][t]                     uint8 x int8, int32 sum
#pragma once

#include <cstdint>

#include "core/dyadic.h"
#include "kernels/hls/stream.h"

namespace atl {
namespace kernels {
namespace hls {

// a . b over len values (UNROLL divides len), accumulated in Acc.
template <int UNROLL, class Acc, class A, class B>
Acc dot(const A* a, const B* b, int len) {
  Acc acc = 0;
  for (int k = 0; k < len; k += UNROLL) {
    ATL_HLS(HLS PIPELINE II = 1)
    Acc part = 0;
    for (int u = 0; u < UNROLL; ++u)
      part += static_cast<Acc>(a[k + u]) * static_cast<Acc>(b[k + u]);
    acc += part;
  }
  return acc;
}

// Reads one row of len values (PE divides len) into buf.
template <int PE, class In, class T>
void read_row(In& in, T* buf, int len) {
  for (int k = 0; k < len; k += PE) {
    ATL_HLS(HLS PIPELINE II = 1)
    const auto w = in.read();
    for (int p = 0; p < PE; ++p) buf[k + p] = w.v[p];
  }
}

// x [rows, in] (int8) -> y [rows, out] (int32); weight [out][in] row-major, bias [out]; x_buf
// holds one input row. PE divides out, UNROLL divides in.
template <int PE, int UNROLL, class In, class Out>
void linear(In& in, Out& out, int rows, int in_n, int out_n, const std::int8_t* weight,
            const std::int32_t* bias, std::int8_t* x_buf) {
  for (int r = 0; r < rows; ++r) {
    read_row<PE>(in, x_buf, in_n);
    for (int o = 0; o < out_n; o += PE) {
      typename Out::value_type y;
      for (int p = 0; p < PE; ++p) {
        const auto w = weight + static_cast<long>(o + p) * in_n;
        const std::int64_t sum = dot<UNROLL, std::int64_t>(x_buf, w, in_n);
        y.v[p] = core::saturate_int32(sum + bias[o + p]);
      }
      out.write(y);
    }
  }
}

// q [rows, d] -> scores [rows, cols]; k [cols][d]; q_buf holds one row of q.
template <int PE, int UNROLL, class In, class Out>
void attention_matmul(In& in, Out& out, int rows, int d, int cols, const std::int8_t* k,
                      std::int8_t* q_buf) {
  for (int r = 0; r < rows; ++r) {
    read_row<PE>(in, q_buf, d);
    for (int j = 0; j < cols; j += PE) {
      typename Out::value_type y;
      for (int p = 0; p < PE; ++p) {
        y.v[p] = dot<UNROLL, std::int32_t>(q_buf, k + static_cast<long>(j + p) * d, d);
      }
      out.write(y);
    }
  }
}

// p [rows, cols] (uint8) -> context [rows, d] (int32); v [cols][d]; p_buf holds one row of p.
template <int PE, class In, class Out>
void softmax_matmul(In& in, Out& out, int rows, int cols, int d, const std::int8_t* v,
                    std::uint8_t* p_buf) {
  for (int r = 0; r < rows; ++r) {
    read_row<PE>(in, p_buf, cols);
    for (int t = 0; t < d; t += PE) {
      typename Out::value_type y;
      for (int p = 0; p < PE; ++p) {
        std::int32_t acc = 0;
        for (int j = 0; j < cols; ++j) {
          ATL_HLS(HLS PIPELINE II = 1)
          acc += static_cast<std::int32_t>(p_buf[j]) * v[static_cast<long>(j) * d + t + p];
        }
        y.v[p] = acc;
      }
      out.write(y);
    }
  }
}

// Concat: the heads' rows joined in head order, out[h * d + t] = head_h[t], for `rows` rows;
// heads is an array of `count` streams of d values per row.
template <int PE, class In, class Out>
void concat(In* heads, int count, Out& out, int rows, int d) {
  for (int r = 0; r < rows; ++r) {
    for (int h = 0; h < count; ++h) {
      for (int t = 0; t < d; t += PE) {
        ATL_HLS(HLS PIPELINE II = 1)
        out.write(heads[h].read());
      }
    }
  }
}

// The same for heads of different widths: head h holds widths[h] values per row (PE divides
// every width), out[sum_{g<h} widths[g] + t] = head_h[t].
template <int PE, class In, class Out>
void concat(In* heads, const int* widths, int count, Out& out, int rows) {
  for (int r = 0; r < rows; ++r) {
    for (int h = 0; h < count; ++h) {
      for (int t = 0; t < widths[h]; t += PE) {
        ATL_HLS(HLS PIPELINE II = 1)
        out.write(heads[h].read());
      }
    }
  }
}

}  // namespace hls
}  // namespace kernels
}  // namespace atl
