#include "storage/disk_space.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace parley::storage {

absl::StatusOr<uint64_t> FreeDiskBytes(const std::string& path) {
  struct statvfs stats;
  if (statvfs(path.c_str(), &stats) != 0) {
    return absl::UnavailableError(absl::StrCat("statvfs ", path, ": ", std::strerror(errno)));
  }
  return static_cast<uint64_t>(stats.f_bavail) * static_cast<uint64_t>(stats.f_frsize);
}

absl::Status DiskFullError(const std::string& path, uint64_t floor_bytes,
                           const std::string& detail) {
  absl::StatusOr<uint64_t> free_bytes = FreeDiskBytes(path);
  return absl::ResourceExhaustedError(absl::StrCat(
      "disk full: ", free_bytes.ok() ? absl::StrCat(*free_bytes) : std::string("unknown"),
      " bytes free on ", path, " (writes need ", floor_bytes,
      " bytes kept free; they resume by themselves once space is freed)",
      detail.empty() ? "" : ": ", detail));
}

absl::Status CheckDiskRoom(const std::string& path, uint64_t floor_bytes, uint64_t bytes) {
  if (floor_bytes == 0) return absl::OkStatus();
  absl::StatusOr<uint64_t> free_bytes = FreeDiskBytes(path);
  if (!free_bytes.ok()) return free_bytes.status();
  if (*free_bytes >= floor_bytes && *free_bytes - floor_bytes >= bytes) return absl::OkStatus();
  return DiskFullError(path, floor_bytes, "");
}

}  // namespace parley::storage
