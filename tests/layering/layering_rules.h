// The design's layering and determinism rules, as code.
//
// Layering: a file in one of our folders may #include only headers of the
// folders its layer may depend on (see ../../README.md and
// ../shared/DESIGN.md: arrows point down only). Determinism: the core
// (base/, env/, protocol/, server/, client/, netsim/) never names the wall
// clock, a global RNG, threads, environment variables or raw sockets/files;
// the world reaches it only through env/.
#ifndef LEMONADE_TESTS_LAYERING_LAYERING_RULES_H_
#define LEMONADE_TESTS_LAYERING_LAYERING_RULES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lemonade::layering {

struct Violation {
  std::string file;
  int line = 0;
  std::string what;
};

// The top-level folder of a repository-relative path ("server/imap/x.cc" ->
// "server").
std::string TopFolder(absl::string_view path);

// Whether `folder` is one the rules know about. Files elsewhere (tools/,
// tests/, fuzz/, bench/, third_party/) are not checked.
bool IsCheckedFolder(absl::string_view folder);

// Checks one file's contents; `path` is repository-relative.
std::vector<Violation> CheckFile(absl::string_view path, absl::string_view contents);

}  // namespace lemonade::layering

#endif  // LEMONADE_TESTS_LAYERING_LAYERING_RULES_H_
