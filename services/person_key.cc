#include "services/person_key.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/auth.h"

namespace parley::services {
namespace {

constexpr absl::string_view kPrefix = "pk1:";
constexpr size_t kHexDigits = 32;

}  // namespace

absl::StatusOr<PersonKey> PersonKey::LoadOrCreate(const std::string& path, bool* created) {
  absl::StatusOr<std::string> key = LoadOrCreateSecretFile(path, "person key file", created);
  if (!key.ok()) return key.status();
  return PersonKey(*std::move(key));
}

bool PersonKey::IsHashed(absl::string_view value) {
  if (value.size() != kPrefix.size() + kHexDigits || !absl::StartsWith(value, kPrefix)) {
    return false;
  }
  for (char c : value.substr(kPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string PersonKey::Hash(uint64_t community_id, absl::string_view ref) const {
  if (ref.empty() || IsHashed(ref)) return std::string(ref);
  std::string message;
  for (int shift = 56; shift >= 0; shift -= 8) {
    message.push_back(static_cast<char>((community_id >> shift) & 0xff));
  }
  message.append(ref.data(), ref.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
       &digest_size);
  return absl::StrCat(kPrefix, absl::BytesToHexString(absl::string_view(
                                   reinterpret_cast<const char*>(digest), kHexDigits / 2)));
}

}  // namespace parley::services
