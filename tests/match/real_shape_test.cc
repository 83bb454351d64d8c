// The engine on generated events shaped like real registration exports (synth.h,
// SynthShape::kReal: a third without interests, identical profiles, hubs, missing
// organisations): what broke on a real population must not break here.

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "services/match/candidates.h"
#include "services/match/explain.h"
#include "services/match/schedule.h"
#include "services/match/scoring.h"
#include "tools/match/synth.h"

namespace parley::match {
namespace {

struct Planned {
  synth::SynthEvent event;
  std::unique_ptr<CandidateIndex> index;
  CandidateGraph graph;
  ScheduleInput input;
  Schedule schedule;
};

Planned Plan(int attendees, uint64_t seed) {
  Planned p;
  synth::SynthOptions options;
  options.attendees = attendees;
  options.seed = seed;
  options.shape = synth::SynthShape::kReal;
  p.event = synth::GenerateEvent(options);
  absl::StatusOr<MatchProblem> problem = MatchProblem::Create(p.event.ToMatchInput());
  EXPECT_TRUE(problem.ok()) << problem.status();
  CandidateOptions candidate_options;
  candidate_options.threads = 2;
  p.index = std::make_unique<CandidateIndex>(
      CandidateIndex::Build(*std::move(problem), candidate_options));
  p.graph = p.index->Graph();
  p.input.num_slots = p.event.slots;
  for (const synth::SynthAttendee& a : p.event.attendees) {
    p.input.attendees.push_back({a.profile.budget, a.profile.availability, false});
  }
  ScheduleOptions schedule_options;
  schedule_options.seed = seed;
  absl::StatusOr<Schedule> schedule = BuildSchedule(p.graph, p.input, schedule_options);
  EXPECT_TRUE(schedule.ok()) << schedule.status();
  if (schedule.ok()) p.schedule = *std::move(schedule);
  return p;
}

TEST(RealShapeTest, EveryoneWithAFeasiblePartnerGetsAMeeting) {
  const Planned p = Plan(4000, 12);
  const Index n = static_cast<Index>(p.event.attendees.size());
  std::vector<int> meetings(n, 0);
  for (const Meeting& m : p.schedule.meetings) {
    ++meetings[m.a];
    ++meetings[m.b];
  }
  int64_t open = 0, open_met = 0, left_out = 0;
  for (Index a = 0; a < n; ++a) {
    const Profile& profile = p.event.attendees[a].profile;
    if (profile.budget <= 0) continue;
    if (profile.interests.empty()) {
      ++open;
      open_met += meetings[a] > 0;
    }
    if (meetings[a] > 0) continue;
    const CandidateDiagnosis d = DiagnoseCandidates(p.index->problem(), a);
    if (d.feasible > 0) {
      ++left_out;
      ADD_FAILURE() << "attendee " << a << " has " << d.feasible
                    << " feasible partners and no meeting (graph degree " << p.graph.degree(a)
                    << ")";
      if (left_out > 10) break;
    }
  }
  EXPECT_EQ(left_out, 0);
  // Thin profiles meet people too (offers and seeks, or open pairings).
  ASSERT_GT(open, n / 4);
  EXPECT_EQ(open_met, open);
}

TEST(RealShapeTest, IdenticalProfilesGetDifferentPartners) {
  const Planned p = Plan(4000, 5);
  const Index n = static_cast<Index>(p.event.attendees.size());
  // Groups of attendees whose profiles the engine cannot tell apart.
  using Key = std::tuple<std::vector<std::pair<std::string, int>>, std::vector<std::string>,
                         std::vector<std::string>, std::string, std::vector<std::string>, SlotMask>;
  std::map<Key, std::vector<Index>> groups;
  for (Index a = 0; a < n; ++a) {
    const Profile& x = p.event.attendees[a].profile;
    if (x.budget <= 0 || !x.wants.empty() || !x.avoid.empty()) continue;
    std::vector<std::pair<std::string, int>> interests;
    for (const Interest& i : x.interests) interests.push_back({i.tag, i.weight});
    groups[Key{interests, x.offers, x.seeks, x.organisation, x.languages, x.availability}]
        .push_back(a);
  }
  int64_t compared = 0;
  for (const auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    // The graph the scheduler gets (each row: the attendee's own diversified picks plus the
    // lists that picked them). Their top-K lists may well be equal (same weights); the partners
    // the scheduler sees must not be.
    auto row = [&p](Index a) {
      std::set<Index> out(p.graph.neighbors.begin() + static_cast<ptrdiff_t>(p.graph.begin(a)),
                          p.graph.neighbors.begin() + static_cast<ptrdiff_t>(p.graph.end(a)));
      return out;
    };
    for (size_t i = 1; i < members.size(); ++i) {
      std::set<Index> x = row(members[0]), y = row(members[i]);
      if (x.size() < 4 || y.size() < 4) continue;  // too few candidates to differ
      ++compared;
      x.erase(members[i]);
      y.erase(members[0]);
      EXPECT_NE(x, y) << "attendees " << members[0] << " and " << members[i]
                      << " have identical profiles and identical candidates";
    }
  }
  EXPECT_GT(compared, 20);
  // No star: nobody is on a large part of the event's lists, whatever its size. Capacity-aware
  // diversification keeps anyone's degree under 4 * (k + 4 * capacity) lists that picked them
  // plus their own k (216 for capacity 6 and k 24; the generator's prolific profiles with 56
  // interests reached 485 of 4,000 before the cap applied to the best k / 2 as well).
  const int k = p.index->options().k;
  for (Index a = 0; a < n; ++a) {
    const Profile& x = p.event.attendees[a].profile;
    const int capacity = std::min(x.budget, __builtin_popcountll(x.availability));
    EXPECT_LE(p.graph.degree(a), static_cast<uint64_t>(4 * (k + 4 * capacity) + k))
        << "attendee " << a << " (capacity " << capacity << ", " << x.interests.size()
        << " interests)";
  }
}

}  // namespace
}  // namespace parley::match
