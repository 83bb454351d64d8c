// The Store's matching runs (store.h).

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/store.h"
#include "storage/store_internal.h"

namespace parley::storage {

// --- Matching runs -----------------------------------------------------------------------

absl::StatusOr<v1::MatchingRun> Store::CreateRun(v1::MatchingRun run) {
  if (run.event_id() == 0) return absl::InvalidArgumentError("run.event_id must not be 0");
  if (run.start_time() == 0) run.set_start_time(NowSeconds());
  return CreateInEvent(Cf::kRuns, kMetaLastRunId, &last_run_id_, std::move(run), "run");
}

absl::Status Store::PutRun(const v1::MatchingRun& run) {
  if (run.event_id() == 0) return absl::InvalidArgumentError("run.event_id must not be 0");
  if (run.id() == 0) return absl::InvalidArgumentError("run.id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
  const std::string key = RunKey(run.event_id(), run.id());
  const std::string what = absl::StrCat("run ", run.id(), " of event ", run.event_id());
  absl::StatusOr<bool> exists = Exists(Cf::kRuns, key, what);
  if (!exists.ok()) return exists.status();
  if (!*exists) return absl::NotFoundError(absl::StrCat(what, " not found"));
  Batch batch(handles_);
  batch.Put(Cf::kRuns, key, Serialize(run));
  return write_lock.Finish(Commit(&batch, what));
}

absl::StatusOr<v1::MatchingRun> Store::GetRun(uint64_t event_id, uint64_t run_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (run_id == 0) return absl::InvalidArgumentError("run id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::MatchingRun>(rocksdb::ReadOptions(), Cf::kRuns, RunKey(event_id, run_id),
                                     absl::StrCat("run ", run_id, " of event ", event_id));
}

absl::StatusOr<v1::MatchingRun> Store::LatestRun(uint64_t event_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  const std::string prefix = EncodeU64(event_id);
  rocksdb::ReadOptions read_options;
  const rocksdb::Slice lower = ToSlice(prefix);  // must outlive the iterator
  read_options.iterate_lower_bound = &lower;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, cf(Cf::kRuns)));
  it->SeekForPrev(ToSlice(RunKey(event_id, UINT64_MAX)));
  const std::string what = absl::StrCat("latest run of event ", event_id);
  absl::Status s = FromRocksDb(it->status(), absl::StrCat("read ", what));
  if (!s.ok()) return s;
  if (!it->Valid() || !absl::StartsWith(ToView(it->key()), prefix)) {
    return absl::NotFoundError(absl::StrCat("event ", event_id, " has no matching run"));
  }
  v1::MatchingRun run;
  s = Parse(ToView(it->value()), what, &run);
  if (!s.ok()) return s;
  return run;
}

}  // namespace parley::storage
