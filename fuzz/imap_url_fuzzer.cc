// Fuzzes the IMAP URL / URLAUTH parser, formatter, rump split and relative
// resolution (protocol/url), plus the RFC 3339 and percent-encoding helpers.
//
// The input is "<url>" or "<url>\n<reference>". Invariants checked:
//   - round trip: parse(format(parse(s))) == parse(s), and format is a
//     fixed point (canonical form);
//   - rump: the canonical rump parses to the URL without its verifier;
//     SplitUrlAuth() of any text rebuilds that text exactly;
//   - resolution: a reference resolved against the URL (or a fixed base)
//     that parses, round-trips too;
//   - helpers: percent and RFC 3339 encodings invert their decoders.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "base/check.h"
#include "protocol/url/imap_url.h"
#include "protocol/url/imap_url_resolve.h"
#include "protocol/url/percent_encoding.h"
#include "protocol/url/rfc3339.h"

namespace lemonade::url {
namespace {

void CheckRoundTrip(const ImapUrl& url) {
  const std::string formatted = FormatImapUrl(url);
  UrlParseResult again = ParseImapUrl(formatted, formatted.size());
  CHECK(again.ok()) << "canonical form does not parse: " << formatted << " ("
                    << UrlErrorName(again.error) << " at " << again.error_offset << ")";
  CHECK(*again.url == url) << "round trip changed the URL: " << formatted;
  CHECK(FormatImapUrl(*again.url) == formatted) << formatted;
  if (url.urlauth) {
    ImapUrl rump = url;
    rump.urlauth->verifier.reset();
    const std::string rump_text = FormatRumpUrl(url);
    UrlParseResult parsed_rump = ParseImapUrl(rump_text, rump_text.size());
    CHECK(parsed_rump.ok() && *parsed_rump.url == rump) << rump_text;
    CHECK(IsAuthImapUrlRump(rump) == rump.user.has_value());
    if (url.urlauth->verifier) {
      std::optional<UrlAuthSplit> split = SplitUrlAuth(formatted);
      CHECK(split.has_value()) << formatted;
      CHECK(split->rump == rump_text) << formatted;
      CHECK(split->mechanism == url.urlauth->verifier->mechanism);
    }
  }
}

void CheckResolution(const ImapUrl& base, absl::string_view reference) {
  UrlParseResult resolved = ResolveImapUrl(base, reference);
  if (resolved.ok()) CheckRoundTrip(*resolved.url);
}

}  // namespace
}  // namespace lemonade::url

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lemonade::url;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const absl::string_view text = input.substr(0, newline);
  const absl::string_view reference =
      newline == absl::string_view::npos ? absl::string_view() : input.substr(newline + 1);

  UrlParseResult parsed = ParseImapUrl(text);
  CHECK(parsed.ok() == (parsed.error == UrlError::kNone));
  if (parsed.ok()) {
    CheckRoundTrip(*parsed.url);
    CheckResolution(*parsed.url, reference);
  } else {
    CHECK(parsed.error_offset <= text.size() || parsed.error == UrlError::kTooLong);
  }
  static const ImapUrl* const kBase = new ImapUrl(
      *ParseImapUrl("imap://joe@example.com/INBOX;UIDVALIDITY=385759045/;UID=20/;SECTION=1.2")
           .url);
  CheckResolution(*kBase, text);

  if (std::optional<UrlAuthSplit> split = SplitUrlAuth(text)) {
    CHECK(AppendUrlAuthVerifier(split->rump, split->mechanism, split->token) == text);
  }

  for (UrlCharSet set : {UrlCharSet::kAchar, UrlCharSet::kBchar}) {
    std::string encoded;
    PercentEncode(text, set, &encoded);
    CHECK(IsEncodedIn(encoded, set));
    CHECK(PercentDecode(encoded) == std::string(text));
  }
  if (std::optional<int64_t> t = ParseRfc3339DateTime(text)) {
    CHECK(ParseRfc3339DateTime(FormatRfc3339DateTime(*t)) == *t) << text;
  }
  if (std::optional<std::string> section = NormalizeSectionSpec(text)) {
    CHECK(NormalizeSectionSpec(*section) == *section) << text;
  }
  return 0;
}
