#include "tests/e2e/imap_test_support.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lemonade::testing {
namespace {

struct TranscriptEntry {
  int line_number = 0;  // within its file, for failure messages
  size_t session = 0;
  bool client = false;
  std::string text;
};

struct Transcript {
  std::string file;
  std::vector<TranscriptEntry> entries;
};

// Finds case `name` in the compiled-in files; false if there is none.
bool FindTranscript(absl::string_view name, Transcript* out, std::string* problem) {
  for (size_t f = 0; f < kImapTranscriptCount; ++f) {
    bool in_case = false;
    int line_number = 0;
    for (absl::string_view line : absl::StrSplit(kImapTranscripts[f].contents, '\n')) {
      ++line_number;
      if (absl::ConsumePrefix(&line, "### ")) {
        if (in_case) return true;
        in_case = line == name;
        if (in_case) out->file = kImapTranscripts[f].name;
        continue;
      }
      if (!in_case || line.empty() || line[0] == '#') continue;
      // "C: text", "C2: text", "S: text", "S2: text"; "C:" alone is an
      // empty line.
      TranscriptEntry e;
      e.line_number = line_number;
      if (line[0] != 'C' && line[0] != 'S') {
        *problem = absl::StrCat(out->file, ":", line_number, ": cannot read \"", line, "\"");
        return false;
      }
      e.client = line[0] == 'C';
      line.remove_prefix(1);
      size_t colon = line.find(':');
      if (colon == absl::string_view::npos) {
        *problem = absl::StrCat(out->file, ":", line_number, ": missing ':'");
        return false;
      }
      int session = 1;
      if (colon > 0 && !absl::SimpleAtoi(line.substr(0, colon), &session)) {
        *problem = absl::StrCat(out->file, ":", line_number, ": bad session number");
        return false;
      }
      e.session = static_cast<size_t>(session - 1);
      line.remove_prefix(colon + 1);
      absl::ConsumePrefix(&line, " ");
      e.text = std::string(line);
      out->entries.push_back(std::move(e));
    }
    if (in_case) return true;
  }
  *problem = absl::StrCat("no transcript named \"", name, "\"");
  return false;
}

// Replaces every bound ${NAME} in `text`.
std::string Substitute(absl::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  while (!text.empty()) {
    size_t open = text.find("${");
    size_t close = open == absl::string_view::npos ? open : text.find('}', open);
    if (close == absl::string_view::npos) break;
    std::string name(text.substr(open + 2, close - open - 2));
    auto it = vars.find(name);
    out.append(text.data(), open);
    out += it == vars.end() ? std::string(text.substr(open, close - open + 1)) : it->second;
    text.remove_prefix(close + 1);
  }
  out.append(text.data(), text.size());
  return out;
}

// Matches `line` against `pattern`, whose unbound ${NAME}s capture the
// (non-empty) text up to the next literal part of the pattern. Binds them
// in `vars` only if the whole line matches.
bool MatchLine(absl::string_view pattern, absl::string_view line,
               std::map<std::string, std::string>* vars) {
  std::string resolved = Substitute(pattern, *vars);
  // Pieces: literal text and capture names alternately.
  std::vector<std::pair<bool, std::string>> pieces;  // (is_capture, text)
  absl::string_view rest = resolved;
  while (!rest.empty()) {
    size_t open = rest.find("${");
    size_t close = open == absl::string_view::npos ? open : rest.find('}', open);
    if (close == absl::string_view::npos) {
      pieces.emplace_back(false, std::string(rest));
      break;
    }
    if (open > 0) pieces.emplace_back(false, std::string(rest.substr(0, open)));
    pieces.emplace_back(true, std::string(rest.substr(open + 2, close - open - 2)));
    rest.remove_prefix(close + 1);
  }
  std::map<std::string, std::string> bound;
  size_t pos = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const auto& [capture, text] = pieces[i];
    if (!capture) {
      if (line.substr(pos, text.size()) != text) return false;
      pos += text.size();
      continue;
    }
    size_t end = line.size();
    if (i + 1 < pieces.size()) {
      end = line.find(pieces[i + 1].second, pos);
      if (end == absl::string_view::npos) return false;
    }
    if (end == pos) return false;
    std::string value(line.substr(pos, end - pos));
    auto previous = bound.find(text);
    if (previous != bound.end() && previous->second != value) return false;
    bound[text] = value;
    pos = end;
  }
  if (pos != line.size()) return false;
  for (auto& [name, value] : bound) (*vars)[name] = value;
  return true;
}

}  // namespace

std::string ImapConformanceTest::PasswordOf(const std::string& user) {
  if (user == "bob") return "secret";
  if (user == "alice") return "wonder";
  if (user == "submit") return "submit-secret";
  ADD_FAILURE() << "unknown fixture user " << user;
  return "";
}

void ImapConformanceTest::CommitStore() {
  bool durable = false;
  store_->Commit([&durable](absl::Status s) { durable = s.ok(); });
  ASSERT_TRUE(RunUntil([&durable] { return durable; }));
}

uint32_t ImapConformanceTest::Deliver(const std::string& message, const std::string& mailbox,
                                      const std::string& user, uint8_t system_flags,
                                      const std::vector<std::string>& keywords,
                                      int64_t internal_date, int16_t zone_offset_minutes) {
  store::Mailbox* box = MailboxOf(mailbox, user);
  if (box == nullptr) {
    ADD_FAILURE() << "no mailbox " << mailbox << " for " << user;
    return 0;
  }
  auto uid =
      store_->Append(*box, message, system_flags, keywords, internal_date, zone_offset_minutes);
  if (!uid.ok()) {
    ADD_FAILURE() << uid.status();
    return 0;
  }
  CommitStore();
  return *uid;
}

store::Mailbox* ImapConformanceTest::MailboxOf(const std::string& name, const std::string& user) {
  const store::User* u = store_->FindUser(user);
  return u == nullptr ? nullptr : store_->FindMailbox(*u, name);
}

uint32_t ImapConformanceTest::UidValidity(const std::string& name, const std::string& user) {
  store::Mailbox* box = MailboxOf(name, user);
  return box == nullptr ? 0 : box->uidvalidity();
}

uint64_t ImapConformanceTest::HighestModseq(const std::string& name, const std::string& user) {
  store::Mailbox* box = MailboxOf(name, user);
  return box == nullptr ? 0 : box->highest_modseq();
}

uint64_t ImapConformanceTest::ModseqOf(uint32_t uid, const std::string& name,
                                       const std::string& user) {
  store::Mailbox* box = MailboxOf(name, user);
  const store::Message* m = box == nullptr ? nullptr : box->FindUid(uid);
  return m == nullptr ? 0 : m->modseq;
}

std::unique_ptr<TestConnection> ImapConformanceTest::Selected(const std::string& mailbox,
                                                              const std::string& user) {
  auto c = Login(user);
  std::string reply = Command(*c, "s0", "SELECT " + mailbox);
  EXPECT_TRUE(absl::StrContains(reply, "s0 OK [READ-WRITE]")) << reply;
  return c;
}

void ImapConformanceTest::ClaimRecent(const std::string& mailbox, const std::string& user) {
  auto c = Selected(mailbox, user);
  EXPECT_EQ(Command(*c, "r1", "LOGOUT"), "* BYE Logging out\r\nr1 OK LOGOUT completed\r\n");
}

void ImapConformanceTest::ExpungeUids(const std::vector<uint32_t>& uids, const std::string& mailbox,
                                      const std::string& user) {
  store::Mailbox* box = MailboxOf(mailbox, user);
  ASSERT_NE(box, nullptr);
  auto expunged = store_->Expunge(*box, uids);
  ASSERT_TRUE(expunged.ok()) << expunged.status();
  CommitStore();
}

std::string ImapConformanceTest::Unsolicited(TestConnection& c) {
  world_->RunFor(Duration::Seconds(5));
  return c.TakeNew();
}

std::string ImapConformanceTest::Between(const std::string& text, const std::string& open,
                                         const std::string& close) {
  size_t p = text.find(open);
  if (p == std::string::npos) return "";
  p += open.size();
  size_t q = text.find(close, p);
  if (q == std::string::npos) return "";
  return text.substr(p, q - p);
}

std::string ImapConformanceTest::AppendCommand(const std::string& mailbox, const std::string& flags,
                                               const std::string& message) {
  return absl::StrCat("APPEND ", mailbox, " (", flags, ") {", message.size(), "+}\r\n", message);
}

void ImapConformanceTest::RunTranscript(absl::string_view name,
                                        const std::vector<TestConnection*>& sessions,
                                        std::map<std::string, std::string> vars) {
  Transcript t;
  std::string problem;
  if (!FindTranscript(name, &t, &problem)) {
    ADD_FAILURE() << problem;
    return;
  }
  if (t.entries.empty()) {
    ADD_FAILURE() << "transcript \"" << name << "\" is empty";
    return;
  }
  for (TestConnection* s : sessions) s->TakeNew();
  for (const TranscriptEntry& e : t.entries) {
    const std::string where = absl::StrCat(t.file, ":", e.line_number, " (", name, ")");
    if (e.session >= sessions.size()) {
      ADD_FAILURE() << where << ": no session " << e.session + 1;
      return;
    }
    TestConnection& c = *sessions[e.session];
    if (e.client) {
      c.Send(Substitute(e.text, vars) + "\r\n");
      continue;
    }
    std::string line = c.WaitForLine("");
    if (line.empty()) {
      ADD_FAILURE() << where << ": timed out waiting for \"" << Substitute(e.text, vars) << "\"";
      return;
    }
    absl::string_view got = line;
    absl::ConsumeSuffix(&got, "\r\n");
    if (!MatchLine(e.text, got, &vars)) {
      ADD_FAILURE() << where << ":\n  expected: " << Substitute(e.text, vars)
                    << "\n       got: " << got;
      return;
    }
  }
  for (size_t i = 0; i < sessions.size(); ++i) {
    EXPECT_EQ(Unsolicited(*sessions[i]), "")
        << t.file << " (" << name << "): session " << i + 1 << " said more";
  }
}

}  // namespace lemonade::testing
