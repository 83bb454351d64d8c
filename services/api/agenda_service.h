#ifndef PARLEY_SERVICES_AGENDA_SERVICE_H_
#define PARLEY_SERVICES_AGENDA_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "parley/v1/agenda_service.grpc.pb.h"
#include "services/api/async_stream.h"
#include "services/auth/auth.h"
#include "services/live/live_agendas.h"
#include "storage/store.h"
#include "storage/store_versions.h"

namespace parley::services {

// The serialized answers of GetMyAgenda and ListMySuggestions, per attendee. An entry remembers
// the storage::StoreVersions clock from before its reads and the records it was built from: the
// event, the attendee (profile, budget, meetings) and each partner shown (public profile). Every
// write that could change the view bumps one of them (StoreVersions hears every commit of the
// store), so a stale entry is never served: it is rebuilt by the next call.
// Memory: the values total at most kMaxBytes (plus ~150 bytes per entry); a Put that would
// exceed it empties the cache first. The views of one attendee are a few KB (a profile per
// partner): both views of every attendee of a 150,000-attendee event take ~510 MB (1.7 KB
// each), which the bound must hold, or the cache empties itself over and over and most reads
// build their view again.
// Thread-safe. Without `versions` nothing is cached.
class AgendaViewCache {
 public:
  static constexpr size_t kMaxBytes = 1024u << 20;
  enum class Kind { kAgenda, kSuggestions };

  explicit AgendaViewCache(const storage::StoreVersions* versions) : versions_(versions) {}

  bool enabled() const { return versions_ != nullptr; }
  // Entries held (current or stale), for tests.
  size_t size() const {
    absl::MutexLock lock(&mu_);
    return entries_.size();
  }
  // The clock to pass to Put for a view built from reads that start now.
  uint64_t Now() const { return versions_ == nullptr ? 0 : versions_->Now(); }
  // The bytes if an entry is cached and still current, else null.
  std::shared_ptr<const std::string> Get(Kind kind, uint64_t event_id, uint64_t attendee_id);
  void Put(Kind kind, uint64_t event_id, uint64_t attendee_id, uint64_t built_at,
           const std::vector<uint64_t>& partners, std::shared_ptr<const std::string> bytes);

 private:
  using Key = std::tuple<int, uint64_t, uint64_t>;  // kind, event, attendee
  struct Entry {
    uint64_t built_at;
    std::vector<storage::RecordKey> records;  // the event, the attendee, the partners shown
    std::shared_ptr<const std::string> bytes;
  };

  const storage::StoreVersions* const versions_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<Key, Entry> entries_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// GetMyAgenda and ListMySuggestions answer from AgendaViewCache, as raw bytes; WatchMyAgenda's
// streams are served on completion queues of their own (async_stream.h: why); the other
// methods are ordinary callback methods.
using AgendaServiceBase = v1::AgendaService::WithRawCallbackMethod_ListMySuggestions<
    v1::AgendaService::WithCallbackMethod_RespondToProposal<
        v1::AgendaService::WithRawCallbackMethod_GetMyAgenda<
            v1::AgendaService::WithAsyncMethod_WatchMyAgenda<
                v1::AgendaService::WithCallbackMethod_RequestMoreSuggestions<
                    v1::AgendaService::WithCallbackMethod_CancelMeeting<
                        v1::AgendaService::WithCallbackMethod_GetMyCalendar<
                            v1::AgendaService::WithCallbackMethod_CreateCalendarFeed<
                                v1::AgendaService::WithCallbackMethod_ListCalendarFeeds<
                                    v1::AgendaService::WithCallbackMethod_RevokeCalendarFeed<
                                        v1::AgendaService::Service>>>>>>>>>>;

// The attendee's side of matching (see agenda_service.proto). The attendee is the token's; a
// meeting that is not theirs is NOT_FOUND. Answers and cancellations are read-modify-writes of
// one meeting under the store's write lock (Store::MutateMeeting), so racing clients cannot
// double-book or lose an update; confirming re-checks that neither attendee already has a
// confirmed meeting in the slot. Repairs after a decline, cancellation or expiry run on
// LiveAgendas' repair thread.
// My agenda and my suggestions are cached (AgendaViewCache) when `versions` is given: it must be
// a storage::StoreVersions registered as a commit listener of `store`.
// Reads of my agenda, suggestions and calendar answer on gRPC's thread (cached views, point
// reads); answers, cancellations and feed changes (fsync'd writes) run on `workers`; a watch
// starts on its queue's thread (ServeWatches) and its agendas are read on the notifying thread.
// Thread-safe. `store`, `auth`, `workers`, `live` and `versions` are not owned and must outlive
// the server this service is registered with.
class AgendaService final : public AgendaServiceBase {
 public:
  AgendaService(storage::Store* store, const Authenticator* auth, WorkerPool* workers,
                LiveAgendas* live, const storage::StoreVersions* versions = nullptr)
      : store_(store), auth_(auth), workers_(workers), live_(live), views_(versions) {}

  // Requests and responses are a ListMySuggestionsRequest and a ListMySuggestionsResponse.
  grpc::ServerUnaryReactor* ListMySuggestions(grpc::CallbackServerContext* context,
                                              const grpc::ByteBuffer* request,
                                              grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RespondToProposal(grpc::CallbackServerContext* context,
                                              const v1::RespondToProposalRequest* request,
                                              v1::Proposal* response) override;
  // Requests and responses are a GetMyAgendaRequest and an Agenda.
  grpc::ServerUnaryReactor* GetMyAgenda(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RequestMoreSuggestions(
      grpc::CallbackServerContext* context, const v1::RequestMoreSuggestionsRequest* request,
      v1::ListMySuggestionsResponse* response) override;
  grpc::ServerUnaryReactor* CancelMeeting(grpc::CallbackServerContext* context,
                                          const v1::CancelMeetingRequest* request,
                                          v1::Proposal* response) override;
  grpc::ServerUnaryReactor* GetMyCalendar(grpc::CallbackServerContext* context,
                                          const v1::GetMyCalendarRequest* request,
                                          v1::Calendar* response) override;
  // Calendar feed tokens: at most domain::kMaxCalendarFeeds not revoked per attendee.
  grpc::ServerUnaryReactor* CreateCalendarFeed(grpc::CallbackServerContext* context,
                                               const v1::CreateCalendarFeedRequest* request,
                                               v1::IssuedCalendarFeed* response) override;
  grpc::ServerUnaryReactor* ListCalendarFeeds(grpc::CallbackServerContext* context,
                                              const v1::ListCalendarFeedsRequest* request,
                                              v1::ListCalendarFeedsResponse* response) override;
  grpc::ServerUnaryReactor* RevokeCalendarFeed(grpc::CallbackServerContext* context,
                                               const v1::RevokeCalendarFeedRequest* request,
                                               v1::TokenInfo* response) override;

  // Serves WatchMyAgenda on `queues` (started; not owned; shut down after the server, which
  // ends every watch): waits for kWatchCallsAwaited calls on each queue at a time, so that a
  // burst of new watchers is taken without waiting for the queue's thread between calls.
  // Call once, after the server this service is registered with has started.
  static constexpr int kWatchCallsAwaited = 8;
  void ServeWatches(CompletionQueues* queues);

  // Builds and caches the agenda and suggestions of every attendee of the event that has none
  // cached (after a run, so that no read pays for a cold view), unless the event has more than
  // kWarmMaxAttendees attendees. Blocks for what building them takes (~0.1 ms per view); call it
  // off gRPC's threads. No-op without a cache.
  // Returns early (OK, with what was built so far cached) once StopWarming was called.
  static constexpr size_t kWarmMaxAttendees = 150000;
  absl::Status WarmViews(uint64_t event_id);
  // Makes WarmViews calls in progress and later ones return early: a shutdown does not wait for
  // views nobody will read. Thread-safe.
  void StopWarming() { stop_warming_.store(true, std::memory_order_relaxed); }
  // Views cached (tests).
  size_t cached_views() const { return views_.size(); }

 private:
  class Watch;
  struct Caller {
    Principal who;
    v1::Event event;
  };
  // The caller's calendar feed tokens (revoked ones too), by token_id.
  absl::StatusOr<std::vector<v1::TokenInfo>> MyFeeds(const Caller& caller) const;
  // Serialises counting and issuing feeds, so that concurrent calls cannot pass the limit.
  absl::Mutex feeds_mu_;
  absl::StatusOr<Caller> Authorize(const grpc::ServerContextBase& context,
                                   absl::string_view method) const;
  // Fills the nothing_new fields of RequestMoreSuggestions' empty answer (domain rule:
  // services::ExplainNothingNew). Store errors as returned.
  absl::Status ExplainNothingNew(const Caller& caller,
                                 v1::ListMySuggestionsResponse* response) const;
  // Read-modify-write of my meeting; NOT_FOUND if it is not mine. Returns it as I see it;
  // `*was_changed` says whether anything was written.
  absl::StatusOr<v1::Proposal> Change(const Caller& caller, uint64_t meeting_id,
                                      const std::function<absl::Status(v1::Meeting*)>& change,
                                      v1::Meeting* stored, bool* was_changed = nullptr);
  // The caller's agenda or suggestions, serialized, from the cache or built (and cached).
  // `method` is the full method name ("/parley.v1.AgendaService/GetMyAgenda").
  absl::Status MyView(AgendaViewCache::Kind kind, const grpc::CallbackServerContext& context,
                      absl::string_view method, grpc::ByteBuffer* response);
  // Builds one view and caches it.
  absl::StatusOr<std::shared_ptr<const std::string>> BuildView(AgendaViewCache::Kind kind,
                                                               const v1::Event& event, uint64_t me,
                                                               uint64_t built_at);

  storage::Store* const store_;
  const Authenticator* const auth_;
  WorkerPool* const workers_;
  LiveAgendas* const live_;
  AgendaViewCache views_;
  std::atomic<bool> stop_warming_{false};
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_AGENDA_SERVICE_H_
