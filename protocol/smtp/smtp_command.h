// SmtpCommand: one parsed SMTP/submission command (RFC 5321 §4.1, RFC 6409)
// with the ESMTP parameters a Lemonade submission server understands, and
// the canonical formatter the client agent and the relay use to send one.
//
// The strings in a parsed command are views into the parser's input (or
// its line buffer) and stay valid until the next SmtpCommandParser::Parse()
// call; copy what must outlive it. Values keep their wire form (a quoted
// local part stays quoted, xtext stays encoded); DecodeXtext() and
// UnquoteLocalPart() give the decoded forms. Every parsed command formats
// back to a line that parses to an equal command: parse(format(c)) == c.
//
//   SmtpCommand c;
//   c.verb = SmtpVerb::kMail;
//   c.path = SmtpPath::Mailbox("harry", "gryffindor.example.com");
//   c.mail.body = BodyType::k8BitMime;
//   FormatSmtpCommand(c) == "MAIL FROM:<harry@gryffindor.example.com> BODY=8BITMIME\r\n"
#ifndef LEMONADE_PROTOCOL_SMTP_SMTP_COMMAND_H_
#define LEMONADE_PROTOCOL_SMTP_SMTP_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"

namespace lemonade::smtp {

// The commands we parse. kUnknown only appears in errors.
enum class SmtpVerb {
  kUnknown = 0,
  kEhlo,
  kHelo,
  kMail,
  kRcpt,
  kData,
  kBdat,      // RFC 3030
  kBurl,      // RFC 4468
  kAuth,      // RFC 4954
  kStartTls,  // RFC 3207
  kRset,
  kNoop,
  kQuit,
  kVrfy,
  kExpn,
  kHelp,
};

// The verb as sent ("STARTTLS"); "" for kUnknown.
absl::string_view SmtpVerbName(SmtpVerb verb);

// Reverse-path / Forward-path (RFC 5321 §4.1.2). A source route
// ("<@a,@b:user@c>") is accepted and dropped, as §4.1.2 and Appendix C
// require ("MUST BE accepted, SHOULD NOT be generated, and SHOULD be
// ignored").
struct SmtpPath {
  enum class Kind {
    kNull,        // "<>": the null reverse-path (MAIL only)
    kPostmaster,  // "<Postmaster>" without a domain (RCPT only, §4.1.1.3)
    kMailbox,     // "<local-part@domain>"
  };
  Kind kind = Kind::kNull;
  absl::string_view local_part;  // wire form: Dot-string or Quoted-string
  absl::string_view domain;      // Domain, or address literal with brackets

  static SmtpPath Null() { return SmtpPath{}; }
  static SmtpPath Postmaster() {
    SmtpPath p;
    p.kind = Kind::kPostmaster;
    p.local_part = "Postmaster";
    return p;
  }
  // `local_part` in wire form (see FormatLocalPart()).
  static SmtpPath Mailbox(absl::string_view local_part, absl::string_view domain) {
    SmtpPath p;
    p.kind = Kind::kMailbox;
    p.local_part = local_part;
    p.domain = domain;
    return p;
  }

  friend bool operator==(const SmtpPath& a, const SmtpPath& b) {
    return a.kind == b.kind && a.local_part == b.local_part && a.domain == b.domain;
  }
  friend bool operator!=(const SmtpPath& a, const SmtpPath& b) { return !(a == b); }
};

// One esmtp-param (RFC 5321 §4.1.2): keyword ["=" value].
struct EsmtpParameter {
  absl::string_view keyword;
  std::optional<absl::string_view> value;

  friend bool operator==(const EsmtpParameter& a, const EsmtpParameter& b) {
    return a.keyword == b.keyword && a.value == b.value;
  }
};

// Parameters the parser does not know, in order: a server answers
// "555 5.5.4" (RFC 5321 §4.1.1.11) unless it implements them itself.
using UnknownParameters = absl::InlinedVector<EsmtpParameter, 2>;

// BODY= (RFC 6152, RFC 3030 §3).
enum class BodyType { kUnspecified, k7Bit, k8BitMime, kBinaryMime };

// RET= (RFC 3461 §4.3).
enum class DsnReturn { kUnspecified, kFull, kHeaders };

// MAIL FROM parameters.
struct MailParameters {
  std::optional<uint64_t> size;          // SIZE= (RFC 1870)
  BodyType body = BodyType::kUnspecified;
  DsnReturn ret = DsnReturn::kUnspecified;
  std::optional<absl::string_view> envid;       // ENVID= xtext (RFC 3461 §4.4)
  std::optional<absl::string_view> auth;        // AUTH= xtext: mailbox or "<>" (RFC 4954 §5)
  std::optional<uint32_t> hold_for_seconds;     // HOLDFOR= (RFC 4865), 1..999999999
  std::optional<int64_t> hold_until_unix_seconds;  // HOLDUNTIL= (RFC 4865)
  UnknownParameters unknown;

  friend bool operator==(const MailParameters& a, const MailParameters& b);
};

// NOTIFY= flags (RFC 3461 §4.1).
enum DsnNotify : uint8_t {
  kDsnNotifyNever = 1 << 0,
  kDsnNotifySuccess = 1 << 1,
  kDsnNotifyFailure = 1 << 2,
  kDsnNotifyDelay = 1 << 3,
};

// RCPT TO parameters.
struct RcptParameters {
  uint8_t notify = 0;                         // DsnNotify bits; 0 = absent
  std::optional<absl::string_view> orcpt_type;   // ORCPT= addr-type ("rfc822")
  std::optional<absl::string_view> orcpt_xtext;  // ORCPT= address, xtext
  UnknownParameters unknown;

  friend bool operator==(const RcptParameters& a, const RcptParameters& b);
};

// A parsed command. Only the fields of `verb` are meaningful; the others
// keep their defaults, so commands compare with ==.
struct SmtpCommand {
  SmtpVerb verb = SmtpVerb::kUnknown;
  absl::string_view domain;  // EHLO/HELO: Domain or address literal
  SmtpPath path;             // MAIL/RCPT
  MailParameters mail;       // MAIL
  RcptParameters rcpt;       // RCPT
  uint64_t chunk_octets = 0;  // BDAT chunk-size
  bool last = false;          // BDAT/BURL "LAST"
  absl::string_view url;      // BURL absolute-URI (parsed by protocol/url)
  absl::string_view mechanism;  // AUTH sasl-mech, as sent
  // AUTH initial-response as sent: base64 or "=" (empty); protocol/sasl
  // decodes it.
  std::optional<absl::string_view> initial_response;
  absl::string_view argument;  // VRFY/EXPN (non-empty), NOOP/HELP (may be empty)

  // The first parameter the parser did not recognise, if any.
  const EsmtpParameter* FirstUnknownParameter() const;

  friend bool operator==(const SmtpCommand& a, const SmtpCommand& b);
  friend bool operator!=(const SmtpCommand& a, const SmtpCommand& b) { return !(a == b); }
};

// FormatSmtpCommand()
//
// The canonical command line, with CRLF: upper-case verb and keywords,
// single spaces, "FROM:<...>" without a space, known parameters in a fixed
// order (SIZE BODY RET ENVID AUTH HOLDFOR HOLDUNTIL / NOTIFY ORCPT) then
// the unknown ones. Values are written as held (already wire form).
std::string FormatSmtpCommand(const SmtpCommand& command);
void AppendSmtpCommand(const SmtpCommand& command, std::string* out);

// Client-side shorthands for the commands the client agent and the relay
// send (each ends with CRLF).
std::string FormatEhlo(absl::string_view domain);
std::string FormatMailFrom(const SmtpPath& path, const MailParameters& parameters);
std::string FormatRcptTo(const SmtpPath& path, const RcptParameters& parameters);
std::string FormatBdat(uint64_t chunk_octets, bool last);
std::string FormatBurl(absl::string_view url, bool last);
// `initial_response_wire`: base64 or "=" (see sasl::EncodeInitialResponse).
std::string FormatAuth(absl::string_view mechanism,
                       std::optional<absl::string_view> initial_response_wire);

// ---- Encodings used inside commands ----------------------------------------

// DecodeXtext()
//
// RFC 3461 §4: xtext = *( xchar / hexchar ), hexchar = "+" two UPPER-case
// hex digits. Returns nullopt on malformed text (a lower-case hexchar,
// "=", SP or a control character).
std::optional<std::string> DecodeXtext(absl::string_view xtext);

// IsValidXtext()
//
// Whether DecodeXtext() would succeed, without allocating.
bool IsValidXtext(absl::string_view xtext);

// EncodeXtext()
//
// Encodes octets as xtext: "!".."~" except "+" and "=" as themselves,
// everything else as "+XX".
std::string EncodeXtext(absl::string_view raw);

// UnquoteLocalPart()
//
// The local part with the quoting removed ("\"Joe\\,Smith\"" ->
// "Joe,Smith"); a Dot-string is returned as is. RFC 5321 §4.1.2: "all
// quoted forms MUST be treated as equivalent".
std::string UnquoteLocalPart(absl::string_view wire_local_part);

// FormatLocalPart()
//
// The wire form with "the minimum quoting possible" (RFC 5321 §4.1.2):
// a Dot-string when the text is one, else a Quoted-string. `local_part`
// must be printable ASCII (graphic or SP).
std::string FormatLocalPart(absl::string_view local_part);

// IsValidLocalPart()
//
// RFC 5321 §4.1.2 Local-part in wire form: a Dot-string, or a
// Quoted-string of printable ASCII with backslash quoted-pairs.
bool IsValidLocalPart(absl::string_view wire_local_part);

// IsValidDomain()
//
// RFC 5321 §4.1.2 Domain: sub-domain *("." sub-domain), where a sub-domain
// is letters, digits and inner hyphens.
bool IsValidDomain(absl::string_view domain);

// IsAcceptableHelloDomain()
//
// What EHLO/HELO accept: a Domain whose labels may also hold "_", as real
// host names do (RFC 5321 §4.1.4: mail is not refused over the EHLO name).
bool IsAcceptableHelloDomain(absl::string_view domain);

// IsValidAddressLiteral()
//
// RFC 5321 §4.1.3 address-literal, brackets included: "[192.0.2.1]",
// "[IPv6:2001:db8::1]", or a General-address-literal "[tag:content]".
bool IsValidAddressLiteral(absl::string_view literal);

}  // namespace lemonade::smtp

#endif  // LEMONADE_PROTOCOL_SMTP_SMTP_COMMAND_H_
