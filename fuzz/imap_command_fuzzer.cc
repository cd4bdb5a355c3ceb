// Fuzzes ImapCommandParser (framing with all three literal forms, every
// command's arguments, limits and resynchronisation) and the date and
// sequence-set syntax it uses.
//
// Invariants checked, beyond "does not crash":
//   - split: the event log (imap_event_log.h, with its scripted session) is
//     the same for the input whole, cut at an input-chosen offset, cut at
//     several input-chosen offsets, and (for inputs up to 2 KB) fed one
//     octet at a time;
//   - views: every string of a parsed command lies inside the parser's
//     frame (no view into freed or foreign memory);
//   - ParseFramedCommand() on the raw input never reads outside it;
//   - round trips: a sequence set's text form parses back to an equal set,
//     and a date or date-time that parses formats to text that parses back
//     to the same value.
// A first octet of 0x80 or more picks small limits (and a session that
// refuses literals over 3 octets some of the time), so the limit paths are
// reached with short inputs; IMAP commands never start with such an octet.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "base/check.h"
#include "protocol/imap/imap_command.h"
#include "protocol/imap/imap_command_parser.h"
#include "protocol/imap/imap_date.h"
#include "protocol/imap/imap_event_log.h"

namespace lemonade::imap {
namespace {

ImapLimits LimitsFor(uint8_t selector) {
  ImapLimits limits;
  if (selector < 0x80) return limits;
  static constexpr uint64_t kLiteralBytes[4] = {0, 5, 64, 4096};
  limits.line_bytes_max = size_t{8} << (selector & 7);
  limits.literal_bytes_max = kLiteralBytes[(selector >> 3) & 3];
  limits.command_bytes_max = uint64_t{64} << ((selector >> 5) & 3);
  limits.literals_max = 1 + (selector & 3);
  limits.nesting_depth_max = 1 + ((selector >> 2) & 3);
  limits.list_items_max = 1 + ((selector >> 4) & 3);
  limits.sequence_ranges_max = 1 + ((selector >> 1) & 3);
  return limits;
}

ImapSessionScript ScriptFor(uint8_t selector) {
  ImapSessionScript script;
  if (selector >= 0x80 && (selector & 0x40)) script.refuse_literals_over_bytes = 3;
  return script;
}

uint64_t Hash(absl::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

void CheckSplits(absl::string_view input, const ImapLimits& limits,
                 const ImapSessionScript& script) {
  const std::string whole = absl::StrJoin(RecordImapCommandEvents({input}, limits, script), "\n");
  uint64_t h = Hash(input);
  const size_t cut = input.empty() ? 0 : h % (input.size() + 1);
  const std::string split =
      absl::StrJoin(RecordImapCommandEventsSplit(input, {cut}, limits, script), "\n");
  CHECK(split == whole) << "cut at " << cut << "\nwhole:\n" << whole << "\nsplit:\n" << split;

  std::vector<size_t> cuts;
  for (size_t c = 0; c < input.size();) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    c += 1 + (h >> 33) % 17;
    cuts.push_back(c);
  }
  const std::string pieces =
      absl::StrJoin(RecordImapCommandEventsSplit(input, cuts, limits, script), "\n");
  CHECK(pieces == whole) << "cuts at " << absl::StrJoin(cuts, ",") << "\nwhole:\n"
                         << whole << "\npieces:\n" << pieces;

  if (input.size() <= 2048) {
    const std::string bytewise =
        absl::StrJoin(RecordImapCommandEventsBytewise(input, limits, script), "\n");
    CHECK(bytewise == whole) << "\nwhole:\n" << whole << "\nbytewise:\n" << bytewise;
  }
}

class ViewChecker {
 public:
  explicit ViewChecker(absl::string_view frame) : frame_(frame) {}

  void operator()(absl::string_view v, const char* what) const {
    if (v.data() == nullptr) {
      CHECK(v.empty()) << what;
      return;
    }
    CHECK(v.data() >= frame_.data() && v.data() + v.size() <= frame_.data() + frame_.size())
        << what << " lies outside the frame";
  }

  void Key(const SearchKey& k) const {
    (*this)(k.field, "search field");
    (*this)(k.value, "search value");
    for (const SearchKey& c : k.children) Key(c);
  }

  void Command(const ImapCommand& c) const {
    const ViewChecker& v = *this;
    v(c.tag, "tag");
    v(c.mailbox, "mailbox");
    v(c.new_mailbox, "new mailbox");
    v(c.user, "user");
    v(c.password, "password");
    v(c.mechanism, "mechanism");
    if (c.initial_response) v(*c.initial_response, "initial response");
    if (c.resume) v(c.resume->session_id, "session id");
    for (const FetchAttribute& a : c.fetch) {
      v(a.section_text, "section text");
      for (absl::string_view f : a.section.fields) v(f, "header field");
    }
    for (absl::string_view f : c.flags) v(f, "flag");
    v(c.charset, "charset");
    Key(c.search);
    v(c.list.reference, "reference");
    for (absl::string_view p : c.list.patterns) v(p, "pattern");
    for (absl::string_view o : c.list.selection_options) v(o, "selection option");
    for (absl::string_view o : c.list.return_options) v(o, "return option");
    for (absl::string_view o : c.list.return_status_items) v(o, "status item");
    for (const AppendMessage& m : c.append) {
      for (absl::string_view f : m.flags) v(f, "append flag");
      v(m.data, "message");
      for (const CatenatePart& p : m.parts) v(p.data, "catenate part");
    }
    for (const UrlAuthRequest& r : c.genurlauth) {
      v(r.url, "genurlauth url");
      v(r.mechanism, "genurlauth mechanism");
    }
    for (const UrlFetchRequest& r : c.urlfetch) v(r.url, "urlfetch url");
    for (const auto& [field, value] : c.id_params) {
      v(field, "id field");
      if (value) v(*value, "id value");
    }
  }

 private:
  absl::string_view frame_;
};

// A sequence set written out parses back to an equal set.
void CheckSequenceSetRoundTrip(const SequenceSet& set) {
  if (set.empty()) return;
  const std::string command = absl::StrCat("t FETCH ", set.ToString(), " UID\r\n");
  ImapCommandParser parser;
  CHECK(parser.Parse(command).event == ParseEvent::kCommand) << command;
  CHECK(parser.command().sequence_set == set) << command;
}

// Drives a parser the way the scripted session does and checks every
// command it produces.
void CheckCommands(absl::string_view input, const ImapLimits& limits,
                   const ImapSessionScript& script) {
  ImapCommandParser parser(limits);
  while (true) {
    ParseResult r = parser.Parse(input);
    CHECK(r.consumed <= input.size());
    input.remove_prefix(r.consumed);
    switch (r.event) {
      case ParseEvent::kNeedMore:
        CHECK(input.empty()) << "kNeedMore must consume all input";
        return;
      case ParseEvent::kCommand: {
        const ImapCommand& c = parser.command();
        ViewChecker(parser.frame()).Command(c);
        CHECK(parser.frame().size() >= 2 &&
              parser.frame().substr(parser.frame().size() - 2) == "\r\n");
        CheckSequenceSetRoundTrip(c.sequence_set);
        if ((c.name == CommandName::kAuthenticate && !c.initial_response) ||
            c.name == CommandName::kIdle) {
          parser.ExpectLine();
        }
        break;
      }
      case ParseEvent::kContinuation:
        if (parser.announced_literal_bytes() > script.refuse_literals_over_bytes) {
          parser.AbandonCommand();
        }
        break;
      case ParseEvent::kLine:
      case ParseEvent::kError:
        break;
    }
  }
}

// The input taken as one frame: parsed in place, reading nothing outside.
void CheckFramed(absl::string_view input, const ImapLimits& limits) {
  std::vector<char> frame(input.begin(), input.end());
  ImapCommand command;
  CommandError error;
  if (ParseFramedCommand(frame.data(), frame.size(), limits, &command, &error)) {
    ViewChecker(absl::string_view(frame.data(), frame.size())).Command(command);
  }
}

// Dates and date-times that parse format to text that parses back equal.
void CheckDates(absl::string_view input) {
  const absl::string_view text = input.substr(0, 40);
  if (std::optional<ImapDay> day = ParseImapDate(text)) {
    int64_t year;
    int month, mday;
    CivilFromDays(*day, &year, &month, &mday);
    const std::string again = absl::StrFormat("%d-%s-%04d", mday, MonthName(month), year);
    CHECK(ParseImapDate(again) == day) << again;
  }
  if (input.size() >= 26) {
    if (std::optional<ImapDateTime> t = ParseImapDateTime(input.substr(0, 26))) {
      const std::string again = FormatImapDateTime(*t);
      CHECK(ParseImapDateTime(again) == t) << again;
    }
  }
}

}  // namespace
}  // namespace lemonade::imap

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lemonade::imap;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const uint8_t selector = size > 0 ? data[0] : 0;
  const ImapLimits limits = LimitsFor(selector);
  const ImapSessionScript script = ScriptFor(selector);
  CheckSplits(input, limits, script);
  CheckCommands(input, limits, script);
  CheckFramed(input, limits);
  CheckDates(input);
  return 0;
}
