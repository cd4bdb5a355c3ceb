#include "posix/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "absl/strings/str_cat.h"

namespace lemonade::posix {
namespace {

// SSL ex_data slots: whether the peer is loopback, and whether the context
// trusts self-signed loopback peers.
int LoopbackIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}
int TrustSelfSignedIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int VerifyCallback(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok == 1) return 1;
  const int error = X509_STORE_CTX_get_error(store);
  // Only the "this leaf signed itself" verdicts may be overridden; an
  // expired or misnamed certificate is rejected even on loopback.
  if (error != X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT &&
      error != X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN) {
    return 0;
  }
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl == nullptr) return 0;
  const bool trust = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), TrustSelfSignedIndex()) != nullptr;
  const bool loopback = SSL_get_ex_data(ssl, LoopbackIndex()) != nullptr;
  if (trust && loopback) {
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
  }
  return 0;
}

// Settings both roles share: RFC 7525 floor, no renegotiation (it has had
// its share of CVEs and mail needs none), compact buffers for idle streams.
void CommonSetup(SSL_CTX* ctx, const TlsConfig& config) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (config.max_version != 0) SSL_CTX_set_max_proto_version(ctx, config.max_version);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // Idle IMAP connections are the common case; release the 16 KiB record
  // buffers between records.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}

}  // namespace

std::string TlsErrorString() {
  std::string out;
  while (unsigned long error = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof(buffer));
    if (!out.empty()) out += "; ";
    out += buffer;
  }
  return out.empty() ? "unknown TLS error" : out;
}

void TlsContext::MarkLoopbackPeer(SSL* ssl) {
  // Any non-null pointer means "yes"; the slot holds no data.
  SSL_set_ex_data(ssl, LoopbackIndex(), ssl);
}

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Create(const TlsConfig& config) {
  ERR_clear_error();
  SSL_CTX* server = nullptr;
  if (!config.cert_file.empty() || !config.key_file.empty()) {
    if (config.cert_file.empty() || config.key_file.empty()) {
      return absl::InvalidArgumentError("TLS needs both a certificate file and a key file");
    }
    server = SSL_CTX_new(TLS_server_method());
    if (server == nullptr) return absl::InternalError(TlsErrorString());
    CommonSetup(server, config);
    SSL_CTX_set_options(server, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(server, config.cert_file.c_str()) != 1) {
      std::string error = TlsErrorString();
      SSL_CTX_free(server);
      return absl::InvalidArgumentError(
          absl::StrCat("cannot load certificate ", config.cert_file, ": ", error));
    }
    if (SSL_CTX_use_PrivateKey_file(server, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      std::string error = TlsErrorString();
      SSL_CTX_free(server);
      return absl::InvalidArgumentError(
          absl::StrCat("cannot load private key ", config.key_file, ": ", error));
    }
    if (SSL_CTX_check_private_key(server) != 1) {
      std::string error = TlsErrorString();
      SSL_CTX_free(server);
      return absl::InvalidArgumentError(absl::StrCat(
          "private key ", config.key_file, " does not match ", config.cert_file, ": ", error));
    }
  }

  SSL_CTX* client = nullptr;
  if (!config.verify_peer || !config.ca_file.empty()) {
    absl::StatusOr<SSL_CTX*> built = NewClientContext(config);
    if (!built.ok()) {
      SSL_CTX_free(server);
      return built.status();
    }
    client = *built;
  }
  return std::unique_ptr<TlsContext>(new TlsContext(config, server, client));
}

absl::StatusOr<SSL_CTX*> TlsContext::NewClientContext(const TlsConfig& config) {
  ERR_clear_error();
  SSL_CTX* client = SSL_CTX_new(TLS_client_method());
  if (client == nullptr) return absl::InternalError(TlsErrorString());
  CommonSetup(client, config);
  if (!config.verify_peer) {
    SSL_CTX_set_verify(client, SSL_VERIFY_NONE, nullptr);
    return client;
  }
  SSL_CTX_set_verify(client, SSL_VERIFY_PEER, VerifyCallback);
  if (config.trust_self_signed_on_loopback) {
    SSL_CTX_set_ex_data(client, TrustSelfSignedIndex(), client);
  }
  const int loaded = config.ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(client)
                         : SSL_CTX_load_verify_locations(client, config.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    std::string error = TlsErrorString();
    SSL_CTX_free(client);
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot load trusted CAs ", config.ca_file.empty() ? "(system store)" : config.ca_file,
        ": ", error));
  }
  return client;
}

absl::StatusOr<SSL_CTX*> TlsContext::client() {
  if (client_ == nullptr) {
    absl::StatusOr<SSL_CTX*> built = NewClientContext(config_);
    if (!built.ok()) return built.status();
    client_ = *built;
  }
  return client_;
}

TlsContext::~TlsContext() {
  SSL_CTX_free(server_);
  SSL_CTX_free(client_);
}

}  // namespace lemonade::posix
