// ImapLimits: every bound the IMAP wire layer enforces, in one place, so a
// server can configure them and tests can hit each one.
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_LIMITS_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace lemonade::imap {

struct ImapLimits {
  // One text line of a command (between literals), CRLF excluded. RFC 7162
  // §4 asks servers to accept at least 8192 octets; long UID sets need more.
  size_t line_bytes_max = 64 * 1024;
  // One literal. This is also the APPEND message-size limit (APPENDLIMIT).
  uint64_t literal_bytes_max = 64ull * 1024 * 1024;
  // A whole command: every line and literal together (bounds CATENATE).
  uint64_t command_bytes_max = 80ull * 1024 * 1024;
  // Literals in one command (CATENATE parts, MULTIAPPEND).
  size_t literals_max = 1000;
  // Depth of nested parentheses (search programs, lists).
  int nesting_depth_max = 32;
  // Items in one list or search program (fetch attributes, flags, keys).
  size_t list_items_max = 10000;
  // Ranges in one sequence set.
  size_t sequence_ranges_max = 100000;
};

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_LIMITS_H_
