// ap_int.h for the C simulation without vendor tools: the subset of Vitis HLS 2023.1's arbitrary
// precision integers (UG1399, "Arbitrary Precision Data Types Library") that atoll's generated
// code and kernels/hls/*.h use, with the same names and semantics:
//   ap_uint<W>, ap_int<W>      W in 1..512 bits, two's complement, wrapping like hardware
//   construction / assignment  from any built-in integer (sign-extended, then cut to W bits)
//   .range(hi, lo)             read (.to_uint64(), or an implicit ap_uint<64>-like value) and
//                              assign (= integer, = another range) for hi - lo + 1 <= 64 bits
//   .to_uint64() .to_int64() .to_uint() .to_int()   the low bits; ap_int sign-extends from W
//   ==, !=                     between two values of the same type, or with a built-in integer
//   W <= 64: converts implicitly to unsigned long long (ap_uint) / long long (ap_int), so that
//   `if (beat.last)` and arithmetic with built-in integers work as with Vitis's types.
// Anything else Vitis offers is left out on purpose: code that uses it fails to compile here
// instead of behaving differently. With Vitis present the real header is used (the bundle's
// Makefile puts this folder on the include path only when no Vitis include dir is given).
// C++14, header-only; a value is a fixed array of 64-bit words (no heap).
#ifndef ATOLL_SHIM_AP_INT_H
#define ATOLL_SHIM_AP_INT_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

namespace atl_shim {

// W bits in ceil(W / 64) little-endian words; bits above W are always zero.
template <int W>
struct Bits {
  static_assert(W >= 1 && W <= 512, "the shim supports ap_(u)int widths 1..512");
  static const int kWords = (W + 63) / 64;
  std::uint64_t w[kWords];

  static std::uint64_t top_mask() {
    return W % 64 == 0 ? ~std::uint64_t{0} : (std::uint64_t{1} << (W % 64)) - 1;
  }
  void normalise() { w[kWords - 1] &= top_mask(); }
  // v sign- or zero-extended over all words, then cut to W bits.
  void set(std::uint64_t v, bool negative) {
    w[0] = v;
    for (int i = 1; i < kWords; ++i) w[i] = negative ? ~std::uint64_t{0} : 0;
    normalise();
  }
  bool bit(int i) const { return ((w[i / 64] >> (i % 64)) & 1) != 0; }
  // Bits [lo, lo + n) as the low bits of a word (1 <= n <= 64, lo + n <= W).
  std::uint64_t get(int lo, int n) const {
    const int word = lo / 64, shift = lo % 64;
    std::uint64_t v = w[word] >> shift;
    if (shift != 0 && shift + n > 64) v |= w[word + 1] << (64 - shift);
    return n == 64 ? v : v & ((std::uint64_t{1} << n) - 1);
  }
  // Bits [lo, lo + n) := the low n bits of v.
  void put(int lo, int n, std::uint64_t v) {
    const std::uint64_t mask = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
    v &= mask;
    const int word = lo / 64, shift = lo % 64;
    w[word] = (w[word] & ~(mask << shift)) | (v << shift);
    if (shift != 0 && shift + n > 64) {
      const std::uint64_t high_mask = mask >> (64 - shift);
      w[word + 1] = (w[word + 1] & ~high_mask) | (v >> (64 - shift));
    }
  }
};

// What ap_(u)int<W> with W <= 64 converts to implicitly; wider values convert to nothing.
struct NoConversion {};
template <int W, bool Signed>
using Native = typename std::conditional<
    (W > 64), NoConversion,
    typename std::conditional<Signed, long long, unsigned long long>::type>::type;

template <int W, bool Signed>
class Int;

// .range(hi, lo) of a value: read it or assign to it (at most 64 bits).
template <int W, bool Signed>
class RangeRef {
 public:
  RangeRef(Int<W, Signed>& v, int hi, int lo) : v_(v), lo_(lo), n_(hi - lo + 1) { check(hi, lo); }
  RangeRef(const RangeRef&) = default;
  std::uint64_t to_uint64() const { return v_.bits_.get(lo_, n_); }
  operator unsigned long long() const { return to_uint64(); }
  RangeRef& operator=(unsigned long long x) {
    v_.bits_.put(lo_, n_, x);
    return *this;
  }
  RangeRef& operator=(const RangeRef& r) { return *this = r.to_uint64(); }
  template <int W2, bool S2>
  RangeRef& operator=(const RangeRef<W2, S2>& r) {
    return *this = r.to_uint64();
  }

  // A range outside the value or wider than 64 bits is a bug in the generated code; the shim
  // cannot throw (-fno-exceptions), so it says so and aborts.
  static void check(int hi, int lo) {
    if (lo < 0 || hi < lo || hi >= W || hi - lo >= 64) {
      std::fprintf(stderr, "csim: ap_(u)int<%d>.range(%d, %d): outside the value or over 64 bits\n",
                   W, hi, lo);
      std::abort();
    }
  }

 private:
  Int<W, Signed>& v_;
  int lo_, n_;
};

template <int W, bool Signed>
class Int {
 public:
  Int() { bits_.set(0, false); }
  Int(const Int&) = default;
  Int& operator=(const Int&) = default;
  // From any built-in integer (and bool): sign-extended, cut to W bits.
  template <class T, class = typename std::enable_if<std::is_integral<T>::value>::type>
  Int(T v) {  // NOLINT: implicit, as Vitis's
    bits_.set(static_cast<std::uint64_t>(v), std::is_signed<T>::value && v < 0);
  }
  // From a range (its bits, zero-extended).
  template <int W2, bool S2>
  Int(const RangeRef<W2, S2>& r) {  // NOLINT: implicit, as Vitis's
    bits_.set(r.to_uint64(), false);
  }

  std::uint64_t to_uint64() const { return bits_.w[0]; }
  std::int64_t to_int64() const {
    std::uint64_t v = bits_.w[0];
    if (Signed && W < 64 && bits_.bit(W - 1)) v |= ~std::uint64_t{0} << (W % 64);
    return static_cast<std::int64_t>(v);
  }
  unsigned to_uint() const { return static_cast<unsigned>(to_uint64()); }
  int to_int() const { return static_cast<int>(to_int64()); }
  operator Native<W, Signed>() const {  // NOLINT: implicit for W <= 64, as Vitis's
    return convert(static_cast<Native<W, Signed>*>(nullptr));
  }

  RangeRef<W, Signed> range(int hi, int lo) { return RangeRef<W, Signed>(*this, hi, lo); }
  std::uint64_t range(int hi, int lo) const {
    RangeRef<W, Signed>::check(hi, lo);
    return bits_.get(lo, hi - lo + 1);
  }

  friend bool operator==(const Int& a, const Int& b) {
    for (int i = 0; i < Bits<W>::kWords; ++i) {
      if (a.bits_.w[i] != b.bits_.w[i]) return false;
    }
    return true;
  }
  friend bool operator!=(const Int& a, const Int& b) { return !(a == b); }
  // Against a built-in integer: equal as numbers (a value the type cannot hold is unequal).
  template <class T, class = typename std::enable_if<std::is_integral<T>::value>::type>
  friend bool operator==(const Int& a, T b) {
    return holds(b) && a == Int(b);
  }
  template <class T, class = typename std::enable_if<std::is_integral<T>::value>::type>
  friend bool operator==(T a, const Int& b) {
    return b == a;
  }
  template <class T, class = typename std::enable_if<std::is_integral<T>::value>::type>
  friend bool operator!=(const Int& a, T b) {
    return !(a == b);
  }
  template <class T, class = typename std::enable_if<std::is_integral<T>::value>::type>
  friend bool operator!=(T a, const Int& b) {
    return !(b == a);
  }
  // True when the number v is in this type's range.
  template <class T>
  static bool holds(T v) {
    if (std::is_signed<T>::value && v < 0) {
      if (!Signed) return false;
      return W >= 64 || static_cast<long long>(v) >= -(1LL << ((W - 1) % 64));
    }
    const auto u = static_cast<unsigned long long>(v);
    if (Signed) return W > 64 || u < (1ULL << ((W - 1) % 64));
    return W >= 64 || u < (1ULL << (W % 64));
  }

 private:
  friend class RangeRef<W, Signed>;
  long long convert(long long*) const { return to_int64(); }
  unsigned long long convert(unsigned long long*) const { return to_uint64(); }
  NoConversion convert(NoConversion*) const { return {}; }
  Bits<W> bits_;
};

}  // namespace atl_shim

template <int W>
struct ap_uint : atl_shim::Int<W, false> {
  using atl_shim::Int<W, false>::Int;
  ap_uint() = default;
};

template <int W>
struct ap_int : atl_shim::Int<W, true> {
  using atl_shim::Int<W, true>::Int;
  ap_int() = default;
};

#endif  // ATOLL_SHIM_AP_INT_H
