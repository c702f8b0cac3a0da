// C++ array definitions for the generated headers, in forms that stay fast to write and to
// compile at the sizes of a transformer's weights: an int8 table as one string literal of octal
// escapes (printable characters as themselves), about 3 bytes a value, which g++ compiles about
// ten times faster than a decimal initializer list (FFN1's 3072 x 768 = 2.36 M random values,
// g++ 12 -std=c++14 -O2 -c on the 2-core development machine: 7.2 MB, 0.48 s and 57 MB of memory
// as a literal; 8.8 MB, 4.8 s and 318 MB as a list); small integer tables as decimal lists.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace atl::codegen {

// `const std::int8_t <name>[<n> + 1] = "...";` (std::int8_t is signed char, which a string
// literal may initialise; the literal also stores its terminating zero, hence the extra
// element, which no code reads), 64 values a line by literal concatenation. `name` may be
// qualified (the definition of a struct's static member).
std::string int8_array(const std::string& name, std::span<const std::int8_t> values);

// `const <type> <name>[<n>] = {v0, v1, ...};` ten values a line; `type` is spelled as given
// ("int", "std::int64_t"), values in decimal (the int64 minimum written as an expression).
// `values` must not be empty (a zero-length array is no C++).
std::string int_array(const std::string& type, const std::string& name,
                      std::span<const std::int64_t> values);

}  // namespace atl::codegen
