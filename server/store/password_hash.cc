#include "server/store/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lemonade::store {
namespace {

constexpr size_t kHashBytes = 32;

std::string Derive(absl::string_view password, absl::string_view salt, uint32_t iterations) {
  std::string out(kHashBytes, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                    static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

std::string HashPassword(absl::string_view password, absl::string_view salt, uint32_t iterations) {
  return absl::StrCat("$pbkdf2-sha256$", iterations, "$", absl::Base64Escape(salt), "$",
                      absl::Base64Escape(Derive(password, salt, iterations)));
}

bool VerifyPassword(absl::string_view password, absl::string_view encoded) {
  std::vector<absl::string_view> parts = absl::StrSplit(encoded, '$');
  // "", "pbkdf2-sha256", iterations, salt, hash
  if (parts.size() != 5 || !parts[0].empty() || parts[1] != "pbkdf2-sha256") return false;
  uint32_t iterations = 0;
  std::string salt, hash;
  if (!absl::SimpleAtoi(parts[2], &iterations) || iterations == 0 || iterations > 10000000 ||
      !absl::Base64Unescape(parts[3], &salt) || !absl::Base64Unescape(parts[4], &hash) ||
      hash.size() != kHashBytes) {
    return false;
  }
  std::string derived = Derive(password, salt, iterations);
  return CRYPTO_memcmp(derived.data(), hash.data(), kHashBytes) == 0;
}

}  // namespace lemonade::store
