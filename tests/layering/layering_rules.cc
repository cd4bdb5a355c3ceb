#include "tests/layering/layering_rules.h"

#include <map>
#include <regex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lemonade::layering {
namespace {

// Which of our folders each layer may include from.
const std::map<std::string, std::set<std::string>>& AllowedIncludes() {
  static const auto* rules = new std::map<std::string, std::set<std::string>>{
      {"base", {"base"}},
      {"protocol", {"base", "protocol"}},
      {"env", {"base", "env"}},
      {"server", {"base", "env", "protocol", "server"}},
      {"client", {"base", "env", "protocol", "client"}},
      {"netsim", {"base", "env", "netsim"}},
      {"posix", {"base", "env", "posix"}},
  };
  return *rules;
}

const std::set<std::string>& OurFolders() {
  static const auto* folders = new std::set<std::string>{
      "base", "bench", "client", "env", "fuzz", "netsim", "posix",
      "protocol", "server", "tests", "tools"};
  return *folders;
}

bool IsDeterministicCore(absl::string_view folder) {
  return folder == "base" || folder == "env" || folder == "protocol" ||
         folder == "server" || folder == "client" || folder == "netsim";
}

// Headers that would let the core reach the world directly.
const std::vector<std::string>& ForbiddenCoreHeaders() {
  static const auto* headers = new std::vector<std::string>{
      "<thread>", "<chrono>", "<ctime>", "<time.h>", "<sys/time.h>",
      "<random>", "<fstream>", "<filesystem>", "<future>", "<mutex>",
      "<condition_variable>", "<pthread.h>", "<unistd.h>", "<fcntl.h>",
      "<sys/socket.h>", "<netinet/in.h>", "<arpa/inet.h>", "<netdb.h>",
      "<sys/epoll.h>", "<sys/stat.h>", "<dirent.h>", "<signal.h>",
      "\"absl/random/", "\"absl/synchronization/", "<openssl/rand.h>",
      "<openssl/ssl.h>"};
  return *headers;
}

// Names that read the wall clock, global randomness, the process
// environment, or start threads.
const std::vector<std::pair<std::regex, std::string>>& ForbiddenCoreNames() {
  static const auto* names = new std::vector<std::pair<std::regex, std::string>>{
      {std::regex(R"(\b(system_clock|steady_clock|high_resolution_clock)\b)"), "wall clock"},
      {std::regex(R"(\babsl::(Now|GetCurrentTimeNanos)\b)"), "wall clock"},
      {std::regex(R"(\b(gettimeofday|clock_gettime|time\s*\(\s*(nullptr|NULL|0)\s*\)))"), "wall clock"},
      {std::regex(R"(\b(std::)?s?rand\s*\()"), "global RNG"},
      {std::regex(R"(\b(random_device|BitGen|InsecureBitGen|RAND_bytes)\b)"), "global RNG"},
      {std::regex(R"(\bstd::(thread|jthread|async)\b|\bpthread_create\b)"), "threads"},
      {std::regex(R"(\b(getenv|secure_getenv|setenv)\s*\()"), "environment variables"},
      {std::regex(R"(\b(fopen|socket|epoll_create1?|accept4?)\s*\()"), "direct I/O"},
  };
  return *names;
}

// Blanks out comments and string/char literals so prose and test data do
// not trip the name rules. Line structure is kept.
std::string StripCommentsAndStrings(absl::string_view text) {
  std::string out(text);
  enum { kCode, kLineComment, kBlockComment, kString, kChar } state = kCode;
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    char next = i + 1 < out.size() ? out[i + 1] : '\0';
    switch (state) {
      case kCode:
        if (c == '/' && next == '/') {
          state = kLineComment;
          out[i] = ' ';
        } else if (c == '/' && next == '*') {
          state = kBlockComment;
          out[i] = ' ';
        } else if (c == '"') {
          state = kString;
        } else if (c == '\'') {
          state = kChar;
        }
        break;
      case kLineComment:
        if (c == '\n') {
          state = kCode;
        } else {
          out[i] = ' ';
        }
        break;
      case kBlockComment:
        if (c == '*' && next == '/') {
          out[i] = out[i + 1] = ' ';
          ++i;
          state = kCode;
        } else if (c != '\n') {
          out[i] = ' ';
        }
        break;
      case kString:
      case kChar:
        if (c == '\\') {
          out[i] = ' ';
          if (i + 1 < out.size() && out[i + 1] != '\n') out[++i] = ' ';
        } else if ((state == kString && c == '"') || (state == kChar && c == '\'')) {
          state = kCode;
        } else if (c != '\n') {
          out[i] = ' ';
        }
        break;
    }
  }
  return out;
}

}  // namespace

std::string TopFolder(absl::string_view path) {
  return std::string(path.substr(0, path.find('/')));
}

bool IsCheckedFolder(absl::string_view folder) {
  return AllowedIncludes().count(std::string(folder)) > 0;
}

std::vector<Violation> CheckFile(absl::string_view path, absl::string_view contents) {
  std::vector<Violation> violations;
  const std::string folder = TopFolder(path);
  auto rule = AllowedIncludes().find(folder);
  if (rule == AllowedIncludes().end()) return violations;
  const bool core = IsDeterministicCore(folder);

  // Include lines (read raw: an include is never inside a comment we care about).
  std::vector<absl::string_view> lines = absl::StrSplit(contents, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = absl::StripLeadingAsciiWhitespace(lines[i]);
    if (!absl::ConsumePrefix(&line, "#")) continue;
    line = absl::StripLeadingAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "include")) continue;
    line = absl::StripAsciiWhitespace(line);
    const int line_number = static_cast<int>(i) + 1;
    if (absl::StartsWith(line, "\"")) {
      absl::string_view target = line.substr(1);
      const std::string target_folder = TopFolder(target);
      if (OurFolders().count(target_folder) && !rule->second.count(target_folder)) {
        violations.push_back({std::string(path), line_number,
                              absl::StrCat(folder, "/ may not include ", target_folder,
                                           "/ (", line, ")")});
      }
    }
    if (core) {
      for (const std::string& header : ForbiddenCoreHeaders()) {
        if (absl::StartsWith(line, header)) {
          violations.push_back({std::string(path), line_number,
                                absl::StrCat("the deterministic core may not include ", line,
                                             "; reach the world through env/")});
        }
      }
    }
  }

  if (core) {
    const std::string code = StripCommentsAndStrings(contents);
    std::vector<absl::string_view> code_lines = absl::StrSplit(code, '\n');
    for (size_t i = 0; i < code_lines.size(); ++i) {
      const std::string line(code_lines[i]);
      for (const auto& [pattern, kind] : ForbiddenCoreNames()) {
        std::smatch match;
        if (std::regex_search(line, match, pattern)) {
          violations.push_back({std::string(path), static_cast<int>(i) + 1,
                                absl::StrCat("the deterministic core names ", kind, " (",
                                             match.str(0), "); use env/ instead")});
        }
      }
    }
  }
  return violations;
}

}  // namespace lemonade::layering
