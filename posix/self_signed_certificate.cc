#include "posix/self_signed_certificate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "posix/tls_context.h"

namespace lemonade::posix {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct X509ExtensionFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

bool IsIpAddress(const std::string& text) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

// A SAN value may not smuggle in another entry or an OpenSSL config escape.
bool SafeName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
          c == '*' || c == '_')) {
      return false;
    }
  }
  return true;
}

absl::Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, X509ExtensionFree> extension(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (extension == nullptr || X509_add_ext(cert, extension.get(), -1) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot add extension ", OBJ_nid2sn(nid), "=", value, ": ", TlsErrorString()));
  }
  return absl::OkStatus();
}

// Writes PEM produced by `write` to `path` through a temporary file and a
// rename, with `mode` set at creation (a key is never world-readable, not
// even for a moment).
template <typename WriteFn>
absl::Status WritePemFile(const std::string& path, mode_t mode, WriteFn write) {
  const std::string temp = absl::StrCat(path, ".tmp.", getpid());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    const int err = errno;
    std::string message = absl::StrCat("cannot create ", temp, ": ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(message);
    if (err == EACCES || err == EPERM || err == EROFS) return absl::PermissionDeniedError(message);
    return absl::InternalError(message);
  }
  FILE* file = fdopen(fd, "w");
  if (file == nullptr) {
    close(fd);
    unlink(temp.c_str());
    return absl::InternalError(absl::StrCat("fdopen ", temp, ": ", std::strerror(errno)));
  }
  const bool written = write(file) == 1 && fflush(file) == 0 && fsync(fileno(file)) == 0;
  const bool closed = fclose(file) == 0;
  if (!written || !closed) {
    unlink(temp.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", temp, ": ", TlsErrorString()));
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(temp.c_str());
    return absl::InternalError(absl::StrCat("rename ", temp, " -> ", path, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status GenerateSelfSignedCertificate(const std::string& common_name,
                                           const std::string& cert_path,
                                           const std::string& key_path,
                                           const SelfSignedCertificateOptions& options) {
  if (common_name.empty() || common_name.size() > 64) {
    return absl::InvalidArgumentError("common name must be 1 to 64 characters");
  }
  if (!SafeName(common_name)) {
    return absl::InvalidArgumentError(absl::StrCat("bad common name: ", common_name));
  }
  std::vector<std::string> alt_names;
  auto add_dns = [&](const std::string& name) {
    std::string entry = absl::StrCat("DNS:", name);
    if (std::find(alt_names.begin(), alt_names.end(), entry) == alt_names.end()) {
      alt_names.push_back(entry);
    }
  };
  auto add_ip = [&](const std::string& ip) {
    std::string entry = absl::StrCat("IP:", ip);
    if (std::find(alt_names.begin(), alt_names.end(), entry) == alt_names.end()) {
      alt_names.push_back(entry);
    }
  };
  if (IsIpAddress(common_name)) {
    add_ip(common_name);
  } else {
    add_dns(common_name);
  }
  add_dns("localhost");
  add_ip("127.0.0.1");
  add_ip("::1");
  for (const std::string& name : options.dns_names) {
    if (!SafeName(name) || IsIpAddress(name)) {
      return absl::InvalidArgumentError(absl::StrCat("bad DNS name: ", name));
    }
    add_dns(name);
  }
  for (const std::string& ip : options.ip_addresses) {
    if (!IsIpAddress(ip)) return absl::InvalidArgumentError(absl::StrCat("bad IP address: ", ip));
    add_ip(ip);
  }

  ERR_clear_error();
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (key == nullptr) return absl::InternalError(absl::StrCat("keygen: ", TlsErrorString()));

  X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return absl::InternalError(TlsErrorString());
  }
  // A random 127-bit serial (RFC 5280 §4.1.2.2: positive, at most 20
  // octets), so two generated certificates never share issuer+serial.
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) {
    return absl::InternalError(TlsErrorString());
  }
  serial_bytes[0] &= 0x7f;
  serial_bytes[0] |= 0x01;  // never zero
  std::unique_ptr<BIGNUM, BnFree> serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  if (serial == nullptr || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) ==
                               nullptr) {
    return absl::InternalError(TlsErrorString());
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), options.validity.seconds()) == nullptr) {
    return absl::InternalError(TlsErrorString());
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(common_name.c_str());
  const auto* org = reinterpret_cast<const unsigned char*>("lemonade (self-signed)");
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, org, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return absl::InternalError(TlsErrorString());
  }
  for (const auto& [nid, value] : std::vector<std::pair<int, std::string>>{
           {NID_basic_constraints, "critical,CA:FALSE"},
           {NID_key_usage, "critical,digitalSignature"},
           {NID_ext_key_usage, "serverAuth"},
           {NID_subject_key_identifier, "hash"},
           {NID_authority_key_identifier, "keyid:always"},
           {NID_subject_alt_name, absl::StrJoin(alt_names, ",")},
       }) {
    if (absl::Status s = AddExtension(cert.get(), nid, value); !s.ok()) return s;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return absl::InternalError(absl::StrCat("sign: ", TlsErrorString()));
  }

  // The key first: a certificate without its key would be useless, the
  // other way round EnsureSelfSignedCertificate simply regenerates.
  if (absl::Status s = WritePemFile(key_path, 0600,
                                    [&](FILE* f) {
                                      return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr,
                                                                  0, nullptr, nullptr);
                                    });
      !s.ok()) {
    return s;
  }
  return WritePemFile(cert_path, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
}

absl::StatusOr<bool> EnsureSelfSignedCertificate(const std::string& common_name,
                                                 const std::string& cert_path,
                                                 const std::string& key_path,
                                                 const SelfSignedCertificateOptions& options) {
  // Loading through TlsContext checks exactly what the server will need.
  TlsConfig config;
  config.cert_file = cert_path;
  config.key_file = key_path;
  config.verify_peer = false;
  struct stat info;
  if (stat(cert_path.c_str(), &info) == 0 && stat(key_path.c_str(), &info) == 0 &&
      TlsContext::Create(config).ok()) {
    return false;
  }
  if (absl::Status s = GenerateSelfSignedCertificate(common_name, cert_path, key_path, options);
      !s.ok()) {
    return s;
  }
  return true;
}

}  // namespace lemonade::posix
