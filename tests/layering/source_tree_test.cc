// Runs the layering and determinism rules over every C++ file of the
// checkout. The test finds the source tree through the runfiles symlink of
// WORKSPACE, so new files are checked without being declared anywhere.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/layering/layering_rules.h"

namespace lemonade::layering {
namespace {

namespace fs = std::filesystem;

fs::path SourceRoot() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return fs::current_path();
  fs::path marker = fs::path(srcdir) / workspace / "WORKSPACE";
  return fs::canonical(marker).parent_path();
}

TEST(SourceTreeTest, EveryFileFollowsTheLayeringAndDeterminismRules) {
  const fs::path root = SourceRoot();
  ASSERT_TRUE(fs::exists(root / "base" / "time.h")) << "source root not found: " << root;
  int checked = 0;
  std::string report;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name.rfind("bazel-", 0) == 0 || name[0] == '.' ||
                               name == "third_party")) {
      it.disable_recursion_pending();
      continue;
    }
    const std::string ext = it->path().extension().string();
    if (!it->is_regular_file() || (ext != ".h" && ext != ".cc")) continue;
    const std::string relative = fs::relative(it->path(), root).generic_string();
    if (!IsCheckedFolder(TopFolder(relative))) continue;
    std::ifstream in(it->path());
    std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const Violation& v : CheckFile(relative, contents)) {
      absl::StrAppend(&report, v.file, ":", v.line, ": ", v.what, "\n");
    }
    ++checked;
  }
  EXPECT_GT(checked, 3) << "too few files found under " << root;
  EXPECT_TRUE(report.empty()) << report;
}

}  // namespace
}  // namespace lemonade::layering
