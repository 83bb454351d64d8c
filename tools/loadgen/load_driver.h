#ifndef PARLEY_TOOLS_LOADGEN_LOAD_DRIVER_H_
#define PARLEY_TOOLS_LOADGEN_LOAD_DRIVER_H_

// The closed-loop load of parley-loadgen: `concurrency` callers, each with one RPC in flight at
// a time, issued with gRPC's callback API (no thread per caller), for a fixed time.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace parley::loadgen {

// kReport is an organiser's GetQualityReport of LoadOptions::event_id (the first page): the
// expensive call whose flood attendees must not feel.
enum class Rpc { kHealth, kAgenda, kSuggestions, kReport };

// "health", "agenda", "suggestions", "report"; INVALID_ARGUMENT otherwise.
absl::StatusOr<Rpc> ParseRpc(const std::string& name);
const char* RpcName(Rpc rpc);

struct LoadOptions {
  Rpc rpc = Rpc::kHealth;
  // Callers, each keeping one call in flight. Default: 32.
  int concurrency = 32;
  // Calls completing in [warmup, warmup + duration) are counted. Defaults: 1 s and 10 s.
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(10);
  // Deadline of each call. Default: 5 s.
  absl::Duration call_deadline = absl::Seconds(5);
  // Attendee tokens (an organiser's for report), used round-robin across all calls (not
  // needed for health).
  std::vector<std::string> tokens;
  // The event of report.
  uint64_t event_id = 0;
  // Parse each response into its message (generated stubs). When false, every RPC alike is
  // called through the generic stub and its response is taken as bytes: the client then spends
  // the same per call whatever the response's schema, so that on a machine the client shares
  // with the server the comparison measures the server. Default: false.
  bool parse = false;
};

struct LoadResult {
  Rpc rpc = Rpc::kHealth;
  double seconds = 0;
  int concurrency = 0;
  // Calls completed in the measured window (successful or not) and the failed ones.
  uint64_t requests = 0;
  uint64_t errors = 0;
  double qps = 0;
  // Latency percentiles of the measured calls, in microseconds.
  uint64_t p50_us = 0;
  uint64_t p99_us = 0;
  // Mean size of a response's message, in bytes.
  double response_bytes = 0;
  // The first error seen, for diagnosis ("" if none).
  std::string first_error;
  // Each measured call's latency, in microseconds (any order), for CombineResults.
  std::vector<uint32_t> latencies_us;
};

// One result of several measurements of the same RPC (interleaved with others): calls, errors
// and seconds add up, percentiles are over every call. `parts` must not be empty.
LoadResult CombineResults(std::vector<LoadResult> parts);

// Runs the load over `channels` (callers are spread over them round-robin) and returns once
// every caller has finished its last call. INVALID_ARGUMENT for a token-needing RPC without
// tokens or a concurrency below 1; DEADLINE_EXCEEDED if calls did not drain in time.
absl::StatusOr<LoadResult> RunLoad(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                   const LoadOptions& options);

// One JSON line: {"rpc":...,"seconds":...,"concurrency":...,"requests":...,"qps":...,
// "p50_us":...,"p99_us":...,"errors":...,"response_bytes":...}.
std::string ResultJson(const LoadResult& result);

}  // namespace parley::loadgen

#endif  // PARLEY_TOOLS_LOADGEN_LOAD_DRIVER_H_
