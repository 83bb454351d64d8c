#include "services/api/known_pairs_import.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/api/event_access.h"
#include "services/api/grpc_status.h"
#include "services/domain/policy.h"
#include "services/domain/validation.h"

namespace parley::services {
namespace {

// External ids of one event -> attendee ids (0: no such attendee), read once per id.
class IdResolver {
 public:
  IdResolver(const storage::Store* store, uint64_t event_id) : store_(store), event_id_(event_id) {}
  absl::StatusOr<uint64_t> Resolve(const std::string& external_id) {
    auto it = ids_.find(external_id);
    if (it != ids_.end()) return it->second;
    absl::StatusOr<v1::Attendee> a = store_->GetAttendeeByExternalId(event_id_, external_id);
    uint64_t id = 0;
    if (a.ok()) {
      id = a->id();
    } else if (!absl::IsNotFound(a.status())) {
      return a.status();
    }
    ids_.emplace(external_id, id);
    return id;
  }

 private:
  const storage::Store* store_;
  uint64_t event_id_;
  absl::flat_hash_map<std::string, uint64_t> ids_;
};

// The attendee ids of a pair, or the reason the row is rejected (empty status message: ok).
absl::StatusOr<storage::AttendeePair> ResolvePair(IdResolver* ids, const v1::KnownPair& pair,
                                                  uint64_t event_id) {
  uint64_t resolved[2] = {0, 0};
  const std::string* external[2] = {&pair.external_id_a(), &pair.external_id_b()};
  const char* field[2] = {"external_id_a", "external_id_b"};
  for (int i = 0; i < 2; ++i) {
    if (external[i]->empty())
      return absl::InvalidArgumentError(absl::StrCat(field[i], ": required"));
    absl::StatusOr<uint64_t> id = ids->Resolve(*external[i]);
    if (!id.ok()) return id.status();
    if (*id == 0) {
      return absl::NotFoundError(
          absl::StrCat(field[i], ": no attendee ", Quoted(*external[i]), " in event ", event_id));
    }
    resolved[i] = *id;
  }
  if (resolved[0] == resolved[1]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "external_id_b: the same attendee as external_id_a (", Quoted(*external[0]), ")"));
  }
  return storage::AttendeePair{resolved[0], resolved[1]};
}

class KnownPairsImport final : public grpc::ServerReadReactor<v1::ImportKnownPairsRequest> {
 public:
  KnownPairsImport(grpc::CallbackServerContext* context, storage::Store* store,
                   const Authenticator* auth, WorkerPool* workers,
                   v1::ImportKnownPairsResponse* response)
      : store_(store), workers_(workers), response_(response) {
    absl::StatusOr<Principal> who = auth->Authorize(
        *context,
        absl::StrCat("/", v1::OrganizerService::service_full_name(), "/ImportKnownPairs"));
    if (!who.ok()) {
      Finish(ToGrpcStatus(who.status()));
      return;
    }
    principal_ = *std::move(who);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client is done; every earlier message is stored (one at a time)
      Finish(grpc::Status::OK);
      return;
    }
    absl::Status envelope = CheckEnvelope();
    if (!envelope.ok()) {
      Finish(ToGrpcStatus(envelope));
      return;
    }
    // The store's write waits for an fsync: never on a gRPC thread.
    workers_->Submit([this] {
      absl::Status stored = Store();
      if (!stored.ok()) {
        Finish(ToGrpcStatus(stored));
        return;  // `this` may be gone
      }
      StartRead(&request_);
    });
  }

  void OnDone() override { delete this; }

 private:
  absl::Status CheckEnvelope() {
    if (event_id_ == 0) event_id_ = request_.event_id();
    if (request_.event_id() != event_id_) {
      return absl::InvalidArgumentError(
          absl::StrCat("event_id: every message of an import must name event ", event_id_, ", got ",
                       request_.event_id()));
    }
    if (request_.rows_size() > kMaxKnownPairsPerMessage) {
      return absl::InvalidArgumentError(absl::StrCat("rows: at most ", kMaxKnownPairsPerMessage,
                                                     " rows per message, got ",
                                                     request_.rows_size()));
    }
    for (v1::KnownPairRow& row : *request_.mutable_rows()) {
      if (row.row_number() == 0) row.set_row_number(next_row_number_);
      next_row_number_ = row.row_number() + 1;
    }
    return absl::OkStatus();
  }

  // Resolves and stores the pairs of request_, appending a result per row.
  absl::Status Store() {
    // Read per message: the event may close while a long import runs.
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, principal_, event_id_);
    if (!event.ok()) return event.status();
    absl::Status open = domain::RequireNotClosed(*event);
    if (!open.ok()) return open;
    if (ids_ == nullptr) ids_ = std::make_unique<IdResolver>(store_, event_id_);
    std::vector<v1::KnownPairResult> results(request_.rows_size());
    std::vector<storage::AttendeePair> pairs;
    std::vector<int> stored_rows;
    for (int i = 0; i < request_.rows_size(); ++i) {
      const v1::KnownPairRow& row = request_.rows(i);
      results[i].set_row_number(row.row_number());
      absl::StatusOr<storage::AttendeePair> pair = ResolvePair(ids_.get(), row.pair(), event_id_);
      if (!pair.ok()) {
        if (!absl::IsInvalidArgument(pair.status()) && !absl::IsNotFound(pair.status())) {
          return pair.status();  // the store failed, not the row
        }
        results[i].set_outcome(v1::KnownPairResult::REJECTED);
        results[i].set_error(absl::StrCat("row ", row.row_number(), ": ", pair.status().message()));
        continue;
      }
      pairs.push_back(*pair);
      stored_rows.push_back(i);
    }
    if (!pairs.empty()) {
      absl::StatusOr<std::vector<storage::KnownPairOutcome>> outcomes =
          store_->AddKnownPairs(event_id_, pairs);
      if (!outcomes.ok()) return outcomes.status();
      for (size_t k = 0; k < stored_rows.size(); ++k) {
        v1::KnownPairResult& result = results[stored_rows[k]];
        switch ((*outcomes)[k]) {
          case storage::KnownPairOutcome::kAdded:
            result.set_outcome(v1::KnownPairResult::ADDED);
            break;
          case storage::KnownPairOutcome::kUnchanged:
            result.set_outcome(v1::KnownPairResult::UNCHANGED);
            break;
          case storage::KnownPairOutcome::kMissingAttendee:
            result.set_outcome(v1::KnownPairResult::REJECTED);
            result.set_error(absl::StrCat("row ", result.row_number(),
                                          ": an attendee of the pair was removed meanwhile"));
            break;
        }
      }
    }
    for (v1::KnownPairResult& result : results) {
      switch (result.outcome()) {
        case v1::KnownPairResult::ADDED:
          response_->set_added(response_->added() + 1);
          break;
        case v1::KnownPairResult::UNCHANGED:
          response_->set_unchanged(response_->unchanged() + 1);
          break;
        default:
          response_->set_rejected(response_->rejected() + 1);
          break;
      }
      *response_->add_results() = std::move(result);
    }
    request_.Clear();
    return absl::OkStatus();
  }

  storage::Store* const store_;
  WorkerPool* const workers_;
  v1::ImportKnownPairsResponse* const response_;
  Principal principal_;
  // One message at a time: the reads and the worker never touch these concurrently (the next
  // read starts after the worker is done).
  v1::ImportKnownPairsRequest request_;
  uint64_t event_id_ = 0;
  uint32_t next_row_number_ = 1;
  std::unique_ptr<IdResolver> ids_;
};

}  // namespace

grpc::ServerReadReactor<v1::ImportKnownPairsRequest>* NewKnownPairsImport(
    grpc::CallbackServerContext* context, storage::Store* store, const Authenticator* auth,
    WorkerPool* workers, v1::ImportKnownPairsResponse* response) {
  return new KnownPairsImport(context, store, auth, workers, response);
}

absl::Status RemoveKnownPairs(storage::Store* store, const v1::Event& event,
                              const v1::RemoveKnownPairsRequest& request,
                              v1::RemoveKnownPairsResponse* response) {
  if (request.pairs().empty() || request.pairs_size() > kMaxKnownPairsPerMessage) {
    return absl::InvalidArgumentError(
        absl::StrCat("pairs: 1-", kMaxKnownPairsPerMessage, " pairs, got ", request.pairs_size()));
  }
  IdResolver ids(store, event.id());
  std::vector<storage::AttendeePair> pairs;
  std::vector<int> positions;
  response->mutable_removed()->Resize(request.pairs_size(), false);
  for (int i = 0; i < request.pairs_size(); ++i) {
    absl::StatusOr<storage::AttendeePair> pair = ResolvePair(&ids, request.pairs(i), event.id());
    if (pair.ok()) {
      pairs.push_back(*pair);
      positions.push_back(i);
    } else if (!absl::IsInvalidArgument(pair.status()) && !absl::IsNotFound(pair.status())) {
      return pair.status();
    }
  }
  if (pairs.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<bool>> removed = store->RemoveKnownPairs(event.id(), pairs);
  if (!removed.ok()) return removed.status();
  for (size_t k = 0; k < positions.size(); ++k) {
    response->set_removed(positions[k], (*removed)[k]);
    if ((*removed)[k]) response->set_removed_count(response->removed_count() + 1);
  }
  return absl::OkStatus();
}

}  // namespace parley::services
