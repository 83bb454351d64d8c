#ifndef PARLEY_TOOLS_LOADGEN_LIVE_SCENARIO_H_
#define PARLEY_TOOLS_LOADGEN_LIVE_SCENARIO_H_

// The live event as a product sees it (parley-loadgen --scenario live): attendees watch their
// agendas (WatchMyAgenda), others read agendas and suggestions, and some accept, decline and edit
// their profiles while it all runs. What it measures is what an attendee would notice: how long
// after a change was committed (its RPC acknowledged) the stream of the attendee it concerns
// shows the result.
//
//  - accept: the proposal shows as AWAITING_THEM or CONFIRMED;
//  - decline: a proposal the agenda did not hold before shows (the replacement);
//  - edit: the attendee's first interest changes weight and, in turn, a slot holding one of their
//    proposals leaves their availability (the repair shows that proposal gone) or every slot
//    comes back (the repair shows a new proposal).
//
// Each change is made with the token of a watched attendee and measured on that attendee's own
// stream. A change whose result does not show within LiveOptions::change_timeout is counted as a
// timeout (a decline with no feasible replacement, typically), not in the percentiles.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace parley::loadgen {

struct LiveOptions {
  // Attendee tokens of one event: the first `watchers` watch, the rest read.
  std::vector<std::string> tokens;
  // Attendees holding a WatchMyAgenda stream, one token each. Default: 1000.
  int watchers = 1000;
  // Streams per connection (the server caps it at 1000 by default). Default: 900.
  int streams_per_channel = 900;
  // The measured time: the read load runs health, agenda and suggestions for a third of it
  // each, while the changes run throughout. Default: 30 s.
  absl::Duration duration = absl::Seconds(30);
  // The three take turns this many times, in a rotating order, so that the machine's drift over
  // the run (other tenants, compactions, the changes) weighs on each alike: measured one after
  // the other, 10 s each, the same binary's ratios ranged 0.76-0.91 between runs. Default: 5.
  int read_rounds = 5;
  // Changes per second over all actors, and their mix (the rest are accepts). Defaults: 20/s,
  // 40% declines, 30% profile edits.
  double changes_per_second = 20;
  double decline_share = 0.4;
  double edit_share = 0.3;
  // Threads making changes (each waits for its change's RPC). Default: 4.
  int actors = 4;
  // Read callers and their connections. Defaults: 32 over 2.
  int read_concurrency = 32;
  int read_channels = 2;
  // How long a change may take to show on the stream before it counts as a timeout. Default: 5 s.
  absl::Duration change_timeout = absl::Seconds(5);
  // Deadline of each unary call. Default: 10 s.
  absl::Duration call_deadline = absl::Seconds(10);
  uint64_t seed = 1;
};

// Runs the scenario against `target` (an address) and returns its report: one JSON object per
// line (watchers, each read RPC, the read ratios, each change kind). INVALID_ARGUMENT for
// options that cannot work (fewer tokens than watchers plus one reader); UNAVAILABLE if not a
// single watch stream opened.
absl::StatusOr<std::vector<std::string>> RunLiveScenario(const std::string& target,
                                                         const LiveOptions& options);

}  // namespace parley::loadgen

#endif  // PARLEY_TOOLS_LOADGEN_LIVE_SCENARIO_H_
