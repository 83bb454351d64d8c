#include "tools/loadgen/load_driver.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "parley/v1/agenda_service.grpc.pb.h"
#include "parley/v1/matching_service.grpc.pb.h"

namespace parley::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

// State shared by the callers of one load run.
struct Shared {
  LoadOptions options;
  std::vector<std::string> auth_headers;  // "Bearer <token>", precomputed
  Clock::time_point measure_from;
  Clock::time_point measure_to;
  std::mutex mu;
  std::condition_variable drained;
  int running = 0;  // callers still issuing calls; guarded by mu
};

// One caller: issues a call, and from its completion callback the next, until the window has
// passed. Its calls never overlap, so its fields need no lock.
class Caller {
 public:
  Caller(Shared* shared, const std::shared_ptr<grpc::Channel>& channel, size_t first_token)
      : shared_(shared),
        health_(grpc::health::v1::Health::NewStub(channel)),
        agenda_(v1::AgendaService::NewStub(channel)),
        generic_(std::make_unique<grpc::GenericStub>(channel)),
        next_token_(first_token) {}

  void Start() {
    if (shared_->options.rpc == Rpc::kReport) {
      v1::GetQualityReportRequest report;
      report.set_event_id(shared_->options.event_id);
      grpc::Slice bytes(report.SerializeAsString());
      request_bytes_ = grpc::ByteBuffer(&bytes, 1);
    } else {
      grpc::Slice empty;  // a valid zero-length message (a default ByteBuffer is none at all)
      request_bytes_ = grpc::ByteBuffer(&empty, 1);
    }
    Issue();
  }

  const std::vector<uint32_t>& latencies_us() const { return latencies_us_; }
  uint64_t errors() const { return errors_; }
  uint64_t bytes() const { return bytes_; }
  const std::string& first_error() const { return first_error_; }

 private:
  void Issue() {
    const Clock::time_point now = Clock::now();
    if (now >= shared_->measure_to) {
      std::lock_guard<std::mutex> lock(shared_->mu);
      if (--shared_->running == 0) shared_->drained.notify_all();
      return;
    }
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoNanoseconds(shared_->options.call_deadline));
    if (!shared_->auth_headers.empty()) {
      context_->AddMetadata("authorization", shared_->auth_headers[next_token_]);
      next_token_ = (next_token_ + static_cast<size_t>(shared_->options.concurrency)) %
                    shared_->auth_headers.size();
    }
    started_ = now;
    auto done = [this](grpc::Status status) { Done(status); };
    if (!shared_->options.parse || shared_->options.rpc == Rpc::kReport) {
      // Every request but report's is an empty message: zero bytes.
      response_bytes_.Clear();
      generic_->UnaryCall(context_.get(), MethodOf(shared_->options.rpc), grpc::StubOptions(),
                          &request_bytes_, &response_bytes_, done);
      return;
    }
    switch (shared_->options.rpc) {
      case Rpc::kHealth:
        health_->async()->Check(context_.get(), &health_request_, &health_response_, done);
        break;
      case Rpc::kAgenda:
        agenda_->async()->GetMyAgenda(context_.get(), &agenda_request_, &agenda_response_, done);
        break;
      case Rpc::kSuggestions:
        agenda_->async()->ListMySuggestions(context_.get(), &suggestions_request_,
                                            &suggestions_response_, done);
        break;
      case Rpc::kReport:
        break;  // always generic, above
    }
  }

  static const std::string& MethodOf(Rpc rpc) {
    static const std::string* const health = new std::string("/grpc.health.v1.Health/Check");
    static const std::string* const agenda =
        new std::string(absl::StrCat("/", v1::AgendaService::service_full_name(), "/GetMyAgenda"));
    static const std::string* const suggestions = new std::string(
        absl::StrCat("/", v1::AgendaService::service_full_name(), "/ListMySuggestions"));
    static const std::string* const report = new std::string(
        absl::StrCat("/", v1::MatchingService::service_full_name(), "/GetQualityReport"));
    switch (rpc) {
      case Rpc::kHealth:
        return *health;
      case Rpc::kAgenda:
        return *agenda;
      case Rpc::kReport:
        return *report;
      case Rpc::kSuggestions:
        break;
    }
    return *suggestions;
  }

  size_t ResponseSize() const {
    if (!shared_->options.parse || shared_->options.rpc == Rpc::kReport) {
      return response_bytes_.Length();
    }
    switch (shared_->options.rpc) {
      case Rpc::kHealth:
        return health_response_.ByteSizeLong();
      case Rpc::kAgenda:
        return agenda_response_.ByteSizeLong();
      case Rpc::kSuggestions:
      case Rpc::kReport:
        break;
    }
    return suggestions_response_.ByteSizeLong();
  }

  void Done(const grpc::Status& status) {
    const Clock::time_point now = Clock::now();
    if (now >= shared_->measure_from && now < shared_->measure_to) {
      latencies_us_.push_back(static_cast<uint32_t>(std::min<int64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - started_).count(),
          UINT32_MAX)));
      bytes_ += ResponseSize();
      if (!status.ok()) {
        ++errors_;
        if (first_error_.empty()) {
          first_error_ = absl::StrCat(status.error_code(), ": ", status.error_message());
        }
      }
    }
    Issue();
  }

  Shared* shared_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::unique_ptr<v1::AgendaService::Stub> agenda_;
  std::unique_ptr<grpc::GenericStub> generic_;
  grpc::ByteBuffer request_bytes_;
  grpc::ByteBuffer response_bytes_;
  uint64_t bytes_ = 0;
  size_t next_token_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::health::v1::HealthCheckRequest health_request_;
  grpc::health::v1::HealthCheckResponse health_response_;
  v1::GetMyAgendaRequest agenda_request_;
  v1::Agenda agenda_response_;
  v1::ListMySuggestionsRequest suggestions_request_;
  v1::ListMySuggestionsResponse suggestions_response_;
  Clock::time_point started_;
  std::vector<uint32_t> latencies_us_;
  uint64_t errors_ = 0;
  std::string first_error_;
};

}  // namespace

absl::StatusOr<Rpc> ParseRpc(const std::string& name) {
  if (name == "health") return Rpc::kHealth;
  if (name == "agenda") return Rpc::kAgenda;
  if (name == "suggestions") return Rpc::kSuggestions;
  if (name == "report") return Rpc::kReport;
  return absl::InvalidArgumentError(
      absl::StrCat("--rpc: \"", name, "\": expected agenda, suggestions, report or health"));
}

const char* RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kHealth:
      return "health";
    case Rpc::kAgenda:
      return "agenda";
    case Rpc::kSuggestions:
      return "suggestions";
    case Rpc::kReport:
      return "report";
  }
  return "?";
}

namespace {

// Requests, qps, mean response size and percentiles from the latencies, the seconds and the
// response bytes in all.
void FillRates(double response_bytes, LoadResult* r) {
  std::vector<uint32_t>& all = r->latencies_us;
  r->requests = all.size();
  r->response_bytes = all.empty() ? 0 : response_bytes / static_cast<double>(all.size());
  r->qps = r->seconds > 0 ? static_cast<double>(all.size()) / r->seconds : 0;
  r->p50_us = r->p99_us = 0;
  if (all.empty()) return;
  auto percentile = [&](double p) {
    const size_t k = std::min(all.size() - 1, static_cast<size_t>(p * all.size()));
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
    return static_cast<uint64_t>(all[k]);
  };
  r->p50_us = percentile(0.50);
  r->p99_us = percentile(0.99);
}

}  // namespace

LoadResult CombineResults(std::vector<LoadResult> parts) {
  LoadResult result = std::move(parts[0]);
  double bytes = result.response_bytes * static_cast<double>(result.requests);
  for (size_t i = 1; i < parts.size(); ++i) {
    LoadResult& part = parts[i];
    result.seconds += part.seconds;
    result.errors += part.errors;
    bytes += part.response_bytes * static_cast<double>(part.requests);
    if (result.first_error.empty()) result.first_error = part.first_error;
    result.latencies_us.insert(result.latencies_us.end(), part.latencies_us.begin(),
                               part.latencies_us.end());
  }
  FillRates(bytes, &result);
  return result;
}

absl::StatusOr<LoadResult> RunLoad(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                   const LoadOptions& options) {
  if (options.concurrency < 1) return absl::InvalidArgumentError("--concurrency: must be >= 1");
  if (channels.empty()) return absl::InvalidArgumentError("no channels");
  if (options.rpc != Rpc::kHealth && options.tokens.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rpc ", RpcName(options.rpc), " needs attendee tokens (--tokens-file)"));
  }
  Shared shared;
  shared.options = options;
  if (options.rpc != Rpc::kHealth) {
    for (const std::string& token : options.tokens) {
      shared.auth_headers.push_back(absl::StrCat("Bearer ", token));
    }
  }
  const Clock::time_point start = Clock::now();
  shared.measure_from = start + absl::ToChronoNanoseconds(options.warmup);
  shared.measure_to = shared.measure_from + absl::ToChronoNanoseconds(options.duration);

  std::vector<std::unique_ptr<Caller>> callers;
  for (int i = 0; i < options.concurrency; ++i) {
    const size_t first_token =
        shared.auth_headers.empty() ? 0 : static_cast<size_t>(i) % shared.auth_headers.size();
    callers.push_back(std::make_unique<Caller>(
        &shared, channels[static_cast<size_t>(i) % channels.size()], first_token));
  }
  shared.running = options.concurrency;
  for (const auto& caller : callers) caller->Start();
  {
    std::unique_lock<std::mutex> lock(shared.mu);
    const auto limit = shared.measure_to + absl::ToChronoNanoseconds(options.call_deadline) +
                       std::chrono::seconds(30);
    if (!shared.drained.wait_until(lock, limit, [&] { return shared.running == 0; })) {
      // Callers still reference `shared`: there is no safe way to return.
      std::abort();
    }
  }

  LoadResult result;
  result.rpc = options.rpc;
  result.seconds = absl::ToDoubleSeconds(options.duration);
  result.concurrency = options.concurrency;
  double bytes = 0;
  for (const auto& caller : callers) {
    result.latencies_us.insert(result.latencies_us.end(), caller->latencies_us().begin(),
                               caller->latencies_us().end());
    result.errors += caller->errors();
    bytes += static_cast<double>(caller->bytes());
    if (result.first_error.empty()) result.first_error = caller->first_error();
  }
  FillRates(bytes, &result);
  return result;
}

std::string ResultJson(const LoadResult& r) {
  return absl::StrFormat(
      "{\"rpc\":\"%s\",\"seconds\":%g,\"concurrency\":%d,\"requests\":%d,\"qps\":%.1f,"
      "\"p50_us\":%d,\"p99_us\":%d,\"errors\":%d,\"response_bytes\":%.0f}",
      RpcName(r.rpc), r.seconds, r.concurrency, r.requests, r.qps, r.p50_us, r.p99_us, r.errors,
      r.response_bytes);
}

}  // namespace parley::loadgen
