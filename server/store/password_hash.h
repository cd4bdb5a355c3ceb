// Salted, slow password hashes (PBKDF2-HMAC-SHA256 from OpenSSL).
//
// Stored as "$pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>" so the
// cost can be raised later without invalidating old hashes. Verification
// compares in constant time.
//
//   std::string h = HashPassword("secret", salt, 100000);
//   bool ok = VerifyPassword("secret", h);
#ifndef LEMONADE_SERVER_STORE_PASSWORD_HASH_H_
#define LEMONADE_SERVER_STORE_PASSWORD_HASH_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace lemonade::store {

// `salt` should be at least 16 random bytes.
std::string HashPassword(absl::string_view password, absl::string_view salt, uint32_t iterations);

// Whether `password` matches `encoded`; false for malformed hashes.
bool VerifyPassword(absl::string_view password, absl::string_view encoded);

}  // namespace lemonade::store

#endif  // LEMONADE_SERVER_STORE_PASSWORD_HASH_H_
