#include "posix/self_signed_certificate.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <sys/stat.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "posix/posix_test_util.h"

namespace lemonade::posix {
namespace {

struct Loaded {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  ~Loaded() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

void Load(const std::string& cert_path, const std::string& key_path, Loaded* out) {
  FILE* f = fopen(cert_path.c_str(), "r");
  ASSERT_NE(f, nullptr);
  out->cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  f = fopen(key_path.c_str(), "r");
  ASSERT_NE(f, nullptr);
  out->key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  fclose(f);
  ASSERT_NE(out->cert, nullptr);
  ASSERT_NE(out->key, nullptr);
}

// Verifies `cert` with itself as the only trust anchor, for a TLS server
// called `host` (or at IP `ip`).
int VerifyAgainstItself(X509* cert, const std::string& host, const std::string& ip) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, cert);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  if (!ip.empty()) X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str());
  const int ok = X509_verify_cert(ctx);
  const int error = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok == 1 ? X509_V_OK : error;
}

// The generated pair loads, matches, and verifies against itself as a
// server certificate for localhost, 127.0.0.1 and ::1.
TEST(SelfSignedCertificateTest, LoadsAndVerifiesAgainstItself) {
  const std::string dir = testing::NewTempDir();
  const std::string cert_path = dir + "/cert.pem";
  const std::string key_path = dir + "/key.pem";
  SelfSignedCertificateOptions options;
  options.dns_names = {"mail.example"};
  ASSERT_TRUE(GenerateSelfSignedCertificate("lemonade.test", cert_path, key_path, options).ok());
  Loaded loaded;
  ASSERT_NO_FATAL_FAILURE(Load(cert_path, key_path, &loaded));
  EXPECT_EQ(X509_check_private_key(loaded.cert, loaded.key), 1);
  EXPECT_EQ(X509_verify(loaded.cert, loaded.key), 1);  // self-signed
  EXPECT_EQ(X509_get_version(loaded.cert), X509_VERSION_3);
  EXPECT_EQ(X509_check_ca(loaded.cert), 0) << "must be an end-entity certificate";
  for (const char* host : {"localhost", "lemonade.test", "mail.example"}) {
    EXPECT_EQ(VerifyAgainstItself(loaded.cert, host, ""), X509_V_OK) << host;
  }
  for (const char* ip : {"127.0.0.1", "::1"}) {
    EXPECT_EQ(VerifyAgainstItself(loaded.cert, "", ip), X509_V_OK) << ip;
  }
  EXPECT_EQ(VerifyAgainstItself(loaded.cert, "other.example", ""),
            X509_V_ERR_HOSTNAME_MISMATCH);
  // Valid now, and for at least a year.
  int days = 0, seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(loaded.cert)), 1);
  EXPECT_GE(days, 365);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(loaded.cert)), 0);
  // The key is private to its owner.
  struct stat info;
  ASSERT_EQ(stat(key_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
}

// Two generated certificates have different keys and serials.
TEST(SelfSignedCertificateTest, EachCertificateIsUnique) {
  const std::string dir = testing::NewTempDir();
  ASSERT_TRUE(GenerateSelfSignedCertificate("localhost", dir + "/a.pem", dir + "/a.key").ok());
  ASSERT_TRUE(GenerateSelfSignedCertificate("localhost", dir + "/b.pem", dir + "/b.key").ok());
  Loaded a, b;
  ASSERT_NO_FATAL_FAILURE(Load(dir + "/a.pem", dir + "/a.key", &a));
  ASSERT_NO_FATAL_FAILURE(Load(dir + "/b.pem", dir + "/b.key", &b));
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.cert), X509_get0_serialNumber(b.cert)), 0);
  EXPECT_NE(X509_check_private_key(a.cert, b.key), 1);
}

// Names that could smuggle extra SAN entries are refused.
TEST(SelfSignedCertificateTest, RejectsBadNames) {
  const std::string dir = testing::NewTempDir();
  EXPECT_EQ(GenerateSelfSignedCertificate("", dir + "/c", dir + "/k").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateSelfSignedCertificate("a,DNS:evil.example", dir + "/c", dir + "/k").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateSelfSignedCertificate(std::string(65, 'a'), dir + "/c", dir + "/k").code(),
            absl::StatusCode::kInvalidArgument);
  SelfSignedCertificateOptions options;
  options.ip_addresses = {"not-an-ip"};
  EXPECT_EQ(GenerateSelfSignedCertificate("localhost", dir + "/c", dir + "/k", options).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateSelfSignedCertificate("localhost", "/nonexistent/dir/c", dir + "/k").code(),
            absl::StatusCode::kNotFound);
}

// Ensure generates once, keeps a good pair, and replaces a broken one.
TEST(SelfSignedCertificateTest, EnsureGeneratesOnlyWhenNeeded) {
  const std::string dir = testing::NewTempDir();
  const std::string cert_path = dir + "/cert.pem";
  const std::string key_path = dir + "/key.pem";
  absl::StatusOr<bool> made = EnsureSelfSignedCertificate("localhost", cert_path, key_path);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_TRUE(*made);
  made = EnsureSelfSignedCertificate("localhost", cert_path, key_path);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_FALSE(*made);
  FILE* f = fopen(key_path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("not a key\n", f);
  fclose(f);
  made = EnsureSelfSignedCertificate("localhost", cert_path, key_path);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_TRUE(*made);
}

}  // namespace
}  // namespace lemonade::posix
