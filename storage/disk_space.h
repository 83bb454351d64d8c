#ifndef PARLEY_STORAGE_DISK_SPACE_H_
#define PARLEY_STORAGE_DISK_SPACE_H_

// Free space on the disk that holds the store, and the floor below which the store refuses
// writes: a full disk must fail writes with a clear status, never the process. Keeping a floor
// free means RocksDB's own files (flush output, MANIFEST, a new WAL, OPTIONS at restart) still
// fit when the store has stopped accepting writes, so it never meets ENOSPC from our writes.
// Thread-safe (stateless).

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace parley::storage {

// Bytes an unprivileged writer may still use on the file system holding `path` (statvfs
// f_bavail: root's reserved blocks do not count). UNAVAILABLE if statvfs fails.
absl::StatusOr<uint64_t> FreeDiskBytes(const std::string& path);

// OK if writing about `bytes` more to `path` leaves at least `floor_bytes` free; otherwise
// RESOURCE_EXHAUSTED "disk full: N bytes free on <path> ...". A floor of 0 checks nothing.
absl::Status CheckDiskRoom(const std::string& path, uint64_t floor_bytes, uint64_t bytes);

// The RESOURCE_EXHAUSTED status of a full disk, with what is free now (so every "disk full"
// message reads the same, whether our floor or RocksDB's ENOSPC stopped the write).
absl::Status DiskFullError(const std::string& path, uint64_t floor_bytes,
                           const std::string& detail);

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_DISK_SPACE_H_
