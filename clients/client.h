#ifndef PARLEY_CLIENTS_CLIENT_H_
#define PARLEY_CLIENTS_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "parley/v1/admin_service.grpc.pb.h"
#include "parley/v1/agenda_service.grpc.pb.h"
#include "parley/v1/attendee_service.grpc.pb.h"
#include "parley/v1/matching_service.grpc.pb.h"
#include "parley/v1/organizer_service.grpc.pb.h"
#include "parley/v1/relationship_service.grpc.pb.h"

namespace parley::client {

struct ClientOptions {
  // gRPC target: "host:port", "dns:///host:port", "unix:///path". Default: 127.0.0.1:50051.
  std::string target = "127.0.0.1:50051";
  // Bearer token sent as `authorization: Bearer <token>` with every call; empty sends none
  // (only the health check works without one). Printable ASCII without spaces.
  std::string token;
  // TLS. Default: off (parleyd serves plaintext only on loopback unless told otherwise).
  bool use_tls = false;
  // PEM file of the CA that signed the server certificate; empty = the system's roots. Only
  // read when use_tls.
  std::string ca_cert_file;
  // Deadline of each call, counted from its start. Default: 30 s.
  absl::Duration deadline = absl::Seconds(30);
  // Largest message sent or received, in bytes. Default: 64 MiB.
  int max_message_bytes = 64 << 20;
};

struct ImportOptions {
  // Rows per stream message; the server takes at most 1000. Default: 1000.
  size_t batch_size = 1000;
  // A message is also cut before it would pass this many serialised bytes, so that rows with
  // long bios stay under the server's message limit. Default: 1 MiB.
  size_t max_batch_bytes = 1 << 20;
  // Deadline of the whole stream; zero = ClientOptions::deadline. Default: zero.
  absl::Duration deadline = absl::ZeroDuration();
};

// Fills `batch` (cleared by the caller) with the next rows to import; returns false, leaving
// `batch` empty or not, once the rows are exhausted. Batches may have any size: the client cuts
// them into stream messages by ImportOptions. An error status ends the import with that status.
using ImportRowSource = std::function<absl::StatusOr<bool>(std::vector<v1::ImportRow>* batch)>;

// Fills `batch` (cleared by the caller) with the next known pairs, at most `max_rows`; returns
// false once exhausted (KnownPairReader::Next has this shape). An error status ends the import.
using KnownPairSource =
    std::function<absl::StatusOr<bool>(std::vector<v1::KnownPairRow>* batch, size_t max_rows)>;

// Where ImportAttendees puts rows: Add() returns false once the stream has failed, and the
// caller stops adding.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual bool Add(const v1::ImportRow& row) = 0;
  // The same, taking the row's contents (no copy); `row` is left valid but unspecified.
  virtual bool Add(v1::ImportRow&& row) { return Add(static_cast<const v1::ImportRow&>(row)); }
};

// The contents of a file (a token, a CA certificate, a CSV). NOT_FOUND if it cannot be opened,
// DATA_LOSS if reading fails.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// The one place a gRPC status becomes an absl::Status: code and message are kept.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Cuts `rows` into ImportAttendeesRequests for `event_id` as ImportAttendees sends them: each
// with at most options.batch_size rows and, unless a single row is larger, at most
// options.max_batch_bytes bytes of rows. Row order is kept.
std::vector<v1::ImportAttendeesRequest> BatchImportRows(uint64_t event_id,
                                                        const std::vector<v1::ImportRow>& rows,
                                                        const ImportOptions& options);

// Called with each progress message of a matching run, in order; the last has phase DONE or
// FAILED. Return false to stop listening (the run itself continues on the server).
using RunProgressCallback = std::function<bool(const v1::MatchingRun& progress)>;

// Called with each piece of an exported CSV file, in order. An error status cancels the export
// and is returned by ExportMeetings.
using CsvChunkCallback = std::function<absl::Status(absl::string_view data)>;

// Called with my agenda as it is now, then after every change. Return false to stop watching.
using AgendaCallback = std::function<bool(const v1::Agenda& agenda)>;

// A typed client of parleyd: one method per RPC of AdminService, OrganizerService,
// AttendeeService, MatchingService, AgendaService and grpc.health.v1.Health. Each call carries the
// token as bearer metadata and the configured deadline, and returns the server's status as an
// absl::Status with the same code and message (UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND,
// INVALID_ARGUMENT, ...; DEADLINE_EXCEEDED and UNAVAILABLE come from the transport and may be
// retried).
//
// Thread-safe: all methods may be called concurrently; the client shares one channel.
class Client {
 public:
  // Creates the channel; does not wait for a connection (the first call does). INVALID_ARGUMENT
  // for an empty target or a malformed token, NOT_FOUND if ca_cert_file cannot be read.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const ClientOptions& options);

  const ClientOptions& options() const { return options_; }

  // A client with the same channel and options but another token (e.g. one per attendee of a
  // scripted crowd without a connection each). INVALID_ARGUMENT for a malformed token.
  absl::StatusOr<std::unique_ptr<Client>> WithToken(const std::string& token) const;

  // AdminService: needs the operator token.
  absl::StatusOr<v1::Community> CreateCommunity(const v1::CreateCommunityRequest& request) const;
  absl::StatusOr<v1::ListCommunitiesResponse> ListCommunities(
      const v1::ListCommunitiesRequest& request) const;
  absl::StatusOr<v1::IssuedToken> IssueOrganizerToken(
      const v1::IssueOrganizerTokenRequest& request) const;
  absl::StatusOr<v1::ListOrganizerTokensResponse> ListOrganizerTokens(
      const v1::ListOrganizerTokensRequest& request) const;
  absl::StatusOr<v1::TokenInfo> RevokeToken(const v1::RevokeTokenRequest& request) const;
  absl::StatusOr<v1::BackupResponse> Backup(const v1::BackupRequest& request) const;

  // OrganizerService: needs an organiser token; acts on the token's community.
  absl::StatusOr<v1::Event> CreateEvent(const v1::CreateEventRequest& request) const;
  absl::StatusOr<v1::Event> GetEvent(const v1::GetEventRequest& request) const;
  absl::StatusOr<v1::ListEventsResponse> ListEvents(const v1::ListEventsRequest& request) const;
  absl::StatusOr<v1::Event> UpdateEvent(const v1::UpdateEventRequest& request) const;
  absl::StatusOr<v1::Event> SetEventStatus(const v1::SetEventStatusRequest& request) const;
  absl::StatusOr<v1::Attendee> GetAttendee(const v1::GetAttendeeRequest& request) const;
  absl::StatusOr<v1::ListAttendeesResponse> ListAttendees(
      const v1::ListAttendeesRequest& request) const;
  absl::StatusOr<v1::Attendee> UpdateAttendee(const v1::UpdateAttendeeRequest& request) const;
  absl::StatusOr<v1::RemoveAttendeeResponse> RemoveAttendee(
      const v1::RemoveAttendeeRequest& request) const;
  absl::StatusOr<v1::IssuedAttendeeToken> IssueAttendeeToken(
      const v1::IssueAttendeeTokenRequest& request) const;
  absl::StatusOr<v1::IssueAttendeeTokensResponse> IssueAttendeeTokens(
      const v1::IssueAttendeeTokensRequest& request) const;

  // Streams rows to OrganizerService.ImportAttendees in messages cut as BatchImportRows does
  // and returns the server's per-row results. Row-level problems are results (REJECTED), not
  // errors; an error status means the stream failed (no such event, CLOSED event, transport,
  // deadline, or `source` failed) and rows sent before it may have been stored.
  absl::StatusOr<v1::ImportAttendeesResponse> ImportAttendees(
      uint64_t event_id, const std::vector<v1::ImportRow>& rows,
      const ImportOptions& options = ImportOptions()) const;
  // The same, moving the rows into the messages instead of copying them (`rows` is left with
  // valid but unspecified rows).
  absl::StatusOr<v1::ImportAttendeesResponse> ImportAttendees(
      uint64_t event_id, std::vector<v1::ImportRow>&& rows,
      const ImportOptions& options = ImportOptions()) const;
  absl::StatusOr<v1::ImportAttendeesResponse> ImportAttendees(
      uint64_t event_id, const ImportRowSource& source,
      const ImportOptions& options = ImportOptions()) const;

  // Uploads a registration export to OrganizerService.ImportAttendeesCsv in 1 MiB chunks; the
  // server reads and maps it (`options`: mapping, separators, strict, cancelled values,
  // dry_run, sync). The client never parses the file.
  absl::StatusOr<v1::ImportAttendeesCsvResponse> ImportAttendeesCsv(
      uint64_t event_id, absl::string_view data, const v1::CsvImportOptions& options,
      absl::Duration deadline) const;
  // Streams pairs to OrganizerService.ImportKnownPairs, 5000 rows per message (the server's
  // limit), and returns the server's per-row results. Row-level problems (unknown external_id)
  // are results (REJECTED); an error status means the stream failed (no such event, CLOSED
  // event, transport, deadline, or `source` failed) and messages sent before it may have been
  // stored. `deadline` bounds the whole stream (zero = ClientOptions::deadline).
  absl::StatusOr<v1::ImportKnownPairsResponse> ImportKnownPairs(
      uint64_t event_id, const KnownPairSource& source,
      absl::Duration deadline = absl::ZeroDuration()) const;
  absl::StatusOr<v1::ImportKnownPairsResponse> ImportKnownPairs(
      uint64_t event_id, const std::vector<v1::KnownPairRow>& rows,
      absl::Duration deadline = absl::ZeroDuration()) const;
  absl::StatusOr<v1::RemoveKnownPairsResponse> RemoveKnownPairs(
      const v1::RemoveKnownPairsRequest& request) const;

  // AttendeeService: needs an attendee token; acts on the token's attendee.
  absl::StatusOr<v1::MyProfile> GetMyProfile(const v1::GetMyProfileRequest& request) const;
  absl::StatusOr<v1::MyProfile> UpdateMyProfile(const v1::UpdateMyProfileRequest& request) const;
  absl::StatusOr<v1::MyData> ExportMyData(const v1::ExportMyDataRequest& request) const;

  // MatchingService: needs an organiser token; acts on events of the token's community.
  //
  // Starts a run and calls `on_progress` (if set) with each phase message; returns the last
  // message received, normally in phase DONE or FAILED (a FAILED run is a result, not an error
  // status: see MatchingRun.error). If `on_progress` returns false the call stops listening and
  // returns that message; the run goes on in the server. `deadline` bounds the whole stream
  // (zero = ClientOptions::deadline). FAILED_PRECONDITION if a run of the event is in progress
  // or the event cannot be matched (DRAFT, CLOSED, no slots or locations); INTERNAL if the
  // stream ended without any message.
  absl::StatusOr<v1::MatchingRun> StartMatchingRun(
      const v1::StartMatchingRunRequest& request,
      const RunProgressCallback& on_progress = RunProgressCallback(),
      absl::Duration deadline = absl::ZeroDuration()) const;
  absl::StatusOr<v1::MatchingRun> GetMatchingRun(const v1::GetMatchingRunRequest& request) const;
  absl::StatusOr<v1::GetQualityReportResponse> GetQualityReport(
      const v1::GetQualityReportRequest& request) const;
  absl::StatusOr<v1::ListMeetingsResponse> ListMeetings(
      const v1::ListMeetingsRequest& request) const;
  absl::StatusOr<v1::Event> PublishSchedule(const v1::PublishScheduleRequest& request) const;
  // Streams the event's meetings as CSV: `on_chunk` gets each piece in order (header first).
  // If it fails, the call is cancelled and its status returned; chunks already delivered stay
  // delivered. `deadline` bounds the whole stream (zero = ClientOptions::deadline).
  absl::Status ExportMeetings(const v1::ExportMeetingsRequest& request,
                              const CsvChunkCallback& on_chunk,
                              absl::Duration deadline = absl::ZeroDuration()) const;
  // As above, writing the CSV to `out`; DATA_LOSS if writing to `out` fails.
  absl::Status ExportMeetings(const v1::ExportMeetingsRequest& request, std::ostream* out,
                              absl::Duration deadline = absl::ZeroDuration()) const;
  absl::StatusOr<v1::Calendar> GetAttendeeCalendar(
      const v1::GetAttendeeCalendarRequest& request) const;

  // AgendaService: needs an attendee token; acts on the token's attendee.
  absl::StatusOr<v1::ListMySuggestionsResponse> ListMySuggestions(
      const v1::ListMySuggestionsRequest& request) const;
  // NOT_FOUND for a meeting that is not mine, FAILED_PRECONDITION if it is no longer open,
  // ABORTED if a concurrent change won (the caller may retry).
  absl::StatusOr<v1::Proposal> RespondToProposal(const v1::RespondToProposalRequest& request) const;
  absl::StatusOr<v1::Agenda> GetMyAgenda(const v1::GetMyAgendaRequest& request) const;
  // Calls `on_update` with my agenda now and after every change until it returns false (then
  // the call is cancelled and OK is returned) or the stream ends. `deadline` bounds the whole
  // watch (zero = ClientOptions::deadline): reaching it returns DEADLINE_EXCEEDED.
  absl::Status WatchMyAgenda(const v1::GetMyAgendaRequest& request, const AgendaCallback& on_update,
                             absl::Duration deadline = absl::ZeroDuration()) const;
  absl::StatusOr<v1::ListMySuggestionsResponse> RequestMoreSuggestions(
      const v1::RequestMoreSuggestionsRequest& request) const;
  absl::StatusOr<v1::Proposal> CancelMeeting(const v1::CancelMeetingRequest& request) const;
  absl::StatusOr<v1::Calendar> GetMyCalendar(const v1::GetMyCalendarRequest& request) const;

  // RelationshipService (relationship_service.proto): an attendee token, except GetAnalytics
  // (an organiser token).
  absl::StatusOr<v1::Feedback> RecordFeedback(const v1::RecordFeedbackRequest& request) const;
  absl::StatusOr<v1::ListMyFeedbackResponse> ListMyFeedback(
      const v1::ListMyFeedbackRequest& request) const;
  absl::StatusOr<v1::Introduction> Introduce(const v1::IntroduceRequest& request) const;
  absl::StatusOr<v1::ListMyIntroductionsResponse> ListMyIntroductions(
      const v1::ListMyIntroductionsRequest& request) const;
  absl::StatusOr<v1::Introduction> RespondToIntroduction(
      const v1::RespondToIntroductionRequest& request) const;
  absl::StatusOr<v1::IntroductionRequest> AskForIntroductions(
      const v1::AskForIntroductionsRequest& request) const;
  absl::StatusOr<v1::ListIntroductionRequestsResponse> ListIntroductionRequests(
      const v1::ListIntroductionRequestsRequest& request) const;
  absl::StatusOr<v1::WhoElseShouldIMeetResponse> WhoElseShouldIMeet(
      const v1::WhoElseShouldIMeetRequest& request) const;
  absl::StatusOr<v1::ListMyWishesResponse> AddWish(const v1::WishRequest& request) const;
  absl::StatusOr<v1::ListMyWishesResponse> RemoveWish(const v1::WishRequest& request) const;
  absl::StatusOr<v1::ListMyWishesResponse> ListMyWishes(
      const v1::ListMyWishesRequest& request) const;
  absl::StatusOr<v1::GetAnalyticsResponse> GetAnalytics(
      const v1::GetAnalyticsRequest& request) const;

  // grpc.health.v1.Health/Check; no token needed. An empty service asks about the server.
  absl::StatusOr<grpc::health::v1::HealthCheckResponse> Check(
      const grpc::health::v1::HealthCheckRequest& request) const;

 private:
  explicit Client(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel);

  // Adds the token and a deadline `deadline` from now (options_.deadline if zero).
  void PrepareContext(grpc::ClientContext* context,
                      absl::Duration deadline = absl::ZeroDuration()) const;

  // Opens the stream, lets `feed` add rows, and finishes the call. An error from `feed` cancels
  // the call and is returned.
  absl::StatusOr<v1::ImportAttendeesResponse> StreamImport(
      uint64_t event_id, const ImportOptions& options,
      const std::function<absl::Status(RowSink*)>& feed) const;

  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Unary(Stub* stub,
                                 grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                              Response*),
                                 const Request& request) const;

  const ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::OrganizerService::Stub> organizer_;
  std::unique_ptr<v1::AttendeeService::Stub> attendee_;
  std::unique_ptr<v1::MatchingService::Stub> matching_;
  std::unique_ptr<v1::AgendaService::Stub> agenda_;
  std::unique_ptr<v1::RelationshipService::Stub> relationships_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

}  // namespace parley::client

#endif  // PARLEY_CLIENTS_CLIENT_H_
