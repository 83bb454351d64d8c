#ifndef PARLEY_TESTS_TESTING_TEMP_DIR_H_
#define PARLEY_TESTS_TESTING_TEMP_DIR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace parley::testutil {

// A fresh directory under $TEST_TMPDIR (or /tmp) that is removed, with everything in it, when
// the object is destroyed. Each test gets its own, so tests can run in parallel processes.
// Not thread-safe; create one per test.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name; the entry itself is not created.
  std::string Sub(absl::string_view name) const;

 private:
  std::string path_;
};

}  // namespace parley::testutil

#endif  // PARLEY_TESTS_TESTING_TEMP_DIR_H_
