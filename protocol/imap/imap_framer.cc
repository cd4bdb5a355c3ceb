#include "protocol/imap/imap_framer.h"

#include <algorithm>
#include <cstring>

#include "protocol/imap/imap_chars.h"

namespace lemonade::imap {
namespace {

// Parses a literal announcement at the end of `line` (CRLF already
// removed): "{n}", "{n+}", "~{n}" or "~{n+}". Returns false if the line does
// not end in one. `malformed` is set for "{...}" endings that are not valid.
bool ParseLiteralSuffix(absl::string_view line, uint64_t* size, bool* synchronizing,
                        bool* malformed) {
  *malformed = false;
  if (line.empty() || line.back() != '}') return false;
  size_t open = line.rfind('{');
  if (open == absl::string_view::npos) return false;
  absl::string_view digits = line.substr(open + 1, line.size() - open - 2);
  *synchronizing = true;
  if (!digits.empty() && digits.back() == '+') {
    *synchronizing = false;
    digits.remove_suffix(1);
  }
  if (digits.empty() || digits.size() > 19) {
    *malformed = true;
    return true;
  }
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      // "{foo}" is not a literal announcement at all (it may be text).
      return false;
    }
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *size = n;
  return true;
}

// Whether position `end` of `line` lies outside any quoted string. A "{n}"
// inside an unterminated quoted string is text, not a literal.
bool OutsideQuotes(absl::string_view line, size_t end) {
  bool quoted = false;
  for (size_t i = 0; i < end; ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    }
  }
  return !quoted;
}

// Errors name a tag only if it and its SP lie in a command's first this
// many octets: an over-long line keeps no more than this of itself.
constexpr size_t kTagScanBytes = 257;

}  // namespace

void ImapFramer::Reset() {
  buffer_.clear();
  line_start_ = 0;
  literal_remaining_ = 0;
  literals_ = 0;
  discarding_ = false;
  state_ = State::kLine;
}

std::string ImapFramer::TagOfBuffer() const {
  // An over-long line is cut when it passes line_bytes_max + 1 octets; that
  // much of it has arrived however it was split, so the tag it names cannot
  // depend on how the line arrived.
  const size_t window = limits_.line_bytes_max < kTagScanBytes ? limits_.line_bytes_max + 2
                                                               : kTagScanBytes;
  const size_t scan = std::min(buffer_.size(), window);
  size_t end = 0;
  while (end < scan && IsTagChar(static_cast<unsigned char>(buffer_[end]))) ++end;
  if (end == scan || buffer_[end] != ' ') return std::string();
  return buffer_.substr(0, end);
}

FrameResult ImapFramer::Fail(FrameErrorKind kind, size_t consumed, bool synchronizing) {
  error_ = FrameError{kind, TagOfBuffer(), synchronizing};
  return FrameResult{consumed, FrameEvent::kError};
}

FrameResult ImapFramer::Feed(absl::string_view input) {
  if (frame_ready_) {
    frame_ready_ = false;
    frame_ = absl::string_view();
    Reset();
  }
  size_t pos = 0;
  while (pos < input.size()) {
    if (state_ == State::kLiteral || state_ == State::kSkipLiteral) {
      uint64_t take = std::min<uint64_t>(literal_remaining_, input.size() - pos);
      if (state_ == State::kLiteral) buffer_.append(input.data() + pos, take);
      pos += take;
      literal_remaining_ -= take;
      if (literal_remaining_ == 0) {
        state_ = State::kLine;
        line_start_ = buffer_.size();
      }
      continue;
    }
    // Text line: look for its LF.
    const char* start = input.data() + pos;
    const void* lf = std::memchr(start, '\n', input.size() - pos);
    size_t chunk = lf ? static_cast<const char*>(lf) - start : input.size() - pos;
    if (discard_line_) {
      pos += chunk;
      if (lf) {
        ++pos;
        discard_line_ = false;
        Reset();
      }
      continue;
    }
    const size_t line_bytes = buffer_.size() - line_start_ + chunk;
    // The limit counts the line without its end. Until the LF arrives the
    // last octet may yet be the CR of a CRLF, so one more is allowed; with
    // the LF here it is exact, for CRLF and bare LF alike.
    bool too_long = line_bytes > limits_.line_bytes_max + 1;
    if (lf != nullptr && line_bytes == limits_.line_bytes_max + 1) {
      const char last = chunk > 0 ? start[chunk - 1]
                                  : (buffer_.size() > line_start_ ? buffer_.back() : '\0');
      too_long = last != '\r';
    }
    if (too_long && discarding_) {
      // A line of a command already rejected: skip it like any other, and
      // without a second error (its command has had its answer). Whatever
      // it announced is lost, so its end ends the command.
      Reset();
      discard_line_ = true;
      continue;
    }
    if (too_long) {
      // The rest of this line is skipped; whatever it announced is lost,
      // which is the best a server can do with an unbounded line. Enough of
      // it is kept to name the tag in the error.
      if (buffer_.size() < kTagScanBytes) {
        buffer_.append(start, std::min(chunk, kTagScanBytes - buffer_.size()));
      }
      FrameResult r = Fail(FrameErrorKind::kLineTooLong, pos + chunk + (lf ? 1 : 0), false);
      bool had_lf = lf != nullptr;
      Reset();
      discard_line_ = !had_lf;
      expect_line_ = false;  // a raw line asked for was this one, and is spent
      return r;
    }
    if (!lf) {
      buffer_.append(start, chunk);
      pos += chunk;
      break;
    }
    buffer_.append(start, chunk + 1);  // with its LF
    pos += chunk + 1;
    if (FrameResult r = FinishLine(pos); r.event != FrameEvent::kNeedMore) return r;
  }
  return FrameResult{pos, FrameEvent::kNeedMore};
}

FrameResult ImapFramer::FinishLine(size_t consumed) {
  // buffer_ ends with the line's LF. Normalise the line end to CRLF (bare LF
  // is accepted, as most servers do).
  if (buffer_.size() - line_start_ < 2 || buffer_[buffer_.size() - 2] != '\r') {
    buffer_.back() = '\r';
    buffer_.push_back('\n');
  }
  absl::string_view line(buffer_.data() + line_start_, buffer_.size() - line_start_ - 2);

  if (expect_line_ && line_start_ == 0 && !discarding_) {
    expect_line_ = false;
    frame_ = line;
    frame_ready_ = true;
    return FrameResult{consumed, FrameEvent::kLine};
  }

  uint64_t size = 0;
  bool synchronizing = true;
  bool malformed = false;
  bool literal = ParseLiteralSuffix(line, &size, &synchronizing, &malformed) &&
                 OutsideQuotes(line, line.rfind('{'));
  if (literal && malformed) {
    if (discarding_) {
      Reset();
      return FrameResult{consumed, FrameEvent::kNeedMore};
    }
    FrameResult r = Fail(FrameErrorKind::kBadLiteral, consumed, true);
    Reset();
    return r;
  }
  if (!literal) {
    if (discarding_) {
      Reset();
      return FrameResult{consumed, FrameEvent::kNeedMore};
    }
    frame_ = buffer_;
    frame_ready_ = true;
    return FrameResult{consumed, FrameEvent::kFrame};
  }

  // A literal follows. In server mode only synchronizing literals wait for
  // "+"; the client side never waits.
  if (side_ == Side::kClient) synchronizing = false;
  if (discarding_) {
    // Still skipping a rejected command: skip this literal too, but a
    // synchronizing one will never come (we do not send "+").
    if (synchronizing) {
      Reset();
      return FrameResult{consumed, FrameEvent::kNeedMore};
    }
    buffer_.clear();
    line_start_ = 0;
    literal_remaining_ = size;
    state_ = size > 0 ? State::kSkipLiteral : State::kLine;
    return FrameResult{consumed, FrameEvent::kNeedMore};
  }
  FrameErrorKind kind;
  bool too_big = false;
  if (size > limits_.literal_bytes_max) {
    kind = FrameErrorKind::kLiteralTooBig;
    too_big = true;
  } else if (buffer_.size() + size > limits_.command_bytes_max) {
    kind = FrameErrorKind::kCommandTooBig;
    too_big = true;
  } else if (literals_ + 1 > limits_.literals_max) {
    kind = FrameErrorKind::kTooManyLiterals;
    too_big = true;
  }
  if (too_big) {
    FrameResult r = Fail(kind, consumed, synchronizing);
    if (synchronizing) {
      Reset();
    } else {
      // RFC 7888 §4 option 1: reject now, then read and drop the literal
      // and the rest of the command without storing it.
      buffer_.clear();
      line_start_ = 0;
      discarding_ = true;
      literal_remaining_ = size;
      state_ = size > 0 ? State::kSkipLiteral : State::kLine;
    }
    return r;
  }
  ++literals_;
  literal_remaining_ = size;
  state_ = size > 0 ? State::kLiteral : State::kLine;
  line_start_ = buffer_.size();
  if (synchronizing) {
    announced_literal_bytes_ = size;
    return FrameResult{consumed, FrameEvent::kLiteralContinuation};
  }
  return FrameResult{consumed, FrameEvent::kNeedMore};
}

}  // namespace lemonade::imap
