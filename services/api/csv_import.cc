#include "services/api/csv_import.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/api/event_access.h"
#include "services/api/grpc_status.h"
#include "services/domain/import_csv.h"
#include "services/domain/policy.h"
#include "services/domain/validation.h"

namespace parley::services {
namespace {

// Runs `handle` on each item handed to Push(), in order, on a thread of its own named `name`;
// Finish() waits until every item pushed is handled (the destructor too). The import's stages
// (validating, storing) each run on one, so that each works while the one before it goes on.
// Push() and Finish() are for one thread; `handle` runs on the queue's thread only.
template <typename T>
class OrderedQueue {
 public:
  OrderedQueue(const char* name, std::function<void(T&)> handle)
      : handle_(std::move(handle)), thread_([this, name] {
          pthread_setname_np(pthread_self(), name);
          Loop();
        }) {}
  ~OrderedQueue() { Finish(); }

  void Push(T item) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(item));
  }

  void Finish() {
    if (!thread_.joinable()) return;
    {
      absl::MutexLock lock(&mu_);
      closed_ = true;
    }
    thread_.join();
  }

 private:
  void Loop() {
    for (;;) {
      T item;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](OrderedQueue* q) { return !q->queue_.empty() || q->closed_; }, this));
        if (queue_.empty()) return;
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      handle_(item);
    }
  }

  const std::function<void(T&)> handle_;
  absl::Mutex mu_;
  std::deque<T> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the members above exist
};

// Stores an import's accepted rows in order, batch by batch, on its own thread, so that later
// rows are read and validated while a batch is made durable. Store() hands over a batch (the
// attendees must stay where they are and untouched until Finish()); Finish() waits for every
// batch and returns what the store answered for each row, in order, and the last batch's
// removals, or the first failure (the batches before it stay stored; the ones after it are not
// attempted).
class BatchWriter {
 public:
  struct Done {
    std::vector<storage::UpsertResult> upserts;
    std::vector<storage::RemovedAttendee> removed;
  };

  BatchWriter(storage::Store* store, uint64_t event_id)
      : store_(store),
        event_id_(event_id),
        queue_("parley-import-w", [this](Batch& batch) { Write(batch); }) {}

  // `first_row` is the row number of rows[0], for the message of a failure.
  void Store(std::vector<v1::Attendee*> rows, uint32_t first_row,
             storage::ImportAttendeesOptions options) {
    handed_.fetch_add(1, std::memory_order_relaxed);
    queue_.Push({std::move(rows), first_row, std::move(options)});
  }

  // Batches handed over and not stored yet (the one being stored included). Any thread: a
  // hint, for balancing work (it may be stale by the time it is used).
  size_t Pending() const {
    return handed_.load(std::memory_order_relaxed) - stored_.load(std::memory_order_relaxed);
  }

  absl::StatusOr<Done> Finish() {
    queue_.Finish();
    if (!status_.ok()) return status_;
    return std::move(done_);
  }

 private:
  struct Batch {
    std::vector<v1::Attendee*> rows;
    uint32_t first_row = 0;
    storage::ImportAttendeesOptions options;
  };

  void Write(const Batch& batch) {
    Commit(batch);
    stored_.fetch_add(1, std::memory_order_relaxed);
  }

  void Commit(const Batch& batch) {
    if (!status_.ok()) return;
    absl::StatusOr<storage::ImportAttendeesResult> stored =
        store_->ImportAttendees(event_id_, batch.rows, batch.options);
    if (!stored.ok()) {
      status_ = done_.upserts.empty()
                    ? stored.status()
                    : absl::Status(stored.status().code(),
                                   absl::StrCat("rows ", batch.first_row,
                                                " on were not stored (the rows before were): ",
                                                stored.status().message()));
      return;
    }
    done_.upserts.insert(done_.upserts.end(), stored->upserts.begin(), stored->upserts.end());
    done_.removed = std::move(stored->removed);
  }

  storage::Store* const store_;
  const uint64_t event_id_;
  std::atomic<size_t> handed_{0};
  std::atomic<size_t> stored_{0};
  // The queue's thread's until Finish().
  absl::Status status_;
  Done done_;
  OrderedQueue<Batch> queue_;  // last: its thread starts once the members above exist
};

// Takes an import's rows on its own thread, in file order, while the reader maps later rows:
// making each row's result, handing accepted rows to the writer and tallying the summary are
// in-order work. Add() hands a row over (the row must stay where it is, untouched by the caller,
// until Finish()), saying whether the reader normalised it already; Finish() waits until every
// row handed over is taken. Add(), Backlog() and Finish() are for one thread.
class InOrderRows {
 public:
  // `file` describes the columns for messages; `normalized` is Add()'s.
  using Take = std::function<void(const domain::CsvImport& file, domain::CsvImportRow& row,
                                  bool normalized)>;

  explicit InOrderRows(Take take)
      : take_(std::move(take)), queue_("parley-import-v", [this](std::vector<Item>& chunk) {
          for (Item& item : chunk) take_(describer_, *item.row, item.normalized);
          taken_.fetch_add(chunk.size(), std::memory_order_relaxed);
        }) {}
  ~InOrderRows() { Finish(); }

  void Add(const domain::CsvImport& file, domain::CsvImportRow* row, bool normalized) {
    if (!described_) {
      // The reader's CsvImport moves when it is returned: messages use a copy of the columns.
      // Written before the first row is pushed (under the queue's lock), so the thread sees it.
      describer_.column_of_field = file.column_of_field;
      described_ = true;
    }
    pending_.push_back({row, normalized});
    ++added_;
    if (pending_.size() == kChunkRows) Flush();
  }

  // Rows added and not taken yet.
  size_t Backlog() const { return added_ - taken_.load(std::memory_order_relaxed); }

  void Finish() {
    Flush();
    queue_.Finish();
  }

 private:
  struct Item {
    domain::CsvImportRow* row = nullptr;
    bool normalized = false;
  };
  // Rows per hand-over: enough to make the lock's cost negligible, few enough that the
  // thread starts early and the last chunk is short.
  static constexpr size_t kChunkRows = 128;

  void Flush() {
    if (pending_.empty()) return;
    queue_.Push(std::move(pending_));
    pending_.clear();
  }

  const Take take_;
  domain::CsvImport describer_;
  bool described_ = false;  // the adding thread's
  size_t added_ = 0;        // the adding thread's
  std::atomic<size_t> taken_{0};
  std::vector<Item> pending_;              // the adding thread's
  OrderedQueue<std::vector<Item>> queue_;  // last: see OrderedQueue
};

// Rows of the next durable batch when about `left` rows are still to come: kCsvCommitRows, then
// half of what is left, so that the batch stored after the last row is small (the writer then
// finishes soon after the reader), at the cost of a few more fsyncs.
size_t CommitRows(size_t left) { return std::clamp(left / 2, kCsvMinCommitRows, kCsvCommitRows); }

// The in-order thread's backlog (rows) from which the reader normalises rows itself: two
// hand-overs, so that thread never waits and holds little when the last row is read.
constexpr size_t kNormalizeBacklogRows = 256;

class CsvImportReactor final : public grpc::ServerReadReactor<v1::ImportAttendeesCsvRequest> {
 public:
  CsvImportReactor(grpc::CallbackServerContext* context, storage::Store* store,
                   const Authenticator* auth, WorkerPool* workers, const PersonKey* person_key,
                   v1::ImportAttendeesCsvResponse* response)
      : store_(store), workers_(workers), person_key_(person_key), response_(response) {
    absl::StatusOr<Principal> who = auth->Authorize(
        *context,
        absl::StrCat("/", v1::OrganizerService::service_full_name(), "/ImportAttendeesCsv"));
    if (!who.ok()) {
      Finish(ToGrpcStatus(who.status()));
      return;
    }
    principal_ = *std::move(who);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the whole file is here
      // Reading, validating and the fsync'd batches take long: never on a gRPC thread.
      workers_->Submit([this] {
        // The file's rows are freed after the answer is sent: 20,000 of them take ~25 ms.
        std::optional<domain::CsvImport> rows;
        absl::Status done = Import(&rows);
        Finish(ToGrpcStatus(done));  // `this` may be gone
      });
      return;
    }
    absl::Status chunk = TakeChunk();
    if (!chunk.ok()) {
      Finish(ToGrpcStatus(chunk));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  absl::Status TakeChunk() {
    if (event_id_ == 0) {
      if (request_.event_id() == 0) {
        return absl::InvalidArgumentError("event_id: required in the first message");
      }
      event_id_ = request_.event_id();
      options_ = request_.options();
      // Before the upload: a wrong or closed event fails now, not after 100 MB.
      absl::StatusOr<v1::Event> event = OwnedEvent(*store_, principal_, event_id_);
      if (!event.ok()) return event.status();
      if (!options_.dry_run()) {
        absl::Status open = domain::RequireNotClosed(*event);
        if (!open.ok()) return open;
      }
    } else if (request_.event_id() != 0 && request_.event_id() != event_id_) {
      return absl::InvalidArgumentError(
          absl::StrCat("event_id: every message of an import must name event ", event_id_, ", got ",
                       request_.event_id()));
    }
    if (request_.data().size() > kMaxCsvChunkBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "data: at most ", kMaxCsvChunkBytes, " bytes per message, got ", request_.data().size()));
    }
    if (data_.size() + request_.data().size() > domain::kMaxCsvImportBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("data: the file is larger than ", domain::kMaxCsvImportBytes, " bytes"));
    }
    data_.append(request_.data());
    request_.Clear();
    return absl::OkStatus();
  }

  // `rows` receives what was read, for the caller to free after answering.
  absl::Status Import(std::optional<domain::CsvImport>* rows) {
    if (event_id_ == 0) return absl::InvalidArgumentError("event_id: required (no message sent)");
    // Read again: the event may have changed (new slots, closed) during the upload.
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, principal_, event_id_);
    if (!event.ok()) return event.status();
    const bool dry_run = options_.dry_run();
    if (!dry_run) {
      absl::Status open = domain::RequireNotClosed(*event);
      if (!open.ok()) return open;
    }
    // Each row's result is made in the response as the row is taken: moving 20,000 of them
    // there once the rows are stored cost ~5 ms after the last batch.
    google::protobuf::RepeatedPtrField<v1::ImportRowResult>& results =
        *response_->mutable_results();
    std::vector<v1::Attendee*> accepted;
    std::vector<v1::ImportRowResult*> accepted_result;  // of each accepted row
    storage::ImportAttendeesOptions store_options;
    store_options.dry_run = dry_run;
    store_options.remove_absent = options_.sync();
    // Without sync, durable batches (CommitRows), stored by the writer while later rows are
    // read and validated (the removals ride with the last batch); with sync or dry_run, one
    // batch once every row is validated.
    const bool pipelined = !options_.sync() && !dry_run;
    // Rows left are at most the line breaks left (quoted line breaks make it an overestimate).
    const size_t lines = static_cast<size_t>(std::count(data_.begin(), data_.end(), '\n'));
    size_t taken = 0;  // rows taken (`lines` also counts the header's line break)
    BatchWriter writer(store_, event_id_);
    size_t handed = 0;  // accepted rows given to the writer
    // external_id -> the cancelled row that names it, for the removal's reason.
    absl::flat_hash_map<std::string, const domain::CsvImportRow*> cancelled_row;
    domain::AcceptedTally tally;  // of the rows as they validate (the store changes neither
                                  // emails nor tags)
    // What each row needs on its own (NormalizeAttendee, the person_ref's hash). The reader does
    // it while the in-order thread, which shares the second core with the writer, is behind, and
    // leaves it to that thread otherwise: the two cores then finish together, and the writer
    // keeps up instead of storing a backlog after the last row (see kNormalizeBacklogRows).
    auto normalize = [&](const domain::CsvImport& file, domain::CsvImportRow& row) {
      if (!row.error.empty() || row.cancelled) return;
      v1::Attendee* attendee = &row.attendee;
      attendee->clear_id();
      attendee->clear_event_id();
      attendee->clear_create_time();
      attendee->clear_update_time();
      absl::Status valid = NormalizeAttendee(*event, attendee);
      if (!valid.ok()) {
        row.error = file.DescribeError(row, valid.message());
        return;
      }
      if (!attendee->person_ref().empty()) {
        attendee->set_person_ref(person_key_->Hash(event->community_id(), attendee->person_ref()));
      }
    };
    // In file order, on the InOrderRows thread: each row's result, the accepted rows handed to
    // the writer in batches, the summary's tally.
    auto take = [&](const domain::CsvImport& file, domain::CsvImportRow& row, bool normalized) {
      if (!normalized) normalize(file, row);
      ++taken;
      v1::ImportRowResult& result = *results.Add();
      result.set_row_number(row.row_number);
      result.set_line(row.line);
      v1::Attendee* attendee = &row.attendee;
      result.set_external_id(attendee->external_id());
      if (!row.error.empty()) {
        result.set_outcome(v1::ImportRowResult::REJECTED);
        result.set_error(std::move(row.error));
        // A row with a typo still names a person of the list: sync never erases them.
        if (!attendee->external_id().empty()) {
          store_options.keep_external_ids.insert(attendee->external_id());
        }
        return;
      }
      if (row.cancelled) {
        result.set_outcome(v1::ImportRowResult::CANCELLED);
        response_->set_cancelled(response_->cancelled() + 1);
        if (!attendee->external_id().empty() &&
            cancelled_row.emplace(attendee->external_id(), &row).second) {
          store_options.remove_external_ids.push_back(attendee->external_id());
        }
        return;
      }
      accepted.push_back(attendee);
      accepted_result.push_back(&result);
      tally.Add(*attendee);
      if (pipelined && accepted.size() - handed >= CommitRows(lines - std::min(lines, taken))) {
        writer.Store({accepted.begin() + handed, accepted.end()},
                     accepted_result[handed]->row_number(), storage::ImportAttendeesOptions());
        handed = accepted.size();
      }
    };
    absl::StatusOr<domain::CsvImport> csv;
    {
      // `take` runs on the InOrderRows thread only, from here to Finish(): what it writes
      // (results, accepted, store_options, the response's counts) is read after.
      InOrderRows in_order(take);
      csv = domain::ReadAttendeeCsv(
          data_, options_, [&](const domain::CsvImport& file, domain::CsvImportRow& row) {
            const bool behind = in_order.Backlog() >= kNormalizeBacklogRows || writer.Pending() > 1;
            if (behind) normalize(file, row);
            in_order.Add(file, &row, behind);
          });
      in_order.Finish();
    }
    if (!csv.ok()) return csv.status();
    std::string().swap(data_);  // the rows hold what is needed
    // The last batch, possibly empty: it carries the removals.
    writer.Store({accepted.begin() + handed, accepted.end()},
                 handed < accepted.size() ? accepted_result[handed]->row_number() : 0,
                 std::move(store_options));
    // The summary needs the validated rows only: it is made while the writer stores the last
    // batch (folding 20,000 emails and every tag's spellings takes ~10 ms).
    tally.Finish(&csv->summary);
    absl::StatusOr<BatchWriter::Done> stored = writer.Finish();
    if (!stored.ok()) return stored.status();
    for (size_t k = 0; k < stored->upserts.size(); ++k) {
      const storage::UpsertResult& r = stored->upserts[k];
      v1::ImportRowResult& result = *accepted_result[k];
      if (!dry_run || r.outcome != storage::UpsertOutcome::kCreated) {
        result.set_attendee_id(r.attendee_id);
      }
      SetStoredOutcome(r.outcome, &result);
    }
    std::vector<storage::RemovedAttendee>& removed = stored->removed;

    for (const v1::ImportRowResult& result : results) CountImportResult(result, response_);
    for (storage::RemovedAttendee& r : removed) {
      v1::RemovedAttendee* out = response_->add_removed();
      out->set_attendee_id(r.attendee_id);
      out->set_display_name(std::move(r.display_name));
      if (r.absent) {
        out->set_reason("absent from the file (sync)");
      } else if (auto it = cancelled_row.find(r.external_id); it != cancelled_row.end()) {
        const domain::CsvImportRow& row = *it->second;
        out->set_reason(absl::StrCat("status ", Quoted(row.status), " (row ", row.row_number,
                                     ", line ", row.line, ")"));
      }
      out->set_external_id(std::move(r.external_id));
    }
    response_->set_dry_run(dry_run);
    *response_->mutable_summary() = std::move(csv->summary);
    rows->emplace(*std::move(csv));
    return absl::OkStatus();
  }

  storage::Store* const store_;
  WorkerPool* const workers_;
  const PersonKey* const person_key_;
  v1::ImportAttendeesCsvResponse* const response_;
  Principal principal_;
  // Touched by one thread at a time: each read starts after the previous chunk is taken, and the
  // worker starts after the last read.
  v1::ImportAttendeesCsvRequest request_;
  uint64_t event_id_ = 0;
  v1::CsvImportOptions options_;
  std::string data_;
};

}  // namespace

grpc::ServerReadReactor<v1::ImportAttendeesCsvRequest>* NewCsvImport(
    grpc::CallbackServerContext* context, storage::Store* store, const Authenticator* auth,
    WorkerPool* workers, const PersonKey* person_key, v1::ImportAttendeesCsvResponse* response) {
  return new CsvImportReactor(context, store, auth, workers, person_key, response);
}

}  // namespace parley::services
