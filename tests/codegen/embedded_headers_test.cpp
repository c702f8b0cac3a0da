#include "codegen/embedded_headers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "core/file.h"

namespace atl::codegen {
namespace {

namespace fs = std::filesystem;

// Where an embedded header comes from in the source tree.
fs::path source_of(std::string_view path) {
  const fs::path src = fs::path(ATOLL_SOURCE_DIR) / "src";
  const std::string p(path);
  if (p.rfind("shim/", 0) == 0) return src / "kernels/hls/shim" / p.substr(5);
  return src / p;
}

TEST(EmbeddedHeaders, AreVerbatimCopiesOfTheSourceFiles) {
  ASSERT_GE(embedded_headers().size(), 8u);
  for (const EmbeddedFile& h : embedded_headers()) {
    EXPECT_EQ(core::read_text_file(source_of(h.path), "header"), h.text) << h.path;
  }
}

TEST(EmbeddedHeaders, HoldEveryHlsHeaderOfTheSourceTree) {
  std::set<std::string> embedded;
  for (const EmbeddedFile& h : embedded_headers()) embedded.insert(std::string(h.path));
  const fs::path hls = fs::path(ATOLL_SOURCE_DIR) / "src/kernels/hls";
  for (const auto& e : fs::recursive_directory_iterator(hls)) {
    if (e.path().extension() != ".h") continue;
    const std::string rel = fs::relative(e.path(), hls).generic_string();
    const std::string path = rel.rfind("shim/", 0) == 0 ? rel : "kernels/hls/" + rel;
    EXPECT_TRUE(embedded.count(path)) << path;
  }
  EXPECT_TRUE(embedded.count("core/dyadic.h"));
}

// A bundle compiles on its own: every quoted include of an embedded header is embedded too,
// found beside the includer or on the bundle's include path (include/, include/shim/).
TEST(EmbeddedHeaders, IncludeOnlyEachOtherAndTheStandardLibrary) {
  std::set<std::string> embedded;
  for (const EmbeddedFile& h : embedded_headers()) embedded.insert(std::string(h.path));
  const std::regex include("#include \"([^\"]+)\"");
  for (const EmbeddedFile& h : embedded_headers()) {
    const std::string text(h.text);
    const std::string dir = fs::path(h.path).parent_path().generic_string();
    for (std::sregex_iterator it(text.begin(), text.end(), include), end; it != end; ++it) {
      const std::string inc = (*it)[1].str();
      EXPECT_TRUE(embedded.count(dir + "/" + inc) || embedded.count(inc) ||
                  embedded.count("shim/" + inc))
          << h.path << " includes " << inc;
    }
  }
}

}  // namespace
}  // namespace atl::codegen
