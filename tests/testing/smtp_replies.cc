#include "tests/testing/smtp_replies.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lemonade::testing {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool HasCode(absl::string_view line) {
  return line.size() >= 3 && IsDigit(line[0]) && IsDigit(line[1]) && IsDigit(line[2]);
}

// The complete lines of `text` (without CRLF); an unterminated tail is left
// out.
std::vector<absl::string_view> CompleteLines(absl::string_view text) {
  std::vector<absl::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t eol = text.find("\r\n", pos);
    if (eol == absl::string_view::npos) break;
    lines.push_back(text.substr(pos, eol - pos));
    pos = eol + 2;
  }
  return lines;
}

// status-code = class "." subject "." detail (RFC 3463 §2); returns the
// class digit or 0.
int EnhancedClass(absl::string_view text) {
  const size_t space = text.find(' ');
  const absl::string_view code = text.substr(0, space);
  if (code.size() < 5 || (code[0] != '2' && code[0] != '4' && code[0] != '5') || code[1] != '.') {
    return 0;
  }
  int dots = 0;
  size_t digits = 0;
  for (size_t i = 2; i < code.size(); ++i) {
    if (code[i] == '.') {
      if (digits == 0 || digits > 3) return 0;
      ++dots;
      digits = 0;
    } else if (IsDigit(code[i])) {
      ++digits;
    } else {
      return 0;
    }
  }
  if (dots != 1 || digits == 0 || digits > 3) return 0;
  return code[0] - '0';
}

}  // namespace

bool IsFinalReplyLine(absl::string_view line) {
  return HasCode(line) && (line.size() == 3 || line[3] == ' ');
}

int CountReplies(absl::string_view text) {
  int count = 0;
  for (absl::string_view line : CompleteLines(text)) {
    if (IsFinalReplyLine(line)) ++count;
  }
  return count;
}

std::vector<std::string> ReplyCodes(absl::string_view text) {
  std::vector<std::string> codes;
  for (absl::string_view line : CompleteLines(text)) {
    if (!IsFinalReplyLine(line)) continue;
    const absl::string_view rest = line.size() > 4 ? line.substr(4) : absl::string_view();
    if (EnhancedClass(rest) != 0) {
      codes.push_back(absl::StrCat(line.substr(0, 3), " ", rest.substr(0, rest.find(' '))));
    } else {
      codes.emplace_back(line.substr(0, 3));
    }
  }
  return codes;
}

std::string NormalizeClockDependentText(absl::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t queued = text.find("queued as ", pos);
    const size_t release = text.find("FUTURERELEASE ", pos);
    const size_t next = std::min(queued, release);
    if (next == absl::string_view::npos) break;
    if (next == queued) {
      const size_t start = queued + 10;
      size_t end = start;
      while (end < text.size() && (absl::ascii_isxdigit(text[end]) || text[end] == '-')) ++end;
      absl::StrAppend(&out, text.substr(pos, start - pos), "<ID>");
      pos = end;
    } else {
      const size_t interval = release + 14;
      const size_t space = text.find(' ', interval);
      const size_t eol = text.find("\r\n", interval);
      if (space == absl::string_view::npos || eol == absl::string_view::npos || space > eol) {
        absl::StrAppend(&out, text.substr(pos, interval - pos));
        pos = interval;
        continue;
      }
      absl::StrAppend(&out, text.substr(pos, space + 1 - pos), "<DATE>");
      pos = eol;
    }
  }
  absl::StrAppend(&out, text.substr(pos));
  return out;
}

std::vector<std::string> CheckReplyStream(absl::string_view text,
                                          absl::string_view server_hostname) {
  std::vector<std::string> problems;
  if (!text.empty() && !absl::EndsWith(text, "\r\n")) {
    problems.push_back("the output does not end with a complete line");
  }
  int replies = 0;
  bool in_reply = false;
  bool exempt = false;
  absl::string_view reply_code;
  for (absl::string_view line : CompleteLines(text)) {
    const std::string quoted = absl::StrCat("\"", absl::CHexEscape(line), "\"");
    if (line.find('\r') != absl::string_view::npos || line.find('\n') != absl::string_view::npos) {
      problems.push_back(absl::StrCat("bare CR or LF in ", quoted));
    }
    if (!HasCode(line) || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      problems.push_back(absl::StrCat("not a reply line: ", quoted));
      in_reply = false;
      continue;
    }
    const absl::string_view code = line.substr(0, 3);
    const absl::string_view rest = line.size() > 4 ? line.substr(4) : absl::string_view();
    if (in_reply && code != reply_code) {
      problems.push_back(absl::StrCat("continuation changes the code: ", quoted));
    }
    if (!in_reply) {
      reply_code = code;
      // RFC 2034 §4: the greeting and the EHLO/HELO reply carry no code.
      exempt = replies == 0 || (code == "250" && absl::StartsWith(rest, server_hostname));
    }
    const int klass = code[0] - '0';
    if (klass < 2 || klass > 5) {
      problems.push_back(absl::StrCat("reply code out of range: ", quoted));
    } else if (klass != 3 && !exempt && EnhancedClass(rest) != klass) {
      problems.push_back(absl::StrCat("no enhanced status code of class ", klass, ": ", quoted));
    }
    in_reply = !IsFinalReplyLine(line);
    if (!in_reply) ++replies;
  }
  if (in_reply) problems.push_back("the last reply is incomplete");
  return problems;
}

std::string Base64(absl::string_view raw) { return absl::Base64Escape(raw); }

std::string AuthPlainCommand(absl::string_view user, absl::string_view password) {
  return absl::StrCat("AUTH PLAIN ",
                      Base64(absl::StrCat(absl::string_view("\0", 1), user,
                                          absl::string_view("\0", 1), password)),
                      "\r\n");
}

}  // namespace lemonade::testing
