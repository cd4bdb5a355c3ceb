// DotStuffer: encodes message content for the DATA command (RFC 5321
// §4.5.2), for the client agent and the relay client.
//
// It writes CRLF line ends (a bare LF or bare CR becomes CRLF: RFC 5321
// §2.3.8 allows nothing else, and a receiver that honours a bare LF as a
// line end could otherwise see an end-of-data mark we did not mean — "SMTP
// smuggling"), doubles a dot that starts a line, and Finish() closes the
// data with "CRLF.CRLF", adding the CRLF the last line lacks. Content may
// be appended in pieces of any size.
//
//   std::string wire;
//   DotStuffer stuffer;
//   stuffer.Append("Hi\n.hidden\n", &wire);
//   stuffer.Finish(&wire);
//   // wire == "Hi\r\n..hidden\r\n.\r\n"
#ifndef LEMONADE_PROTOCOL_SMTP_DOT_STUFFER_H_
#define LEMONADE_PROTOCOL_SMTP_DOT_STUFFER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::smtp {

class DotStuffer {
 public:
  // Append()
  //
  // Appends the wire form of `content` to `out`.
  void Append(absl::string_view content, std::string* out);

  // Finish()
  //
  // Ends the last line if needed and appends ".\r\n". The stuffer is then
  // ready for the next message.
  void Finish(std::string* out);

 private:
  bool at_line_start_ = true;  // the next octet begins a line
  bool after_cr_ = false;      // a CR was just written as CRLF; skip its LF
};

// DotStuff()
//
// The whole DATA payload for `content`, end mark included.
std::string DotStuff(absl::string_view content);

}  // namespace lemonade::smtp

#endif  // LEMONADE_PROTOCOL_SMTP_DOT_STUFFER_H_
