// GenerateSelfSignedCertificate: a fresh EC P-256 key and a self-signed
// X.509 v3 server certificate, for the embedded default of `lemonade serve`
// (TLS that works out of the box on loopback, with no operator action).
//
// The certificate is an end-entity certificate (CA:FALSE, serverAuth),
// not a CA: Mozilla's verifier (Thunderbird) refuses a CA certificate used
// as a server certificate. Its subjectAltName lists `common_name`,
// "localhost", 127.0.0.1 and ::1 (plus any extra names), so a client that
// is told to trust this very certificate (Python's ssl with cafile=, curl
// --cacert, our own BURL client via TlsConfig::ca_file) also passes the
// host name check. It is valid from an hour ago (clock skew) for
// `validity`. The key file is written with mode 0600; both files are
// written to a temporary name and renamed, so a crash never leaves half a
// key behind.
//
//   absl::Status s = GenerateSelfSignedCertificate("mail.example", "tls/cert.pem",
//                                                  "tls/key.pem");
//   // or, on every start:
//   absl::StatusOr<bool> made = EnsureSelfSignedCertificate("localhost", cert, key);
#ifndef LEMONADE_POSIX_SELF_SIGNED_CERTIFICATE_H_
#define LEMONADE_POSIX_SELF_SIGNED_CERTIFICATE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/time.h"

namespace lemonade::posix {

struct SelfSignedCertificateOptions {
  // Extra subjectAltName entries besides the defaults above.
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  // 825 days: the longest lifetime Apple clients accept for a server
  // certificate, and long enough that a demo never expires mid-use.
  Duration validity = Duration::Hours(24 * 825);
};

// GenerateSelfSignedCertificate: writes `cert_path` and `key_path` (PEM),
// replacing existing files. `common_name` must be 1..64 characters; an IP
// address as common name also goes into the IP subjectAltNames.
absl::Status GenerateSelfSignedCertificate(const std::string& common_name,
                                           const std::string& cert_path,
                                           const std::string& key_path,
                                           const SelfSignedCertificateOptions& options = {});

// EnsureSelfSignedCertificate: generates unless both files already exist
// and hold a matching certificate and key. Returns whether it generated.
absl::StatusOr<bool> EnsureSelfSignedCertificate(const std::string& common_name,
                                                 const std::string& cert_path,
                                                 const std::string& key_path,
                                                 const SelfSignedCertificateOptions& options = {});

}  // namespace lemonade::posix

#endif  // LEMONADE_POSIX_SELF_SIGNED_CERTIFICATE_H_
