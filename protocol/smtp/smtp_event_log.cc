#include "protocol/smtp/smtp_event_log.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lemonade::smtp {
namespace {

class Recorder {
 public:
  explicit Recorder(const SmtpLimits& limits) : parser_(limits) {}

  // Returns false once a fatal error was seen.
  bool Feed(absl::string_view input) {
    while (!failed_) {
      SmtpParseResult r = parser_.Parse(input);
      input.remove_prefix(r.consumed);
      if (r.event.kind == SmtpEvent::Kind::kNeedMore) break;
      Handle(r.event);
    }
    return !failed_;
  }

  std::vector<std::string> Finish() {
    FlushContent();
    return std::move(log_);
  }

 private:
  void FlushContent() {
    if (!content_.empty()) {
      log_.push_back(absl::StrCat(content_is_bdat_ ? "bdat " : "data ", absl::CEscape(content_)));
      content_.clear();
    }
  }

  void Handle(const SmtpEvent& event) {
    switch (event.kind) {
      case SmtpEvent::Kind::kNeedMore:
        return;
      case SmtpEvent::Kind::kDataChunk:
      case SmtpEvent::Kind::kBdatChunk: {
        const bool bdat = event.kind == SmtpEvent::Kind::kBdatChunk;
        if (!content_.empty() && content_is_bdat_ != bdat) FlushContent();
        content_is_bdat_ = bdat;
        content_.append(event.data.data(), event.data.size());
        return;
      }
      default:
        break;
    }
    FlushContent();
    switch (event.kind) {
      case SmtpEvent::Kind::kCommand: {
        std::string line = FormatSmtpCommand(event.command);
        line.resize(line.size() - 2);
        log_.push_back(absl::StrCat("command ", line));
        OnCommand(event.command);
        break;
      }
      case SmtpEvent::Kind::kAuthResponse:
        log_.push_back(absl::StrCat("auth ", absl::CEscape(event.data)));
        if (--auth_lines_expected_ > 0 && event.data != "*") parser_.ExpectAuthResponse();
        break;
      case SmtpEvent::Kind::kDataEnd: {
        const SmtpDataSummary& s = event.data_summary;
        log_.push_back(absl::StrCat("data-end octets=", s.octets,
                                    s.line_too_long ? " line-too-long" : "",
                                    s.bare_line_feed ? " bare-lf" : "",
                                    s.bare_carriage_return ? " bare-cr" : ""));
        break;
      }
      case SmtpEvent::Kind::kBdatEnd:
        log_.push_back(
            absl::StrCat("bdat-end ", event.bdat_octets, event.bdat_last ? " last" : ""));
        break;
      case SmtpEvent::Kind::kError:
        log_.push_back(absl::StrCat(
            "error ", SmtpParseErrorName(event.error),
            event.error_verb != SmtpVerb::kUnknown ? " verb=" : "", SmtpVerbName(event.error_verb),
            event.fatal ? " fatal" : ""));
        failed_ = event.fatal;
        break;
      default:
        break;
    }
  }

  void OnCommand(const SmtpCommand& command) {
    if (command.verb == SmtpVerb::kData) {
      parser_.BeginData();
    } else if (command.verb == SmtpVerb::kAuth) {
      const bool login = absl::EqualsIgnoreCase(command.mechanism, "LOGIN");
      const bool plain = absl::EqualsIgnoreCase(command.mechanism, "PLAIN");
      const int ir = command.initial_response.has_value() ? 1 : 0;
      auth_lines_expected_ = login ? 2 - ir : plain ? 1 - ir : 1;
      if (auth_lines_expected_ > 0) parser_.ExpectAuthResponse();
    }
  }

  SmtpCommandParser parser_;
  std::vector<std::string> log_;
  std::string content_;
  bool content_is_bdat_ = false;
  int auth_lines_expected_ = 0;
  bool failed_ = false;
};

}  // namespace

std::vector<std::string> RecordSmtpEvents(const std::vector<absl::string_view>& pieces,
                                          const SmtpLimits& limits) {
  Recorder recorder(limits);
  for (absl::string_view piece : pieces) {
    if (!recorder.Feed(piece)) break;
  }
  return recorder.Finish();
}

std::vector<std::string> RecordSmtpEventsSplit(absl::string_view input,
                                               const std::vector<size_t>& cuts,
                                               const SmtpLimits& limits) {
  std::vector<absl::string_view> pieces;
  size_t begin = 0;
  for (size_t cut : cuts) {
    if (cut < begin || cut > input.size()) continue;
    pieces.push_back(input.substr(begin, cut - begin));
    begin = cut;
  }
  pieces.push_back(input.substr(begin));
  return RecordSmtpEvents(pieces, limits);
}

std::vector<std::string> RecordSmtpEventsBytewise(absl::string_view input,
                                                  const SmtpLimits& limits) {
  std::vector<absl::string_view> pieces;
  for (size_t i = 0; i < input.size(); ++i) pieces.push_back(input.substr(i, 1));
  return RecordSmtpEvents(pieces, limits);
}

}  // namespace lemonade::smtp
