#ifndef PARLEY_TESTS_TESTING_FAULT_HELPERS_H_
#define PARLEY_TESTS_TESTING_FAULT_HELPERS_H_

// Shared by the fault tests (storage and e2e): a small tmpfs to fill, and byte-level looks at a
// database directory. Not thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace parley::testutil {

// Mounts a tmpfs of `bytes` on `dir` (created if missing) and unmounts it when destroyed.
// Needs root or CAP_SYS_ADMIN: check ok() and skip the test with why() otherwise.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& dir, uint64_t bytes);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool ok() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_;
};

// Writes zeroes to `path` until the file system is full (ENOSPC). Returns the bytes written.
uint64_t FillDisk(const std::string& path);

// Names of the regular files under `dir` (recursively) whose bytes contain `needle`, or, for SST
// files (whose blocks are compressed), whose entries' keys or values do.
std::vector<std::string> FilesContaining(const std::string& dir, absl::string_view needle);

// The regular files of `dir` whose names end in `suffix`, sorted by name.
std::vector<std::string> FilesEndingIn(const std::string& dir, absl::string_view suffix);

// Copies the files of `from` (not recursively) into a new directory `to`.
void CopyDirectory(const std::string& from, const std::string& to);

}  // namespace parley::testutil

#endif  // PARLEY_TESTS_TESTING_FAULT_HELPERS_H_
