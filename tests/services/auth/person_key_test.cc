#include "services/auth/person_key.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace parley::services {
namespace {

// OpenSSL's one-shot HMAC-SHA256 of (community id, big-endian | ref): what Hash must equal.
std::string Reference(const std::string& key, uint64_t community_id, const std::string& ref) {
  std::string message;
  for (int shift = 56; shift >= 0; shift -= 8) {
    message.push_back(static_cast<char>((community_id >> shift) & 0xff));
  }
  message += ref;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &size);
  return absl::StrCat(
      "pk1:", absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 16)));
}

TEST(PersonKeyTest, KnownValues) {
  // Computed independently (Python's hmac module); the stored form must never change.
  EXPECT_EQ(PersonKey("Jefe").Hash(7, "ada@example.org"), "pk1:507bcdde507ad507f7c1703194a90aa6");
  EXPECT_EQ(PersonKey(std::string(100, 'k')).Hash(1, "crm-42"),
            "pk1:bd1d73fa4bdea3a0c71758707da1f99b");
}

TEST(PersonKeyTest, EqualsOneShotHmacForKeysAroundTheBlockSize) {
  for (size_t key_size : {1, 32, 43, 63, 64, 65, 128, 200}) {
    std::string key;
    for (size_t i = 0; i < key_size; ++i) key.push_back(static_cast<char>('a' + (i * 7) % 26));
    const PersonKey person_key(key);
    for (uint64_t community : {1ull, 42ull, 0x0102030405060708ull}) {
      for (const std::string& ref :
           {std::string("x"), std::string("ada@example.org"), std::string(300, 'r')}) {
        EXPECT_EQ(person_key.Hash(community, ref), Reference(key, community, ref))
            << "key size " << key_size << ", community " << community << ", ref " << ref;
      }
    }
  }
}

TEST(PersonKeyTest, RepeatedCallsAndCopiesAgree) {
  const PersonKey key("secret");
  const PersonKey copy = key;
  const std::string first = key.Hash(3, "bob");
  EXPECT_EQ(key.Hash(3, "bob"), first);
  EXPECT_EQ(copy.Hash(3, "bob"), first);
  EXPECT_NE(key.Hash(4, "bob"), first);
  EXPECT_NE(PersonKey("other").Hash(3, "bob"), first);
}

TEST(PersonKeyTest, EmptyAndAlreadyHashedRefsPassThrough) {
  const PersonKey key("secret");
  EXPECT_EQ(key.Hash(3, ""), "");
  const std::string hashed = key.Hash(3, "bob");
  EXPECT_TRUE(PersonKey::IsHashed(hashed));
  EXPECT_EQ(key.Hash(3, hashed), hashed);
}

}  // namespace
}  // namespace parley::services
