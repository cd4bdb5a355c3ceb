// SmtpReply: an SMTP reply (RFC 5321 §4.2) with its enhanced status code
// (RFC 2034, RFC 3463), the formatter that writes one and the helpers that
// build and read EHLO replies.
//
// RFC 2034 §4: with ENHANCEDSTATUSCODES, every 2xx/4xx/5xx line except the
// greeting and the EHLO/HELO reply starts its text with the status code,
// and every line of a multi-line reply repeats it. The formatter does that
// from one `enhanced` value; 3xx replies (334, 354) carry none.
//
//   std::string out;
//   AppendSmtpReply(SmtpReply{250, EnhancedStatusCode{2, 1, 0}, {"Originator ok"}}, &out);
//   // "250 2.1.0 Originator ok\r\n"
//   AppendSmtpReply(SmtpReply{551, EnhancedStatusCode{5, 7, 1},
//                             {"Forwarding to remote hosts disabled",
//                              "Select another host to act as your forwarder"}}, &out);
//   // "551-5.7.1 Forwarding to remote hosts disabled\r\n"
//   // "551 5.7.1 Select another host to act as your forwarder\r\n"
#ifndef LEMONADE_PROTOCOL_SMTP_SMTP_REPLY_H_
#define LEMONADE_PROTOCOL_SMTP_SMTP_REPLY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "protocol/smtp/smtp_command.h"
#include "protocol/smtp/smtp_command_parser.h"

namespace lemonade::smtp {

// status-code = class "." subject "." detail (RFC 3463 §2), e.g. 5.5.2.
struct EnhancedStatusCode {
  int klass = 2;    // 2, 4 or 5
  int subject = 0;  // 0..999
  int detail = 0;   // 0..999

  // "5.5.2".
  std::string ToString() const;

  // Parses exactly `class "." 1*3digit "." 1*3digit`.
  static std::optional<EnhancedStatusCode> Parse(absl::string_view text);

  friend bool operator==(const EnhancedStatusCode& a, const EnhancedStatusCode& b) {
    return a.klass == b.klass && a.subject == b.subject && a.detail == b.detail;
  }
  friend bool operator!=(const EnhancedStatusCode& a, const EnhancedStatusCode& b) {
    return !(a == b);
  }
};

// A complete reply: one code, its enhanced code, one text per line.
struct SmtpReply {
  int code = 0;  // 200..599 (Reply-code, RFC 5321 §4.2)
  std::optional<EnhancedStatusCode> enhanced;
  std::vector<std::string> lines;  // at least one; text without code, status or CRLF

  bool positive() const { return code >= 200 && code < 400; }  // 2xx/3xx
  bool transient_failure() const { return code >= 400 && code < 500; }
  bool permanent_failure() const { return code >= 500; }

  friend bool operator==(const SmtpReply& a, const SmtpReply& b) {
    return a.code == b.code && a.enhanced == b.enhanced && a.lines == b.lines;
  }
  friend bool operator!=(const SmtpReply& a, const SmtpReply& b) { return !(a == b); }
};

// AppendSmtpReply()
//
// Writes `reply`: "code-" on every line but the last, "code " on the last,
// the enhanced code (if any) on each, CRLF after each. Text octets that
// textstring does not allow (RFC 5321 §4.2: HT and %d32-126) are written
// as "?", so text echoed from a client can never inject a line.
void AppendSmtpReply(const SmtpReply& reply, std::string* out);
std::string FormatSmtpReply(const SmtpReply& reply);

// One-line shorthand: AppendSmtpReply({code, enhanced, {text}}).
void AppendSmtpReply(int code, std::optional<EnhancedStatusCode> enhanced,
                     absl::string_view text, std::string* out);

// SuggestedReply()
//
// The reply for a parser error (see SmtpParseError), specialised by the
// command it concerns (bad MAIL path: 5.1.7, bad RCPT path: 5.1.3).
SmtpReply SuggestedReply(SmtpParseError error, SmtpVerb verb);

// UnknownParameterReply()
//
// RFC 5321 §4.1.1.11: "555 MAIL FROM/RCPT TO parameters not recognized or
// not implemented", with 5.5.4.
SmtpReply UnknownParameterReply(const EsmtpParameter& parameter);

// One line of an EHLO reply after the first: keyword and parameters.
struct EhloExtension {
  std::string keyword;              // upper-cased ("AUTH")
  std::vector<std::string> params;  // as sent ("PLAIN", "LOGIN")

  friend bool operator==(const EhloExtension& a, const EhloExtension& b) {
    return a.keyword == b.keyword && a.params == b.params;
  }
};

// What a server said to EHLO (RFC 5321 §4.1.1.1 ehlo-ok-rsp).
struct EhloReply {
  std::string domain;
  std::string greeting;  // the rest of the first line, may be empty
  std::vector<EhloExtension> extensions;

  // The extension named `keyword` (case-insensitive), or nullptr.
  const EhloExtension* Find(absl::string_view keyword) const;
  bool Has(absl::string_view keyword) const { return Find(keyword) != nullptr; }
};

// ParseEhloReply()
//
// Reads a 250 reply to EHLO. Returns nullopt for another code or an empty
// domain. Keywords are upper-cased; unknown ones are kept.
std::optional<EhloReply> ParseEhloReply(const SmtpReply& reply);

// MakeEhloReply()
//
// The 250 reply a server sends to EHLO (no enhanced code: RFC 2034 §4).
SmtpReply MakeEhloReply(const EhloReply& ehlo);

}  // namespace lemonade::smtp

#endif  // LEMONADE_PROTOCOL_SMTP_SMTP_REPLY_H_
