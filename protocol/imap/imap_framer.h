// ImapFramer: cuts an IMAP byte stream into whole commands (or responses),
// each a run of text lines and the literals they announce.
//
// IMAP's framing is line-based except for literals: a line ending in
// "{n}" (synchronizing), "{n+}" (non-synchronizing, RFC 7888) or "~{n}"
// (literal8, RFC 3516) is followed by exactly n octets and then more of the
// same command. The framer copies the bytes of a command once into its own
// buffer (literals included, never buffered twice) and returns when:
//  - a command is complete: `frame()` is its exact bytes (bare LF line ends
//    are normalised to CRLF), valid until the next Feed();
//  - a synchronizing literal was announced: the server must send "+ ..."
//    before the client sends the literal (the session decides that);
//  - a limit was hit: the error names the tag and whether the command's
//    remaining bytes are being skipped; the framer resynchronises itself.
//
//   ImapFramer framer(limits, ImapFramer::Side::kServer);
//   while (!input.empty()) {
//     FrameResult r = framer.Feed(input);
//     input.remove_prefix(r.consumed);
//     switch (r.event) { case FrameEvent::kFrame: Handle(framer.frame()); ... }
//   }
#ifndef LEMONADE_PROTOCOL_IMAP_IMAP_FRAMER_H_
#define LEMONADE_PROTOCOL_IMAP_IMAP_FRAMER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/imap/imap_limits.h"

namespace lemonade::imap {

enum class FrameEvent {
  kNeedMore,              // all input consumed, nothing to report
  kFrame,                 // frame() holds a complete command/response
  kLiteralContinuation,   // server side: send "+" before the literal
  kLine,                  // a raw line requested by ExpectLine() is ready
  kError,                 // error() describes it; framing continues
};

enum class FrameErrorKind {
  kLineTooLong,           // a text line exceeded line_bytes_max
  kLiteralTooBig,         // a literal exceeded literal_bytes_max
  kCommandTooBig,         // the command exceeded command_bytes_max
  kTooManyLiterals,       // more than literals_max literals
  kBadLiteral,            // "{...}" with an unparsable length
};

struct FrameError {
  FrameErrorKind kind;
  // The tag of the command, if its first line got that far ("" otherwise).
  std::string tag;
  // Whether the literal that caused the error was synchronizing: then the
  // client waits for "+" and will not send it, so nothing is skipped.
  bool synchronizing = false;
  // For non-synchronizing literals the framer now skips the announced bytes
  // and the rest of the command (RFC 7888 §4, option 1).
};

struct FrameResult {
  size_t consumed = 0;
  FrameEvent event = FrameEvent::kNeedMore;
};

class ImapFramer {
 public:
  // The server side announces continuations for synchronizing literals; the
  // client side (reading responses) never waits.
  enum class Side { kServer, kClient };

  ImapFramer(const ImapLimits& limits, Side side) : limits_(limits), side_(side) {}

  // Consumes a prefix of `input` and reports the first event.
  FrameResult Feed(absl::string_view input);

  // The complete frame after kFrame, or the line (CRLF stripped) after kLine.
  absl::string_view frame() const { return frame_; }
  const FrameError& error() const { return error_; }
  // Size of the literal announced by the last kLiteralContinuation.
  uint64_t announced_literal_bytes() const { return announced_literal_bytes_; }

  // The next line is a raw line, not a command: an AUTHENTICATE response or
  // the DONE that ends IDLE. It is reported as kLine.
  void ExpectLine() { expect_line_ = true; }

  // The session refused a synchronizing literal (it answered NO/BAD instead
  // of "+"): the client abandons the command, so the framer does too.
  void AbandonFrame() { Reset(); }

  // The frame, writable: the command parser unescapes quoted strings in
  // place so arguments stay views without copies. Valid as frame().
  char* mutable_frame_data() { return buffer_.data(); }

  // Bytes currently held for an incomplete frame (for memory accounting).
  size_t buffered_bytes() const { return buffer_.size(); }

  // Whether a frame is partially received or being skipped (e.g. to refuse
  // STARTTLS that is not the last thing in the buffer). A frame just
  // reported is complete, not partial.
  bool in_frame() const {
    return (!buffer_.empty() && !frame_ready_) || state_ != State::kLine || discard_line_ ||
           discarding_;
  }

 private:
  enum class State { kLine, kLiteral, kSkipLiteral };

  // Handles a completed text line that starts at line_start_ in buffer_.
  FrameResult FinishLine(size_t consumed);
  void Reset();
  std::string TagOfBuffer() const;
  FrameResult Fail(FrameErrorKind kind, size_t consumed, bool synchronizing);

  const ImapLimits limits_;
  const Side side_;
  State state_ = State::kLine;
  std::string buffer_;          // the frame being assembled
  size_t line_start_ = 0;       // where the current text line begins
  uint64_t literal_remaining_ = 0;
  size_t literals_ = 0;
  bool discarding_ = false;     // skipping the rest of a rejected command
  bool discard_line_ = false;   // skipping the rest of an over-long line
  bool expect_line_ = false;
  bool frame_ready_ = false;    // frame_ refers to buffer_; clear on next Feed
  uint64_t announced_literal_bytes_ = 0;
  absl::string_view frame_;
  FrameError error_;
};

}  // namespace lemonade::imap

#endif  // LEMONADE_PROTOCOL_IMAP_IMAP_FRAMER_H_
