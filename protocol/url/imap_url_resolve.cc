#include "protocol/url/imap_url_resolve.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace lemonade::url {
namespace {

// The five components of RFC 3986 §3 (Appendix B's regular expression).
struct UriParts {
  std::optional<absl::string_view> scheme;
  std::optional<absl::string_view> authority;
  absl::string_view path;
  std::optional<absl::string_view> query;
  std::optional<absl::string_view> fragment;
};

// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), ended by ":" before
// any "/", "?" or "#".
std::optional<absl::string_view> SchemeOf(absl::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (c == ':') {
      if (i == 0) return std::nullopt;
      return s.substr(0, i);
    }
    const bool ok = absl::ascii_isalpha(c) ||
                    (i > 0 && (absl::ascii_isdigit(c) || c == '+' || c == '-' || c == '.'));
    if (!ok) return std::nullopt;
  }
  return std::nullopt;
}

UriParts Split(absl::string_view s) {
  UriParts parts;
  parts.scheme = SchemeOf(s);
  if (parts.scheme) s.remove_prefix(parts.scheme->size() + 1);
  const size_t hash = s.find('#');
  if (hash != absl::string_view::npos) {
    parts.fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  const size_t question = s.find('?');
  if (question != absl::string_view::npos) {
    parts.query = s.substr(question + 1);
    s = s.substr(0, question);
  }
  if (absl::StartsWith(s, "//")) {
    s.remove_prefix(2);
    const size_t slash = s.find('/');
    parts.authority = s.substr(0, slash);
    s = slash == absl::string_view::npos ? absl::string_view() : s.substr(slash);
  }
  parts.path = s;
  return parts;
}

// RFC 3986 §5.2.3.
std::string Merge(const UriParts& base, absl::string_view reference_path) {
  if (base.authority && base.path.empty()) return absl::StrCat("/", reference_path);
  const size_t slash = base.path.rfind('/');
  if (slash == absl::string_view::npos) return std::string(reference_path);
  return absl::StrCat(base.path.substr(0, slash + 1), reference_path);
}

}  // namespace

std::string RemoveDotSegments(absl::string_view input) {
  std::string output;
  while (!input.empty()) {
    if (absl::StartsWith(input, "../")) {
      input.remove_prefix(3);  // A
    } else if (absl::StartsWith(input, "./")) {
      input.remove_prefix(2);  // A
    } else if (absl::StartsWith(input, "/./")) {
      input.remove_prefix(2);  // B: "/./" -> "/"
    } else if (input == "/.") {
      input = "/";  // B
    } else if (absl::StartsWith(input, "/../") || input == "/..") {
      // C: replace with "/" and drop the last output segment.
      input = input.size() == 3 ? absl::string_view("/") : input.substr(3);
      const size_t slash = output.rfind('/');
      output.erase(slash == std::string::npos ? 0 : slash);
    } else if (input == "." || input == "..") {
      input = absl::string_view();  // D
    } else {
      // E: move the first segment (with its leading "/", if any).
      const size_t next = input.find('/', input[0] == '/' ? 1 : 0);
      const size_t length = next == absl::string_view::npos ? input.size() : next;
      output.append(input.data(), length);
      input.remove_prefix(length);
    }
  }
  return output;
}

std::optional<std::string> ResolveUriReference(absl::string_view base_text,
                                               absl::string_view reference_text) {
  const UriParts base = Split(base_text);
  if (!base.scheme) return std::nullopt;
  const UriParts reference = Split(reference_text);
  std::optional<absl::string_view> scheme, authority, query;
  std::string path;
  if (reference.scheme) {
    scheme = reference.scheme;
    authority = reference.authority;
    path = RemoveDotSegments(reference.path);
    query = reference.query;
  } else {
    if (reference.authority) {
      authority = reference.authority;
      path = RemoveDotSegments(reference.path);
      query = reference.query;
    } else {
      if (reference.path.empty()) {
        path = std::string(base.path);
        query = reference.query ? reference.query : base.query;
      } else {
        if (reference.path[0] == '/') {
          path = RemoveDotSegments(reference.path);
        } else {
          path = RemoveDotSegments(Merge(base, reference.path));
        }
        query = reference.query;
      }
      authority = base.authority;
    }
    scheme = base.scheme;
  }
  // RFC 3986 §5.3 recomposition.
  std::string target = absl::StrCat(*scheme, ":");
  if (authority) absl::StrAppend(&target, "//", *authority);
  target.append(path);
  if (query) absl::StrAppend(&target, "?", *query);
  if (reference.fragment) absl::StrAppend(&target, "#", *reference.fragment);
  return target;
}

UrlParseResult ResolveImapUrl(const ImapUrl& base, absl::string_view reference,
                              size_t url_octets_max) {
  UrlParseResult failure;
  if (reference.size() > url_octets_max) {
    failure.error = UrlError::kTooLong;
    failure.error_offset = url_octets_max;
    return failure;
  }
  const std::optional<absl::string_view> scheme = SchemeOf(reference);
  if (scheme && !absl::EqualsIgnoreCase(*scheme, "imap")) {
    failure.error = UrlError::kNotImapScheme;
    return failure;
  }
  std::string base_text = FormatImapUrl(base);
  // A mailbox base ends its path with a "/" so that ";UID=20" lands inside
  // the mailbox ("references a message with UID in the mailbox specified
  // by the Base URI", RFC 5092 §9.1) instead of replacing it; the parser
  // ignores that "/" in the mailbox name.
  if (base.kind() == ImapUrlKind::kMailbox && !base.search) base_text.push_back('/');
  std::optional<std::string> target = ResolveUriReference(base_text, reference);
  if (!target) {
    failure.error = UrlError::kInvalidReference;
    return failure;
  }
  return ParseImapUrl(*target, url_octets_max);
}

}  // namespace lemonade::url
