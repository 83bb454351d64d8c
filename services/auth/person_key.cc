#include "services/auth/person_key.h"

#include <openssl/evp.h>

#include <cassert>
#include <cstdlib>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/auth/auth.h"

namespace parley::services {
namespace {

constexpr absl::string_view kPrefix = "pk1:";
constexpr size_t kHexDigits = 32;
constexpr size_t kSha256BlockBytes = 64;

// Failures here mean OpenSSL is broken (out of memory, no SHA-256): a programming error.
void Check(int ok) {
  if (ok != 1) std::abort();
}

}  // namespace

struct PersonKey::Pads {
  EVP_MD_CTX* inner = EVP_MD_CTX_new();
  EVP_MD_CTX* outer = EVP_MD_CTX_new();
  ~Pads() {
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
  }
};

PersonKey::PersonKey(std::string key) {
  auto pads = std::make_shared<Pads>();
  if (pads->inner == nullptr || pads->outer == nullptr) std::abort();
  unsigned char block[kSha256BlockBytes] = {};
  if (key.size() > kSha256BlockBytes) {  // longer keys are hashed first
    unsigned int size = 0;
    Check(EVP_Digest(key.data(), key.size(), block, &size, EVP_sha256(), nullptr));
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[kSha256BlockBytes];
  for (size_t i = 0; i < kSha256BlockBytes; ++i) pad[i] = block[i] ^ 0x36;
  Check(EVP_DigestInit_ex(pads->inner, EVP_sha256(), nullptr));
  Check(EVP_DigestUpdate(pads->inner, pad, sizeof(pad)));
  for (size_t i = 0; i < kSha256BlockBytes; ++i) pad[i] = block[i] ^ 0x5c;
  Check(EVP_DigestInit_ex(pads->outer, EVP_sha256(), nullptr));
  Check(EVP_DigestUpdate(pads->outer, pad, sizeof(pad)));
  pads_ = std::move(pads);
}

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
  unsigned char community[8];
  for (int i = 0; i < 8; ++i)
    community[i] = static_cast<unsigned char>(community_id >> (56 - 8 * i));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (ctx == nullptr) std::abort();
  Check(EVP_MD_CTX_copy_ex(ctx.get(), pads_->inner));
  Check(EVP_DigestUpdate(ctx.get(), community, sizeof(community)));
  Check(EVP_DigestUpdate(ctx.get(), ref.data(), ref.size()));
  Check(EVP_DigestFinal_ex(ctx.get(), digest, &digest_size));
  Check(EVP_MD_CTX_copy_ex(ctx.get(), pads_->outer));
  Check(EVP_DigestUpdate(ctx.get(), digest, digest_size));
  Check(EVP_DigestFinal_ex(ctx.get(), digest, &digest_size));
  assert(digest_size * 2 >= kHexDigits);
  return absl::StrCat(kPrefix, absl::BytesToHexString(absl::string_view(
                                   reinterpret_cast<const char*>(digest), kHexDigits / 2)));
}

}  // namespace parley::services
