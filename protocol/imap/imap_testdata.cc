#include "protocol/imap/imap_testdata.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lemonade::imap {
namespace {

// Applies one "name=value" option to `v`; false if it is not one.
bool ApplyOption(absl::string_view option, ImapVector* v) {
  std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(option, '=');
  uint64_t n = 0;
  if (!absl::SimpleAtoi(kv.second, &n)) return false;
  ImapLimits& l = v->limits;
  if (kv.first == "line_bytes_max") {
    l.line_bytes_max = n;
  } else if (kv.first == "literal_bytes_max") {
    l.literal_bytes_max = n;
  } else if (kv.first == "command_bytes_max") {
    l.command_bytes_max = n;
  } else if (kv.first == "literals_max") {
    l.literals_max = n;
  } else if (kv.first == "nesting_depth_max") {
    l.nesting_depth_max = static_cast<int>(n);
  } else if (kv.first == "list_items_max") {
    l.list_items_max = n;
  } else if (kv.first == "sequence_ranges_max") {
    l.sequence_ranges_max = n;
  } else if (kv.first == "refuse_literals_over_bytes") {
    v->script.refuse_literals_over_bytes = n;
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::vector<ImapVector> LoadImapVectors(absl::string_view file_prefix,
                                        std::vector<std::string>* problems) {
  std::vector<ImapVector> vectors;
  for (size_t f = 0; f < kImapTestdataCount; ++f) {
    const absl::string_view file = kImapTestdata[f].name;
    if (!absl::StartsWith(file, file_prefix)) continue;
    ImapVector* current = nullptr;
    for (absl::string_view line : absl::StrSplit(kImapTestdata[f].contents, '\n')) {
      const std::string where = absl::StrCat(file, ": ", line);
      if (absl::ConsumePrefix(&line, "### ")) {
        vectors.push_back(ImapVector{std::string(file), std::string(line), "", {}, {}, {}});
        current = &vectors.back();
        continue;
      }
      if (line.empty() || absl::StartsWith(line, "#")) continue;
      if (current == nullptr) {
        problems->push_back(where);
        continue;
      }
      if (absl::ConsumePrefix(&line, ">> ")) {
        std::string bytes;
        if (!absl::CUnescape(line, &bytes)) problems->push_back(where);
        current->input += bytes;
      } else if (line == ">") {
        current->input += "\r\n";
      } else if (absl::ConsumePrefix(&line, "> ")) {
        absl::StrAppend(&current->input, line, "\r\n");
      } else if (absl::ConsumePrefix(&line, "< ")) {
        current->expected.emplace_back(line);
      } else if (absl::ConsumePrefix(&line, "! ")) {
        for (absl::string_view option : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
          if (!ApplyOption(option, current)) problems->push_back(where);
        }
      } else {
        problems->push_back(where);
      }
    }
  }
  return vectors;
}

}  // namespace lemonade::imap
