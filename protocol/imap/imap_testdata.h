// The conformance vectors of testdata/*.txt (format: testdata/README.md),
// compiled into the test binaries by a genrule (protocol/ code, tests
// included, does no file I/O), and their loader.
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_TESTDATA_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_TESTDATA_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "protocol/imap/imap_event_log.h"
#include "protocol/imap/imap_limits.h"

namespace lemonade::imap {

struct ImapTestdataFile {
  const char* name;      // "commands_rfc3501.txt"
  const char* contents;  // the file's text
};

extern const ImapTestdataFile kImapTestdata[];
extern const size_t kImapTestdataCount;

// One "### name" case.
struct ImapVector {
  std::string file;
  std::string name;
  std::string input;
  std::vector<std::string> expected;
  ImapLimits limits;
  ImapSessionScript script;
};

// LoadImapVectors()
//
// The cases of every file whose name starts with `file_prefix`
// ("commands_" or "responses_"). Lines that cannot be read are reported in
// `problems` ("file: line"), so a typo fails the test instead of silently
// changing a case.
std::vector<ImapVector> LoadImapVectors(absl::string_view file_prefix,
                                        std::vector<std::string>* problems);

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_TESTDATA_H_
