// The headers the generated kernels include, embedded into atoll at its build time
// (src/codegen/CMakeLists.txt, cmake/embed_files.cmake) and written verbatim into a bundle's
// include/ folder: the HLS-safe definitions (src/kernels/hls/*.h as kernels/hls/*.h), the
// Vitis HLS shim (src/kernels/hls/shim/*.h as shim/*.h, on the include path only without
// Vitis) and core/dyadic.h. A bundle so compiles on its own.
#pragma once

#include <span>
#include <string_view>

namespace atl::codegen {

struct EmbeddedFile {
  std::string_view path;  // under include/, '/'-separated, e.g. "kernels/hls/matmul.h"
  std::string_view text;  // the source file's bytes
};

// core/dyadic.h first, then the HLS headers and the shim, each folder in name order.
std::span<const EmbeddedFile> embedded_headers();

}  // namespace atl::codegen
