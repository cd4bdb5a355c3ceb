// The files of protocol/mime/testdata/, compiled into the tests (by
// embed_testdata.sh) so that they read their data without file I/O.
//
//   absl::string_view raw = testing::Testdata("lemonade_seed.eml");
//   for (const testing::TestdataFile& f : testing::AllTestdata()) { ... }
#ifndef LEMONADE_PROTOCOL_MIME_TESTDATA_FILES_H_
#define LEMONADE_PROTOCOL_MIME_TESTDATA_FILES_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/check.h"

namespace lemonade::mime::testing {

struct TestdataFile {
  absl::string_view name;   // the file name, e.g. "bare_lf.eml"
  absl::string_view bytes;  // its exact contents
};

extern const TestdataFile kTestdataFiles[];
extern const size_t kTestdataFileCount;

inline absl::Span<const TestdataFile> AllTestdata() {
  return absl::Span<const TestdataFile>(kTestdataFiles, kTestdataFileCount);
}

// The contents of testdata/`name`; a missing file is a bug in the test.
inline absl::string_view Testdata(absl::string_view name) {
  for (const TestdataFile& f : AllTestdata()) {
    if (f.name == name) return f.bytes;
  }
  CHECK(false) << "no testdata file " << name;
  return {};
}

}  // namespace lemonade::mime::testing

#endif  // LEMONADE_PROTOCOL_MIME_TESTDATA_FILES_H_
