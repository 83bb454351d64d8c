#include "tests/testing/fault_helpers.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_reader.h"

namespace parley::testutil {

namespace fs = std::filesystem;

TmpfsMount::TmpfsMount(const std::string& dir, uint64_t bytes) : dir_(dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  const std::string data = absl::StrCat("size=", bytes);
  if (mount("tmpfs", dir.c_str(), "tmpfs", 0, data.c_str()) == 0) {
    mounted_ = true;
  } else {
    why_ = absl::StrCat("cannot mount a tmpfs on ", dir, " (", std::strerror(errno),
                        "): the disk-full cases need root or CAP_SYS_ADMIN");
  }
}

TmpfsMount::~TmpfsMount() {
  if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
}

uint64_t FillDisk(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 0;
  static const char zeroes[4096] = {};
  uint64_t written = 0;
  for (;;) {
    const ssize_t n = write(fd, zeroes, sizeof(zeroes));
    if (n <= 0) break;
    written += static_cast<uint64_t>(n);
  }
  // The last page may be partly free: fill it byte by byte.
  while (write(fd, zeroes, 1) == 1) ++written;
  close(fd);
  return written;
}

namespace {

// An SST file's blocks are compressed, so its raw bytes may not show a record: read every entry.
bool SstEntriesContain(const std::string& path, absl::string_view needle) {
  rocksdb::Options options;
  rocksdb::SstFileReader reader(options);
  if (!reader.Open(path).ok()) return false;
  std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (absl::StrContains(absl::string_view(it->key().data(), it->key().size()), needle) ||
        absl::StrContains(absl::string_view(it->value().data(), it->value().size()), needle)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> FilesContaining(const std::string& dir, absl::string_view needle) {
  std::vector<std::string> found;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error); !error && it != fs::end(it);
       it.increment(error)) {
    if (!it->is_regular_file(error)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (absl::StrContains(bytes, needle) ||
        (it->path().extension() == ".sst" && SstEntriesContain(it->path().string(), needle))) {
      found.push_back(it->path().filename().string());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<std::string> FilesEndingIn(const std::string& dir, absl::string_view suffix) {
  std::vector<std::string> found;
  std::error_code error;
  for (fs::directory_iterator it(dir, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (absl::EndsWith(name, suffix)) found.push_back(name);
  }
  std::sort(found.begin(), found.end());
  return found;
}

void CopyDirectory(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const fs::directory_entry& entry : fs::directory_iterator(from)) {
    if (entry.is_regular_file())
      fs::copy_file(entry.path(), fs::path(to) / entry.path().filename());
  }
}

}  // namespace parley::testutil
