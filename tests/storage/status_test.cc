#include "storage/status.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "rocksdb/status.h"

namespace parley::storage {
namespace {

TEST(FromRocksDbTest, MapsEachKindToItsCanonicalCode) {
  using rocksdb::Status;
  struct Case {
    Status rocks;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {Status::NotFound("x"), absl::StatusCode::kNotFound},
      {Status::Corruption("bad block"), absl::StatusCode::kDataLoss},
      {Status::NoSpace("disk full"), absl::StatusCode::kResourceExhausted},
      {Status::MemoryLimit("mem"), absl::StatusCode::kResourceExhausted},
      {Status::SpaceLimit("sst space"), absl::StatusCode::kResourceExhausted},
      {Status::IOError("eio"), absl::StatusCode::kUnavailable},
      {Status::Busy("stall"), absl::StatusCode::kUnavailable},
      {Status::ShutdownInProgress(), absl::StatusCode::kUnavailable},
      {Status::Incomplete("x"), absl::StatusCode::kUnavailable},
      {Status::TryAgain("conflict"), absl::StatusCode::kAborted},
      {Status::Aborted("x"), absl::StatusCode::kAborted},
      {Status::TimedOut("x"), absl::StatusCode::kDeadlineExceeded},
      {Status::NotSupported("x"), absl::StatusCode::kUnimplemented},
      {Status::InvalidArgument("x"), absl::StatusCode::kInternal},
      {Status::ColumnFamilyDropped(), absl::StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FromRocksDb(c.rocks, "op").code(), c.code) << c.rocks.ToString();
  }
}

TEST(FromRocksDbTest, OkStaysOk) { EXPECT_TRUE(FromRocksDb(rocksdb::Status::OK(), "op").ok()); }

TEST(FromRocksDbTest, MessageSaysWhatFailedThenRocksDbsReason) {
  absl::Status s =
      FromRocksDb(rocksdb::Status::Corruption("block checksum mismatch"), "read attendee 17");
  EXPECT_EQ(s.message(), "read attendee 17: Corruption: block checksum mismatch");
}

}  // namespace
}  // namespace parley::storage
