#include "services/api/csv_import.h"

#include <algorithm>
#include <deque>
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

// Stores an import's accepted rows in order, batch by batch, on its own thread, so that the
// next rows are validated while a batch is made durable. Store() hands over rows [first, end)
// of `accepted`, whose elements must not move (the caller reserves it); Finish() waits for every
// batch and returns the last batch's removals, or the first failure (the batches before it
// stay stored; the ones after it are not attempted). Each result of `results` is written by the
// writer only after its row was handed over, and read by the caller only after Finish().
class BatchWriter {
 public:
  BatchWriter(storage::Store* store, uint64_t event_id, const std::vector<v1::Attendee*>* accepted,
              const std::vector<size_t>* accepted_row, std::vector<v1::ImportRowResult>* results,
              bool dry_run)
      : store_(store),
        event_id_(event_id),
        accepted_(accepted),
        accepted_row_(accepted_row),
        results_(results),
        dry_run_(dry_run),
        thread_([this] { Loop(); }) {}
  ~BatchWriter() {
    if (thread_.joinable()) Finish().IgnoreError();
  }

  void Store(size_t first, size_t end, storage::ImportAttendeesOptions options) {
    absl::MutexLock lock(&mu_);
    options.dry_run = dry_run_;
    queue_.push_back({first, end, std::move(options)});
  }

  absl::StatusOr<std::vector<storage::RemovedAttendee>> Finish() {
    {
      absl::MutexLock lock(&mu_);
      closed_ = true;
    }
    thread_.join();
    if (!status_.ok()) return status_;
    return std::move(removed_);
  }

 private:
  struct Batch {
    size_t first;
    size_t end;
    storage::ImportAttendeesOptions options;
  };

  void Loop() {
    for (;;) {
      Batch batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](BatchWriter* w) { return !w->queue_.empty() || w->closed_; }, this));
        if (queue_.empty()) return;
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      if (status_.ok()) StoreBatch(std::move(batch));
    }
  }

  void StoreBatch(Batch batch) {
    absl::StatusOr<storage::ImportAttendeesResult> stored = store_->ImportAttendees(
        event_id_, absl::MakeConstSpan(accepted_->data() + batch.first, batch.end - batch.first),
        batch.options);
    if (!stored.ok()) {
      status_ = batch.first == 0
                    ? stored.status()
                    : absl::Status(stored.status().code(),
                                   absl::StrCat("rows ", (*accepted_row_)[batch.first] + 1,
                                                " on were not stored (the rows before were): ",
                                                stored.status().message()));
      return;
    }
    for (size_t k = batch.first; k < batch.end; ++k) {
      const storage::UpsertResult& r = stored->upserts[k - batch.first];
      v1::ImportRowResult& result = (*results_)[(*accepted_row_)[k]];
      if (!dry_run_ || r.outcome != storage::UpsertOutcome::kCreated) {
        result.set_attendee_id(r.attendee_id);
      }
      SetStoredOutcome(r.outcome, &result);
    }
    removed_ = std::move(stored->removed);
  }

  storage::Store* const store_;
  const uint64_t event_id_;
  const std::vector<v1::Attendee*>* const accepted_;
  const std::vector<size_t>* const accepted_row_;
  std::vector<v1::ImportRowResult>* const results_;
  const bool dry_run_;
  absl::Mutex mu_;
  std::deque<Batch> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // The writer thread's until Finish() joins it.
  absl::Status status_;
  std::vector<storage::RemovedAttendee> removed_;
  std::thread thread_;  // last: starts once the members above exist
};

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
        absl::Status done = Import();
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

  absl::Status Import() {
    if (event_id_ == 0) return absl::InvalidArgumentError("event_id: required (no message sent)");
    // Read again: the event may have changed (new slots, closed) during the upload.
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, principal_, event_id_);
    if (!event.ok()) return event.status();
    const bool dry_run = options_.dry_run();
    if (!dry_run) {
      absl::Status open = domain::RequireNotClosed(*event);
      if (!open.ok()) return open;
    }
    absl::StatusOr<domain::CsvImport> csv = domain::ReadAttendeeCsv(data_, options_);
    if (!csv.ok()) return csv.status();
    std::string().swap(data_);  // the rows hold what is needed

    const size_t n = csv->rows.size();
    std::vector<v1::ImportRowResult> results(n);
    // Reserved: the writer reads spans of it while rows are still being appended.
    std::vector<v1::Attendee*> accepted;
    std::vector<size_t> accepted_row;
    accepted.reserve(n);
    accepted_row.reserve(n);
    storage::ImportAttendeesOptions store_options;
    store_options.dry_run = dry_run;
    store_options.remove_absent = options_.sync();
    // Without sync, durable batches of kCsvCommitRows, stored by a writer thread while the next
    // rows are validated (the removals ride with the last batch); with sync or dry_run, one
    // batch once every row is validated.
    const bool pipelined = !options_.sync() && !dry_run;
    BatchWriter writer(store_, event_id_, &accepted, &accepted_row, &results, dry_run);
    size_t handed = 0;  // accepted rows given to the writer
    // external_id -> the cancelled row that names it, for the removal's reason.
    absl::flat_hash_map<std::string, size_t> cancelled_row;
    for (size_t i = 0; i < n; ++i) {
      domain::CsvImportRow& row = csv->rows[i];
      v1::ImportRowResult& result = results[i];
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
        continue;
      }
      if (row.cancelled) {
        result.set_outcome(v1::ImportRowResult::CANCELLED);
        response_->set_cancelled(response_->cancelled() + 1);
        if (!attendee->external_id().empty() &&
            cancelled_row.emplace(attendee->external_id(), i).second) {
          store_options.remove_external_ids.push_back(attendee->external_id());
        }
        continue;
      }
      attendee->clear_id();
      attendee->clear_event_id();
      attendee->clear_create_time();
      attendee->clear_update_time();
      absl::Status valid = NormalizeAttendee(*event, attendee);
      if (!valid.ok()) {
        result.set_outcome(v1::ImportRowResult::REJECTED);
        result.set_error(csv->DescribeError(row, valid.message()));
        store_options.keep_external_ids.insert(attendee->external_id());
        continue;
      }
      if (!attendee->person_ref().empty()) {
        attendee->set_person_ref(person_key_->Hash(event->community_id(), attendee->person_ref()));
      }
      accepted.push_back(attendee);
      accepted_row.push_back(i);
      if (pipelined && accepted.size() - handed == kCsvCommitRows) {
        writer.Store(handed, accepted.size(), storage::ImportAttendeesOptions());
        handed = accepted.size();
      }
    }
    // The last batch, possibly empty: it carries the removals.
    writer.Store(handed, accepted.size(), std::move(store_options));
    absl::StatusOr<std::vector<storage::RemovedAttendee>> removed = writer.Finish();
    if (!removed.ok()) return removed.status();
    // After the writer: the store sets ids and times on the rows it writes.
    domain::SummarizeAccepted({accepted.begin(), accepted.end()}, &csv->summary);

    for (v1::ImportRowResult& result : results) AddImportResult(std::move(result), response_);
    for (storage::RemovedAttendee& r : *removed) {
      v1::RemovedAttendee* out = response_->add_removed();
      out->set_attendee_id(r.attendee_id);
      out->set_display_name(std::move(r.display_name));
      if (r.absent) {
        out->set_reason("absent from the file (sync)");
      } else if (auto it = cancelled_row.find(r.external_id); it != cancelled_row.end()) {
        const domain::CsvImportRow& row = csv->rows[it->second];
        out->set_reason(absl::StrCat("status ", Quoted(row.status), " (row ", row.row_number,
                                     ", line ", row.line, ")"));
      }
      out->set_external_id(std::move(r.external_id));
    }
    response_->set_dry_run(dry_run);
    *response_->mutable_summary() = std::move(csv->summary);
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
