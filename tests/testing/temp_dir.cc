#include "tests/testing/temp_dir.h"

#include <stdlib.h>

#include <cassert>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace parley::testutil {

ScopedTempDir::ScopedTempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/parley-test-XXXXXX");
  char* made = mkdtemp(pattern.data());
  assert(made != nullptr && "mkdtemp failed");
  (void)made;
  path_ = pattern;
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ScopedTempDir::Sub(absl::string_view name) const {
  return absl::StrCat(path_, "/", name);
}

}  // namespace parley::testutil
