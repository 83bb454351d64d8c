#include "storage/erasure.h"

#include <glog/logging.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "rocksdb/options.h"
#include "storage/status.h"

namespace parley::storage {
namespace {

// Collects the keys a batch touches, per column family id.
class KeyCollector : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    Note(cf, key);
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    Note(cf, key);
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    Note(cf, key);
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    Note(cf, key);
    return rocksdb::Status::OK();
  }
  absl::flat_hash_map<uint32_t, std::pair<std::string, std::string>> ranges;

 private:
  void Note(uint32_t cf, const rocksdb::Slice& key) {
    auto [it, inserted] = ranges.try_emplace(cf, key.ToString(), key.ToString());
    if (inserted) return;
    if (key.compare(it->second.first) < 0) it->second.first = key.ToString();
    if (key.compare(it->second.second) > 0) it->second.second = key.ToString();
  }
};

// Merges overlapping (first, last) ranges, so that a pass compacts each file once.
void Merge(std::vector<std::pair<std::string, std::string>>* ranges) {
  std::sort(ranges->begin(), ranges->end());
  std::vector<std::pair<std::string, std::string>> merged;
  for (auto& range : *ranges) {
    if (!merged.empty() && range.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, range.second);
    } else {
      merged.push_back(std::move(range));
    }
  }
  *ranges = std::move(merged);
}

}  // namespace

ErasureCompactor::ErasureCompactor(rocksdb::DB* db,
                                   std::vector<rocksdb::ColumnFamilyHandle*> handles,
                                   absl::Duration delay)
    : db_(db), handles_(std::move(handles)), delay_(delay) {
  if (delay_ > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
}

ErasureCompactor::~ErasureCompactor() { Stop(); }

void ErasureCompactor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

size_t ErasureCompactor::PendingRanges() const {
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [cf, ranges] : pending_) n += ranges.size();
  return n;
}

void ErasureCompactor::Add(const rocksdb::WriteBatch& batch, uint64_t sequence) {
  KeyCollector collector;
  rocksdb::Status s = batch.Iterate(&collector);
  // Iterating a batch we built ourselves cannot fail: its bytes never left memory.
  CHECK(s.ok()) << s.ToString();
  absl::MutexLock lock(&mu_);
  for (auto& [cf, range] : collector.ranges) pending_[cf].push_back(std::move(range));
  pending_sequence_ = std::max(pending_sequence_, sequence);
}

absl::Status ErasureCompactor::CompactNow() {
  absl::MutexLock pass(&pass_mu_);
  absl::flat_hash_map<uint32_t, std::vector<std::pair<std::string, std::string>>> ranges;
  uint64_t sequence = 0;
  {
    absl::MutexLock lock(&mu_);
    ranges.swap(pending_);
    sequence = pending_sequence_;
  }
  if (ranges.empty()) return absl::OkStatus();
  auto put_back = [&] {
    absl::MutexLock lock(&mu_);
    for (auto& [cf, list] : ranges) {
      auto& target = pending_[cf];
      target.insert(target.end(), list.begin(), list.end());
    }
    pending_sequence_ = std::max(pending_sequence_, sequence);
  };
  uint64_t oldest_snapshot = 0;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kOldestSnapshotSequence, &oldest_snapshot) &&
      oldest_snapshot != 0 && oldest_snapshot < sequence) {
    put_back();
    return absl::FailedPreconditionError(absl::StrCat("erasure compaction: a snapshot (sequence ",
                                                      oldest_snapshot, ") older than the erasure (",
                                                      sequence, ") is open; retrying later"));
  }
  // Flushing every column family (not only the touched ones) makes every WAL written so far
  // obsolete: a WAL stays until all the families with data in it are flushed.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  absl::Status s = FromRocksDb(db_->Flush(flush, handles_), "erasure compaction: flush");
  if (!s.ok()) {
    put_back();
    return s;
  }
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  compact.exclusive_manual_compaction = false;
  for (auto& [cf, list] : ranges) {
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      if (h->GetID() == cf) handle = h;
    }
    if (handle == nullptr) continue;  // a family this store does not open cannot hold the keys
    Merge(&list);
    for (const auto& [first, last] : list) {
      rocksdb::Slice begin(first), end(last);
      s = FromRocksDb(db_->CompactRange(compact, handle, &begin, &end),
                      absl::StrCat("erasure compaction of ", handle->GetName()));
      if (!s.ok()) {
        put_back();
        return s;
      }
    }
  }
  return absl::OkStatus();
}

void ErasureCompactor::Run() {
  auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !pending_.empty(); };
  auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&wake));
      if (stop_) return;
      // Let more erasures join this pass; Stop cuts the wait short.
      if (mu_.AwaitWithTimeout(absl::Condition(&stopped), delay_)) return;
    }
    absl::Status s = CompactNow();
    if (!s.ok()) {
      LOG(WARNING) << s;
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopped), delay_)) return;
    }
  }
}

}  // namespace parley::storage
