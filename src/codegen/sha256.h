// SHA-256 of a byte string as 64 lower-case hex digits (OpenSSL's libcrypto), for the bundle's
// manifest: the format `sha256sum -c` checks.
#pragma once

#include <string>
#include <string_view>

namespace atl::codegen {

std::string sha256_hex(std::string_view bytes);

}  // namespace atl::codegen
