// The conformance vectors of testdata/*.txt, compiled into the test binary
// by a genrule (protocol/ code, tests included, does no file I/O).
#ifndef LEMONADE_PROTOCOL_SMTP_SMTP_TESTDATA_H_
#define LEMONADE_PROTOCOL_SMTP_SMTP_TESTDATA_H_

#include <cstddef>

namespace lemonade::smtp {

struct SmtpTestdataFile {
  const char* name;      // "rfc3030_chunking.txt"
  const char* contents;  // the file's text
};

extern const SmtpTestdataFile kSmtpTestdata[];
extern const size_t kSmtpTestdataCount;

}  // namespace lemonade::smtp

#endif  // LEMONADE_PROTOCOL_SMTP_SMTP_TESTDATA_H_
