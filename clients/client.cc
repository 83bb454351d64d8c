#include "clients/client.h"

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/sync_stream.h"

namespace parley::client {
namespace {

// Collects rows into the wire bytes of stream messages (ImportAttendeesRequest) and hands each
// full one to `emit`; once `emit` fails the rest is dropped. Each row is measured and serialised
// once, as it is added: handing gRPC a message would measure all of it again before
// serialising it, a visible share of the client's time on a large import.
class RowBatcher : public RowSink {
 public:
  // May take the bytes.
  using Emit = std::function<bool(std::string* message)>;
  RowBatcher(uint64_t event_id, const ImportOptions& options, Emit emit)
      : options_(options), emit_(std::move(emit)) {
    if (options_.batch_size == 0) options_.batch_size = 1;
    v1::ImportAttendeesRequest header;
    header.set_event_id(event_id);
    header_ = header.SerializeAsString();
    pending_ = header_;
  }

  // False once a message could not be emitted.
  bool Add(const v1::ImportRow& row) override {
    if (failed_) return false;
    const size_t row_bytes = row.ByteSizeLong();
    if (rows_ > 0 && bytes_ + row_bytes > options_.max_batch_bytes && !Flush()) return false;
    // Field 2 of ImportAttendeesRequest (rows), length-delimited, as protobuf would write it.
    using google::protobuf::io::CodedOutputStream;
    const uint32_t tag = google::protobuf::internal::WireFormatLite::MakeTag(
        v1::ImportAttendeesRequest::kRowsFieldNumber,
        google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    const size_t at = pending_.size();
    pending_.resize(at + CodedOutputStream::VarintSize32(tag) +
                    CodedOutputStream::VarintSize32(static_cast<uint32_t>(row_bytes)) + row_bytes);
    auto* out = reinterpret_cast<uint8_t*>(&pending_[at]);
    out = CodedOutputStream::WriteVarint32ToArray(tag, out);
    out = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(row_bytes), out);
    row.SerializeWithCachedSizesToArray(out);  // the sizes ByteSizeLong just cached
    ++rows_;
    bytes_ += row_bytes;
    if (rows_ >= options_.batch_size) return Flush();
    return true;
  }

  bool Flush() {
    if (failed_) return false;
    if (rows_ == 0) return true;
    failed_ = !emit_(&pending_);
    pending_ = header_;
    rows_ = 0;
    bytes_ = 0;
    return !failed_;
  }

  bool failed() const { return failed_; }

 private:
  ImportOptions options_;
  Emit emit_;
  std::string header_;   // the event_id field that starts every message
  std::string pending_;  // header_, then rows_ rows
  size_t rows_ = 0;
  size_t bytes_ = 0;  // serialised bytes of the pending rows, without their framing
  bool failed_ = false;
};

// The bytes of `message` as one gRPC payload, without copying them.
grpc::ByteBuffer ToByteBuffer(std::string* message) {
  auto* owned = new std::string(std::move(*message));
  grpc::Slice slice(
      owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

// INVALID_ARGUMENT unless `token` can travel as a header value.
absl::Status CheckToken(const std::string& token) {
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(
          "token: must be printable ASCII without spaces (is it the right file?)");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  return contents.str();
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // Both use the canonical code numbering.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::vector<v1::ImportAttendeesRequest> BatchImportRows(uint64_t event_id,
                                                        const std::vector<v1::ImportRow>& rows,
                                                        const ImportOptions& options) {
  std::vector<v1::ImportAttendeesRequest> batches;
  RowBatcher batcher(event_id, options, [&](std::string* message) {
    return batches.emplace_back().ParseFromString(*message);
  });
  for (const v1::ImportRow& row : rows) batcher.Add(row);
  batcher.Flush();
  return batches;
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
  if (options.target.empty()) return absl::InvalidArgumentError("target: empty server address");
  absl::Status token = CheckToken(options.token);
  if (!token.ok()) return token;
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("deadline: must be positive");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.use_tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_cert_file.empty()) {
      absl::StatusOr<std::string> pem = ReadFileToString(options.ca_cert_file);
      if (!pem.ok()) return pem.status();
      ssl.pem_root_certs = *std::move(pem);
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.target, credentials, args);
  if (channel == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create a channel to ", options.target));
  }
  return std::unique_ptr<Client>(new Client(options, std::move(channel)));
}

Client::Client(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel)
    : options_(options),
      channel_(std::move(channel)),
      admin_(v1::AdminService::NewStub(channel_)),
      organizer_(v1::OrganizerService::NewStub(channel_)),
      attendee_(v1::AttendeeService::NewStub(channel_)),
      matching_(v1::MatchingService::NewStub(channel_)),
      agenda_(v1::AgendaService::NewStub(channel_)),
      relationships_(v1::RelationshipService::NewStub(channel_)),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

absl::StatusOr<std::unique_ptr<Client>> Client::WithToken(const std::string& token) const {
  absl::Status checked = CheckToken(token);
  if (!checked.ok()) return checked;
  ClientOptions options = options_;
  options.token = token;
  return std::unique_ptr<Client>(new Client(options, channel_));
}

void Client::PrepareContext(grpc::ClientContext* context, absl::Duration deadline) const {
  if (deadline <= absl::ZeroDuration()) deadline = options_.deadline;
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(deadline));
  if (!options_.token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  }
}

template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Client::Unary(Stub* stub,
                                       grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, Response*),
                                       const Request& request) const {
  grpc::ClientContext context;
  PrepareContext(&context);
  Response response;
  grpc::Status status = (stub->*method)(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::Community> Client::CreateCommunity(
    const v1::CreateCommunityRequest& request) const {
  return Unary(admin_.get(), &v1::AdminService::Stub::CreateCommunity, request);
}

absl::StatusOr<v1::ListCommunitiesResponse> Client::ListCommunities(
    const v1::ListCommunitiesRequest& request) const {
  return Unary(admin_.get(), &v1::AdminService::Stub::ListCommunities, request);
}

absl::StatusOr<v1::BackupResponse> Client::Backup(const v1::BackupRequest& request) const {
  return Unary(admin_.get(), &v1::AdminService::Stub::Backup, request);
}

absl::StatusOr<v1::IssuedToken> Client::IssueOrganizerToken(
    const v1::IssueOrganizerTokenRequest& request) const {
  return Unary(admin_.get(), &v1::AdminService::Stub::IssueOrganizerToken, request);
}

absl::StatusOr<v1::ListOrganizerTokensResponse> Client::ListOrganizerTokens(
    const v1::ListOrganizerTokensRequest& request) const {
  return Unary(admin_.get(), &v1::AdminService::Stub::ListOrganizerTokens, request);
}

absl::StatusOr<v1::TokenInfo> Client::RevokeToken(const v1::RevokeTokenRequest& request) const {
  return Unary(admin_.get(), &v1::AdminService::Stub::RevokeToken, request);
}

absl::StatusOr<v1::Event> Client::CreateEvent(const v1::CreateEventRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::CreateEvent, request);
}

absl::StatusOr<v1::Event> Client::GetEvent(const v1::GetEventRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::GetEvent, request);
}

absl::StatusOr<v1::ListEventsResponse> Client::ListEvents(
    const v1::ListEventsRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::ListEvents, request);
}

absl::StatusOr<v1::Event> Client::UpdateEvent(const v1::UpdateEventRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::UpdateEvent, request);
}

absl::StatusOr<v1::Event> Client::SetEventStatus(const v1::SetEventStatusRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::SetEventStatus, request);
}

absl::StatusOr<v1::Attendee> Client::GetAttendee(const v1::GetAttendeeRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::GetAttendee, request);
}

absl::StatusOr<v1::ListAttendeesResponse> Client::ListAttendees(
    const v1::ListAttendeesRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::ListAttendees, request);
}

absl::StatusOr<v1::Attendee> Client::UpdateAttendee(
    const v1::UpdateAttendeeRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::UpdateAttendee, request);
}

absl::StatusOr<v1::RemoveAttendeeResponse> Client::RemoveAttendee(
    const v1::RemoveAttendeeRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::RemoveAttendee, request);
}

absl::StatusOr<v1::IssueAttendeeTokensResponse> Client::IssueAttendeeTokens(
    const v1::IssueAttendeeTokensRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::IssueAttendeeTokens, request);
}

absl::StatusOr<v1::IssuedAttendeeToken> Client::IssueAttendeeToken(
    const v1::IssueAttendeeTokenRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::IssueAttendeeToken, request);
}

absl::StatusOr<v1::ImportAttendeesResponse> Client::ImportAttendees(
    uint64_t event_id, const std::vector<v1::ImportRow>& rows, const ImportOptions& options) const {
  return StreamImport(event_id, options, [&](RowSink* sink) -> absl::Status {
    for (const v1::ImportRow& row : rows) {
      if (!sink->Add(row)) break;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::ImportAttendeesResponse> Client::ImportAttendees(
    uint64_t event_id, std::vector<v1::ImportRow>&& rows, const ImportOptions& options) const {
  return StreamImport(event_id, options, [&](RowSink* sink) -> absl::Status {
    for (v1::ImportRow& row : rows) {
      if (!sink->Add(std::move(row))) break;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::ImportAttendeesResponse> Client::ImportAttendees(
    uint64_t event_id, const ImportRowSource& source, const ImportOptions& options) const {
  return StreamImport(event_id, options, [&](RowSink* sink) -> absl::Status {
    std::vector<v1::ImportRow> batch;
    while (true) {
      batch.clear();
      absl::StatusOr<bool> more = source(&batch);
      if (!more.ok()) return more.status();
      for (v1::ImportRow& row : batch) {
        if (!sink->Add(std::move(row))) return absl::OkStatus();
      }
      if (!*more) return absl::OkStatus();
    }
  });
}

absl::StatusOr<v1::ImportAttendeesResponse> Client::StreamImport(
    uint64_t event_id, const ImportOptions& options,
    const std::function<absl::Status(RowSink*)>& feed) const {
  grpc::ClientContext context;
  PrepareContext(&context, options.deadline);
  v1::ImportAttendeesResponse response;
  // The generated stub's writer, but for messages RowBatcher serialised already (the stub's
  // ImportAttendees() is this same call with a typed writer).
  static const std::string* const kMethod = new std::string(
      absl::StrCat("/", v1::OrganizerService::service_full_name(), "/ImportAttendees"));
  const grpc::internal::RpcMethod method(kMethod->c_str(),
                                         grpc::internal::RpcMethod::CLIENT_STREAMING);
  std::unique_ptr<grpc::ClientWriter<grpc::ByteBuffer>> writer(
      grpc::internal::ClientWriterFactory<grpc::ByteBuffer>::Create(channel_.get(), method,
                                                                    &context, &response));
  // A failed write means the server ended the call; Finish() says why.
  RowBatcher batcher(event_id, options,
                     [&](std::string* message) { return writer->Write(ToByteBuffer(message)); });
  absl::Status fed = feed(&batcher);
  if (!fed.ok()) {
    context.TryCancel();
    writer->Finish();
    return fed;
  }
  if (batcher.Flush()) writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::ImportAttendeesCsvResponse> Client::ImportAttendeesCsv(
    uint64_t event_id, absl::string_view data, const v1::CsvImportOptions& options,
    absl::Duration deadline) const {
  constexpr size_t kChunkBytes = size_t{1} << 20;  // the server's limit per message
  grpc::ClientContext context;
  PrepareContext(&context, deadline);
  v1::ImportAttendeesCsvResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::ImportAttendeesCsvRequest>> writer =
      organizer_->ImportAttendeesCsv(&context, &response);
  v1::ImportAttendeesCsvRequest request;
  request.set_event_id(event_id);
  *request.mutable_options() = options;
  size_t pos = 0;
  do {
    request.set_data(std::string(data.substr(pos, kChunkBytes)));
    pos += kChunkBytes;
    if (!writer->Write(request)) break;  // the server ended the call; Finish() says why
    request.Clear();
  } while (pos < data.size());
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::ImportKnownPairsResponse> Client::ImportKnownPairs(
    uint64_t event_id, const KnownPairSource& source, absl::Duration deadline) const {
  constexpr size_t kRowsPerMessage = 5000;  // the server's limit
  grpc::ClientContext context;
  PrepareContext(&context, deadline);
  v1::ImportKnownPairsResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::ImportKnownPairsRequest>> writer =
      organizer_->ImportKnownPairs(&context, &response);
  std::vector<v1::KnownPairRow> batch;
  bool more = true;
  while (more) {
    batch.clear();
    absl::StatusOr<bool> next = source(&batch, kRowsPerMessage);
    if (!next.ok()) {
      context.TryCancel();
      writer->Finish();
      return next.status();
    }
    more = *next;
    if (batch.empty()) continue;
    v1::ImportKnownPairsRequest request;
    request.set_event_id(event_id);
    for (v1::KnownPairRow& row : batch) *request.add_rows() = std::move(row);
    if (!writer->Write(request)) break;  // the server ended the call; Finish() says why
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::ImportKnownPairsResponse> Client::ImportKnownPairs(
    uint64_t event_id, const std::vector<v1::KnownPairRow>& rows, absl::Duration deadline) const {
  size_t next = 0;
  return ImportKnownPairs(
      event_id,
      [&](std::vector<v1::KnownPairRow>* batch, size_t max_rows) -> absl::StatusOr<bool> {
        for (; next < rows.size() && batch->size() < max_rows; ++next) batch->push_back(rows[next]);
        return next < rows.size();
      },
      deadline);
}

absl::StatusOr<v1::RemoveKnownPairsResponse> Client::RemoveKnownPairs(
    const v1::RemoveKnownPairsRequest& request) const {
  return Unary(organizer_.get(), &v1::OrganizerService::Stub::RemoveKnownPairs, request);
}

absl::StatusOr<v1::MyProfile> Client::GetMyProfile(const v1::GetMyProfileRequest& request) const {
  return Unary(attendee_.get(), &v1::AttendeeService::Stub::GetMyProfile, request);
}

absl::StatusOr<v1::MyProfile> Client::UpdateMyProfile(
    const v1::UpdateMyProfileRequest& request) const {
  return Unary(attendee_.get(), &v1::AttendeeService::Stub::UpdateMyProfile, request);
}

absl::StatusOr<v1::MyData> Client::ExportMyData(const v1::ExportMyDataRequest& request) const {
  return Unary(attendee_.get(), &v1::AttendeeService::Stub::ExportMyData, request);
}

absl::StatusOr<v1::MatchingRun> Client::StartMatchingRun(const v1::StartMatchingRunRequest& request,
                                                         const RunProgressCallback& on_progress,
                                                         absl::Duration deadline) const {
  grpc::ClientContext context;
  PrepareContext(&context, deadline);
  std::unique_ptr<grpc::ClientReader<v1::MatchingRun>> reader =
      matching_->StartMatchingRun(&context, request);
  v1::MatchingRun message;
  std::optional<v1::MatchingRun> last;
  bool stopped = false;
  while (reader->Read(&message)) {
    last = message;
    if (on_progress && !on_progress(message)) {
      stopped = true;
      context.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (stopped) return *std::move(last);
  if (!status.ok()) return FromGrpcStatus(status);
  if (!last.has_value()) {
    return absl::InternalError(
        absl::StrCat("matching run of event ", request.event_id(), ": the stream was empty"));
  }
  return *std::move(last);
}

absl::StatusOr<v1::MatchingRun> Client::GetMatchingRun(
    const v1::GetMatchingRunRequest& request) const {
  return Unary(matching_.get(), &v1::MatchingService::Stub::GetMatchingRun, request);
}

absl::StatusOr<v1::GetQualityReportResponse> Client::GetQualityReport(
    const v1::GetQualityReportRequest& request) const {
  return Unary(matching_.get(), &v1::MatchingService::Stub::GetQualityReport, request);
}

absl::StatusOr<v1::ListMeetingsResponse> Client::ListMeetings(
    const v1::ListMeetingsRequest& request) const {
  return Unary(matching_.get(), &v1::MatchingService::Stub::ListMeetings, request);
}

absl::StatusOr<v1::Event> Client::PublishSchedule(const v1::PublishScheduleRequest& request) const {
  return Unary(matching_.get(), &v1::MatchingService::Stub::PublishSchedule, request);
}

absl::Status Client::ExportMeetings(const v1::ExportMeetingsRequest& request,
                                    const CsvChunkCallback& on_chunk,
                                    absl::Duration deadline) const {
  grpc::ClientContext context;
  PrepareContext(&context, deadline);
  std::unique_ptr<grpc::ClientReader<v1::CsvChunk>> reader =
      matching_->ExportMeetings(&context, request);
  v1::CsvChunk chunk;
  absl::Status delivered;
  while (reader->Read(&chunk)) {
    delivered = on_chunk(chunk.data());
    if (!delivered.ok()) {
      context.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (!delivered.ok()) return delivered;
  return FromGrpcStatus(status);
}

absl::Status Client::ExportMeetings(const v1::ExportMeetingsRequest& request, std::ostream* out,
                                    absl::Duration deadline) const {
  return ExportMeetings(
      request,
      [out](absl::string_view data) -> absl::Status {
        out->write(data.data(), static_cast<std::streamsize>(data.size()));
        if (!*out) return absl::DataLossError("writing the exported CSV failed");
        return absl::OkStatus();
      },
      deadline);
}

absl::StatusOr<v1::Calendar> Client::GetAttendeeCalendar(
    const v1::GetAttendeeCalendarRequest& request) const {
  return Unary(matching_.get(), &v1::MatchingService::Stub::GetAttendeeCalendar, request);
}

absl::StatusOr<v1::ListMySuggestionsResponse> Client::ListMySuggestions(
    const v1::ListMySuggestionsRequest& request) const {
  return Unary(agenda_.get(), &v1::AgendaService::Stub::ListMySuggestions, request);
}

absl::StatusOr<v1::Proposal> Client::RespondToProposal(
    const v1::RespondToProposalRequest& request) const {
  return Unary(agenda_.get(), &v1::AgendaService::Stub::RespondToProposal, request);
}

absl::StatusOr<v1::Agenda> Client::GetMyAgenda(const v1::GetMyAgendaRequest& request) const {
  return Unary(agenda_.get(), &v1::AgendaService::Stub::GetMyAgenda, request);
}

absl::Status Client::WatchMyAgenda(const v1::GetMyAgendaRequest& request,
                                   const AgendaCallback& on_update, absl::Duration deadline) const {
  grpc::ClientContext context;
  PrepareContext(&context, deadline);
  std::unique_ptr<grpc::ClientReader<v1::Agenda>> reader =
      agenda_->WatchMyAgenda(&context, request);
  v1::Agenda agenda;
  while (reader->Read(&agenda)) {
    if (!on_update(agenda)) {
      context.TryCancel();
      reader->Finish();
      return absl::OkStatus();
    }
  }
  return FromGrpcStatus(reader->Finish());
}

absl::StatusOr<v1::ListMySuggestionsResponse> Client::RequestMoreSuggestions(
    const v1::RequestMoreSuggestionsRequest& request) const {
  return Unary(agenda_.get(), &v1::AgendaService::Stub::RequestMoreSuggestions, request);
}

absl::StatusOr<v1::Proposal> Client::CancelMeeting(const v1::CancelMeetingRequest& request) const {
  return Unary(agenda_.get(), &v1::AgendaService::Stub::CancelMeeting, request);
}

absl::StatusOr<v1::Calendar> Client::GetMyCalendar(const v1::GetMyCalendarRequest& request) const {
  return Unary(agenda_.get(), &v1::AgendaService::Stub::GetMyCalendar, request);
}

absl::StatusOr<v1::Feedback> Client::RecordFeedback(
    const v1::RecordFeedbackRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::RecordFeedback, request);
}

absl::StatusOr<v1::ListMyFeedbackResponse> Client::ListMyFeedback(
    const v1::ListMyFeedbackRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::ListMyFeedback, request);
}

absl::StatusOr<v1::Introduction> Client::Introduce(const v1::IntroduceRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::Introduce, request);
}

absl::StatusOr<v1::ListMyIntroductionsResponse> Client::ListMyIntroductions(
    const v1::ListMyIntroductionsRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::ListMyIntroductions, request);
}

absl::StatusOr<v1::Introduction> Client::RespondToIntroduction(
    const v1::RespondToIntroductionRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::RespondToIntroduction,
               request);
}

absl::StatusOr<v1::IntroductionRequest> Client::AskForIntroductions(
    const v1::AskForIntroductionsRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::AskForIntroductions, request);
}

absl::StatusOr<v1::ListIntroductionRequestsResponse> Client::ListIntroductionRequests(
    const v1::ListIntroductionRequestsRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::ListIntroductionRequests,
               request);
}

absl::StatusOr<v1::WhoElseShouldIMeetResponse> Client::WhoElseShouldIMeet(
    const v1::WhoElseShouldIMeetRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::WhoElseShouldIMeet, request);
}

absl::StatusOr<v1::ListMyWishesResponse> Client::AddWish(const v1::WishRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::AddWish, request);
}

absl::StatusOr<v1::ListMyWishesResponse> Client::RemoveWish(const v1::WishRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::RemoveWish, request);
}

absl::StatusOr<v1::ListMyWishesResponse> Client::ListMyWishes(
    const v1::ListMyWishesRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::ListMyWishes, request);
}

absl::StatusOr<v1::GetAnalyticsResponse> Client::GetAnalytics(
    const v1::GetAnalyticsRequest& request) const {
  return Unary(relationships_.get(), &v1::RelationshipService::Stub::GetAnalytics, request);
}

absl::StatusOr<grpc::health::v1::HealthCheckResponse> Client::Check(
    const grpc::health::v1::HealthCheckRequest& request) const {
  return Unary(health_.get(), &grpc::health::v1::Health::Stub::Check, request);
}

}  // namespace parley::client
