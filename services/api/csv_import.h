#ifndef PARLEY_SERVICES_API_CSV_IMPORT_H_
#define PARLEY_SERVICES_API_CSV_IMPORT_H_

// OrganizerService.ImportAttendeesCsv (organizer_service.proto): a registration export,
// uploaded whole, read by the one attendee-CSV reader (services/domain/import_csv.h).

#include <utility>

#include "parley/v1/organizer_service.grpc.pb.h"
#include "services/auth/auth.h"
#include "services/auth/person_key.h"
#include "services/live/worker_pool.h"
#include "storage/store.h"

namespace parley::services {

// Bytes of file per stream message.
inline constexpr size_t kMaxCsvChunkBytes = size_t{1} << 20;
// Rows per durable batch of an import without sync (with sync the whole file is one batch).
inline constexpr size_t kCsvCommitRows = 5000;
// The smallest durable batch before the last one (see CommitRows in csv_import.cc).
inline constexpr size_t kCsvMinCommitRows = 1000;

// The outcome the store gave a row (CREATED, UPDATED or UNCHANGED), on its result.
inline void SetStoredOutcome(storage::UpsertOutcome outcome, v1::ImportRowResult* result) {
  switch (outcome) {
    case storage::UpsertOutcome::kCreated:
      result->set_outcome(v1::ImportRowResult::CREATED);
      break;
    case storage::UpsertOutcome::kUpdated:
      result->set_outcome(v1::ImportRowResult::UPDATED);
      break;
    case storage::UpsertOutcome::kUnchanged:
      result->set_outcome(v1::ImportRowResult::UNCHANGED);
      break;
  }
}

// Counts `result`'s outcome in the response of ImportAttendees or ImportAttendeesCsv (CANCELLED
// is counted by the caller: only the CSV import has it).
template <typename Response>
void CountImportResult(const v1::ImportRowResult& result, Response* response) {
  switch (result.outcome()) {
    case v1::ImportRowResult::CREATED:
      response->set_created(response->created() + 1);
      break;
    case v1::ImportRowResult::UPDATED:
      response->set_updated(response->updated() + 1);
      break;
    case v1::ImportRowResult::UNCHANGED:
      response->set_unchanged(response->unchanged() + 1);
      break;
    case v1::ImportRowResult::REJECTED:
      response->set_rejected(response->rejected() + 1);
      break;
    default:
      break;
  }
}

// Appends `result` to the response and counts its outcome.
template <typename Response>
void AddImportResult(v1::ImportRowResult&& result, Response* response) {
  CountImportResult(result, response);
  *response->add_results() = std::move(result);
}

// The reactor of one ImportAttendeesCsv call. Chunks are appended as they arrive (the event is
// checked on the first one, so a wrong event fails before the upload); once the client is done
// the file is read, validated against the event and stored on `workers`, and the response is
// sent once every accepted row is durable. Errors: INVALID_ARGUMENT for no event_id, a mixed
// event_id, a chunk over kMaxCsvChunkBytes or a header that cannot be mapped;
// RESOURCE_EXHAUSTED for a file over kMaxCsvImportBytes; NOT_FOUND / FAILED_PRECONDITION for
// the event as ImportAttendees. `store`, `auth`, `workers` and `person_key` are not owned and
// must outlive the call.
grpc::ServerReadReactor<v1::ImportAttendeesCsvRequest>* NewCsvImport(
    grpc::CallbackServerContext* context, storage::Store* store, const Authenticator* auth,
    WorkerPool* workers, const PersonKey* person_key, v1::ImportAttendeesCsvResponse* response);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_API_CSV_IMPORT_H_
