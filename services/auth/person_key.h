#ifndef PARLEY_SERVICES_PERSON_KEY_H_
#define PARLEY_SERVICES_PERSON_KEY_H_

// The organiser's person_ref links one human across a community's events (memory: who met whom).
// It is often an e-mail address or a CRM id, so the server never stores it in clear: it keeps
// HMAC-SHA256(server key, community id | ref), so a copy of the database alone cannot be
// searched for a known address, and the same ref in two communities gives unrelated values.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley::services {

class PersonKey {
 public:
  // Reads the key from `path`, creating the file (mode 0600, with a new random key) if it is
  // missing. FAILED_PRECONDITION if it cannot be read or created, is empty, or is readable by
  // group or others. Losing the file makes every stored person_ref unlinkable to new imports.
  static absl::StatusOr<PersonKey> LoadOrCreate(const std::string& path, bool* created);

  explicit PersonKey(std::string key);

  // The stored form of `ref`: "pk1:" and 32 lower-case hex digits. Empty for an empty ref; a
  // value that already has the stored form is returned as it is (an organiser writing back what
  // they read). Thread-safe.
  std::string Hash(uint64_t community_id, absl::string_view ref) const;
  static bool IsHashed(absl::string_view value);

 private:
  // HMAC-SHA256 with this key after its inner and outer pad blocks (RFC 2104), computed once:
  // OpenSSL 3's one-shot HMAC() fetches the algorithm and hashes the pads again on every call,
  // which an import of 100,000 rows felt. Read-only after construction.
  struct Pads;
  std::shared_ptr<const Pads> pads_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_PERSON_KEY_H_
