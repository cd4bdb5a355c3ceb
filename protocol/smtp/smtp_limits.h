// SmtpLimits: every bound the SMTP command parser enforces, named, with
// the RFC that sets or motivates it.
//
// A violation never grows a buffer: the parser reports a specific
// SmtpParseError (see smtp_command_parser.h) and resynchronises on the
// next line, so a hostile client costs at most one line of memory.
//
//   SmtpLimits limits;
//   limits.command_line_octets_max = 4096;  // clamped to >= 512
//   SmtpCommandParser parser(limits);
#ifndef LEMONADE_PROTOCOL_SMTP_SMTP_LIMITS_H_
#define LEMONADE_PROTOCOL_SMTP_SMTP_LIMITS_H_

#include <cstddef>

namespace lemonade::smtp {

struct SmtpLimits {
  // RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including
  // CRLF, but each extension may raise that (SIZE, AUTH= +500 (RFC 4954
  // §3), ORCPT up to 500 (RFC 3461 §4.2), HOLDUNTIL +34 (RFC 4865 §3), a
  // long BURL URL). Configured values below this minimum are raised to it.
  static constexpr size_t kCommandLineOctetsMin = 512;

  // Longest command line, CRLF included. Longer: kLineTooLong
  // ("500 5.5.2 Line too long", RFC 5321 §4.5.3.1.10).
  size_t command_line_octets_max = 2048;

  // Longest SASL response line after "334" (RFC 4954 §4: "12288 octets is
  // considered to be a sufficient line length limit"). Longer:
  // kAuthLineTooLong ("500 5.5.6").
  size_t auth_line_octets_max = 12288;

  // RFC 5321 §4.5.3.1.6: a text line of DATA is at most 1000 octets
  // including CRLF. Not enforced mid-message: longer lines are reported in
  // SmtpDataSummary so the server can refuse the message at its end.
  size_t data_line_octets_max = 1000;

  // Most ESMTP parameters on one MAIL or RCPT. More: kTooManyParameters.
  size_t parameters_max = 16;

  // RFC 5321 §4.5.3.1.1-3: local part 64, domain 255, path 256 octets
  // ("<" and ">" included).
  size_t local_part_octets_max = 64;
  size_t domain_octets_max = 255;
  size_t path_octets_max = 256;

  // RFC 5321 §2.3.8: lines end with CRLF. A command line ended by a bare
  // LF is refused (kBareLineFeed) unless this is set, for hand-typed
  // sessions (netcat). DATA never treats a bare LF as a line end: doing so
  // is what makes "SMTP smuggling" possible.
  bool command_bare_lf_allowed = false;
};

}  // namespace lemonade::smtp

#endif  // LEMONADE_PROTOCOL_SMTP_SMTP_LIMITS_H_
