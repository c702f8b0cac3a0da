# cmake -DOUT=file.cpp -DFILES="dest=src;dest=src;..." -P embed_files.cmake
# Writes OUT: the C++ definition of atl::codegen::embedded_headers() (codegen/embedded_headers.h)
# with each source file's bytes, verbatim, as a raw string literal under its bundle path `dest`.
cmake_minimum_required(VERSION 3.25)
set(delimiter "atoll_embed")
set(body "")
foreach(pair ${FILES})
  string(REGEX MATCH "^([^=]+)=(.+)$" _ "${pair}")
  set(dest "${CMAKE_MATCH_1}")
  set(src "${CMAKE_MATCH_2}")
  file(READ "${src}" text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${src}: holds )${delimiter}\", which ends the raw string embedding it")
  endif()
  string(APPEND body "    {\"${dest}\", R\"${delimiter}(${text})${delimiter}\"},\n")
endforeach()
file(WRITE "${OUT}.tmp"
"// Written by cmake/embed_files.cmake at build time: do not edit.\n"
"#include \"codegen/embedded_headers.h\"\n\n"
"namespace atl::codegen {\n\n"
"std::span<const EmbeddedFile> embedded_headers() {\n"
"  static constexpr EmbeddedFile files[] = {\n${body}  };\n"
"  return files;\n}\n\n}  // namespace atl::codegen\n")
# Only a changed file is rewritten, so an unchanged header set does not rebuild atoll.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
