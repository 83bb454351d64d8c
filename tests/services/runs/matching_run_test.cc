// Matching runs end to end over a real store: a generated event is loaded, matched and written;
// the stored meetings are then checked against every rule the run promises.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runs/run.h"
#include "storage/store.h"
#include "tests/testing/temp_dir.h"
#include "tools/match/synth.h"

namespace parley::matching {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kSlots = 4;
constexpr int kAttendees = 300;
constexpr int64_t kNow = 1'700'000'000;

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(s); }

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

bool HasInterest(const v1::Attendee& a, const std::string& tag) {
  for (const v1::Interest& i : a.interests()) {
    if (i.tag() == tag) return true;
  }
  return false;
}

// Contact details never leave their owner's record.
void ExpectNoContactDetails(const std::string& text, const v1::Attendee& x) {
  if (!x.email().empty()) {
    EXPECT_THAT(text, ::testing::Not(HasSubstr(x.email())));
  }
  if (!x.phone().empty()) {
    EXPECT_THAT(text, ::testing::Not(HasSubstr(x.phone())));
  }
}

bool Occupies(v1::Meeting::State state) {
  return state == v1::Meeting::PROPOSED || state == v1::Meeting::CONFIRMED ||
         state == v1::Meeting::HELD || state == v1::Meeting::NO_SHOW;
}

class MatchingRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.Sub("db");
    options.sync_writes = false;
    options.block_cache_bytes = 8u << 20;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    v1::Community community;
    community.set_name("Matchers");
    absl::StatusOr<v1::Community> created = store_->CreateCommunity(community);
    ASSERT_TRUE(created.ok()) << created.status();
    community_id_ = created->id();
  }

  // An event with kSlots slots, a big hall and a small quiet library, and kAttendees generated
  // attendees (some prefer quiet, some avoid an organisation written in another case).
  // `people`: generated attendees to import (kAttendees by default).
  uint64_t NewEvent(bool with_slots = true, bool with_locations = true, int people = kAttendees) {
    v1::Event event;
    event.set_community_id(community_id_);
    event.set_name("Conf");
    if (with_slots) {
      for (int s = 1; s <= kSlots; ++s) {
        v1::Slot* slot = event.add_slots();
        slot->set_id(absl::StrCat("s", s));
        slot->set_start_time(kNow + s * 3600);
        slot->set_end_time(kNow + s * 3600 + 1800);
      }
    }
    if (with_locations) {
      v1::Location* hall = event.add_locations();
      hall->set_id("hall");
      hall->set_tables(60);
      v1::Location* library = event.add_locations();
      library->set_id("library");
      library->set_tables(4);
      library->set_quiet(true);
    }
    v1::EventPolicy* policy = event.mutable_policy();
    policy->set_default_meetings(3);
    policy->set_max_meetings(6);
    policy->set_avoid_same_organisation(true);
    // Longer than the wait for the first slot: its proposals lapse when it starts.
    policy->set_proposal_expiry_minutes(150);
    absl::StatusOr<v1::Event> created = store_->CreateEvent(event);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return 0;

    if (people == 0) return created->id();
    synth::SynthOptions synth_options;
    synth_options.attendees = people;
    synth_options.slots = kSlots;
    synth_options.seed = 7;
    const synth::SynthEvent generated = synth::GenerateEvent(synth_options);
    std::vector<v1::Attendee> rows;
    for (size_t i = 0; i < generated.attendees.size(); ++i) {
      const synth::SynthAttendee& g = generated.attendees[i];
      const match::Profile& p = g.profile;
      v1::Attendee& row = rows.emplace_back();
      row.set_external_id(g.external_id);
      row.set_display_name(g.name);
      row.set_email(g.email);
      row.set_phone(g.phone);
      row.set_role(g.role);
      row.set_bio(g.bio);
      row.set_organisation(p.organisation);
      for (const match::Interest& interest : p.interests) {
        v1::Interest* added = row.add_interests();
        added->set_tag(interest.tag);
        added->set_weight(static_cast<uint32_t>(interest.weight));
      }
      for (const std::string& tag : p.offers) row.add_offers(tag);
      for (const std::string& tag : p.seeks) row.add_seeks(tag);
      for (const std::string& tag : p.languages) row.add_languages(tag);
      if (i % 5 != 0) row.set_budget(static_cast<uint32_t>(p.budget));  // else the default
      const match::SlotMask all = (match::SlotMask{1} << kSlots) - 1;
      if ((p.availability & all) != all) {
        for (int s = 0; s < kSlots; ++s) {
          if (p.availability & (match::SlotMask{1} << s))
            row.add_availability(absl::StrCat("s", s + 1));
        }
      }
      for (match::Index w : p.wants) row.add_wants(generated.attendees[w].external_id);
      for (match::Index v : p.avoid) row.add_avoid(generated.attendees[v].external_id);
      row.set_prefers_quiet(i % 7 == 0);
      const std::string& next_org =
          generated.attendees[(i + 1) % generated.attendees.size()].profile.organisation;
      if (i % 10 == 3 && !next_org.empty())
        row.add_avoid_organisations(absl::AsciiStrToUpper(next_org));
    }
    absl::StatusOr<std::vector<storage::UpsertResult>> upserted =
        store_->UpsertAttendees(created->id(), std::move(rows));
    EXPECT_TRUE(upserted.ok()) << upserted.status();
    return created->id();
  }

  RunOptions Options() const {
    RunOptions options;
    options.seed = 3;
    options.now_unix_seconds = kNow;
    return options;
  }

  absl::StatusOr<v1::MatchingRun> Run(uint64_t event_id,
                                      std::vector<v1::MatchingRun::Phase>* phases = nullptr) {
    return RunMatching(store_.get(), event_id, Options(), [&](const v1::MatchingRun& run) {
      if (phases != nullptr) phases->push_back(run.phase());
    });
  }

  std::vector<v1::Meeting> Meetings(uint64_t event_id) {
    std::vector<v1::Meeting> out;
    EXPECT_TRUE(store_
                    ->ScanMeetings(event_id,
                                   [&](const v1::Meeting& m) {
                                     out.push_back(m);
                                     return true;
                                   })
                    .ok());
    return out;
  }

  void SetState(uint64_t event_id, uint64_t meeting_id, v1::Meeting::State state) {
    ASSERT_TRUE(store_
                    ->MutateMeeting(event_id, meeting_id,
                                    [&](v1::Meeting* m) {
                                      m->set_state(state);
                                      return absl::OkStatus();
                                    })
                    .ok());
  }

  void Accept(uint64_t event_id, uint64_t meeting_id) {
    ASSERT_TRUE(store_
                    ->MutateMeeting(event_id, meeting_id,
                                    [&](v1::Meeting* m) {
                                      m->set_answer_a(v1::Meeting::ACCEPTED);
                                      return absl::OkStatus();
                                    })
                    .ok());
  }

  // Every rule a run promises, over all stored meetings of the event.
  void CheckInvariants(uint64_t event_id) {
    absl::StatusOr<v1::Event> event = store_->GetEvent(event_id);
    ASSERT_TRUE(event.ok());
    std::map<uint64_t, v1::Attendee> attendees;
    ASSERT_TRUE(store_
                    ->ScanAttendees(event_id,
                                    [&](const v1::Attendee& a) {
                                      attendees[a.id()] = a;
                                      return true;
                                    })
                    .ok());
    std::map<std::string, uint32_t> tables;
    for (const v1::Location& l : event->locations()) tables[l.id()] = l.tables();
    std::set<std::pair<uint64_t, uint64_t>> pairs;
    std::set<std::pair<uint64_t, std::string>> busy;  // attendee, slot
    std::set<std::tuple<std::string, std::string, uint32_t>> seats;
    std::map<uint64_t, uint32_t> load;
    for (const v1::Meeting& m : Meetings(event_id)) {
      SCOPED_TRACE(absl::StrCat("meeting ", m.id()));
      ASSERT_LT(m.attendee_a(), m.attendee_b());
      ASSERT_TRUE(attendees.count(m.attendee_a()) && attendees.count(m.attendee_b()));
      const v1::Attendee& a = attendees[m.attendee_a()];
      const v1::Attendee& b = attendees[m.attendee_b()];
      EXPECT_TRUE(pairs.emplace(a.id(), b.id()).second) << "pair twice";
      if (!Occupies(m.state())) continue;
      for (const v1::Attendee* x : {&a, &b}) {
        EXPECT_TRUE(busy.emplace(x->id(), m.slot_id()).second) << "attendee twice in a slot";
        EXPECT_TRUE(x->availability().empty() || Contains(x->availability(), m.slot_id()));
        const uint32_t budget = x->has_budget() ? x->budget() : 3;
        EXPECT_LE(++load[x->id()], budget) << "budget of " << x->id();
      }
      ASSERT_TRUE(tables.count(m.location_id()));
      EXPECT_GE(m.table(), 1u);
      EXPECT_LE(m.table(), tables[m.location_id()]);
      EXPECT_TRUE(seats.emplace(m.slot_id(), m.location_id(), m.table()).second) << "table twice";
      EXPECT_FALSE(Contains(a.avoid(), b.external_id()));
      EXPECT_FALSE(Contains(b.avoid(), a.external_id()));
      for (const std::string& org : a.avoid_organisations()) {
        EXPECT_NE(Lower(org), Lower(b.organisation()));
      }
      for (const std::string& org : b.avoid_organisations()) {
        EXPECT_NE(Lower(org), Lower(a.organisation()));
      }
      if (!a.organisation().empty()) {
        EXPECT_NE(Lower(a.organisation()), Lower(b.organisation())) << "same organisation";
      }
      if (m.state() != v1::Meeting::PROPOSED) continue;
      // The policy's 150 minutes, or the slot's start if that comes first.
      int64_t slot_start = 0;
      for (const v1::Slot& slot : event->slots()) {
        if (slot.id() == m.slot_id()) slot_start = slot.start_time();
      }
      EXPECT_EQ(m.expire_time(), std::min<int64_t>(kNow + 150 * 60, slot_start));
      EXPECT_GT(m.score(), 0);
      CheckReasons(a, b, m.reasons_for_a());
      CheckReasons(b, a, m.reasons_for_b());
      EXPECT_FALSE(m.starter_for_a().empty());
      for (const std::string& text : {m.starter_for_a(), m.starter_for_b()}) {
        EXPECT_THAT(text, ::testing::Not(HasSubstr("asked to meet you")));
        ExpectNoContactDetails(text, a);
        ExpectNoContactDetails(text, b);
      }
    }
  }

  // Reasons shown to `you` about `they`: every tag is really in both profiles; nothing private.
  static void CheckReasons(const v1::Attendee& you, const v1::Attendee& they,
                           const google::protobuf::RepeatedPtrField<v1::Reason>& reasons) {
    for (const v1::Reason& r : reasons) {
      SCOPED_TRACE(r.ShortDebugString());
      switch (r.kind()) {
        case v1::Reason::SHARED_INTEREST:
          EXPECT_TRUE(HasInterest(you, r.tag()) && HasInterest(they, r.tag()));
          break;
        case v1::Reason::THEY_OFFER_WHAT_YOU_SEEK:
          EXPECT_TRUE(Contains(you.seeks(), r.tag()) && Contains(they.offers(), r.tag()));
          break;
        case v1::Reason::YOU_OFFER_WHAT_THEY_SEEK:
          EXPECT_TRUE(Contains(you.offers(), r.tag()) && Contains(they.seeks(), r.tag()));
          break;
        case v1::Reason::YOU_ASKED_TO_MEET:
          EXPECT_TRUE(Contains(you.wants(), they.external_id()));
          break;
        case v1::Reason::BRIDGES_ORGANISATIONS:
          EXPECT_EQ(r.tag(), they.organisation());
          break;
        case v1::Reason::BRIDGES_CIRCLES:
          EXPECT_TRUE(HasInterest(they, r.tag()) && HasInterest(you, r.other_tag()));
          break;
        default:
          ADD_FAILURE() << "unexpected reason kind";
      }
      for (const v1::Attendee* x : {&you, &they}) {
        for (const std::string& text : {r.tag(), r.other_tag(), r.introducer_name()}) {
          ExpectNoContactDetails(text, *x);
        }
      }
    }
  }

  testutil::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  uint64_t community_id_ = 0;
};

TEST_F(MatchingRunTest, RunWritesAScheduleThatKeepsEveryRule) {
  const uint64_t event_id = NewEvent();
  std::vector<v1::MatchingRun::Phase> phases;
  absl::StatusOr<v1::MatchingRun> run = Run(event_id, &phases);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_THAT(phases, ElementsAre(v1::MatchingRun::LOADING, v1::MatchingRun::CANDIDATES,
                                  v1::MatchingRun::SCHEDULING, v1::MatchingRun::WRITING,
                                  v1::MatchingRun::DONE));
  EXPECT_EQ(run->phase(), v1::MatchingRun::DONE);
  EXPECT_EQ(run->attendees(), static_cast<uint32_t>(kAttendees));
  EXPECT_GT(run->candidate_edges(), 0u);
  EXPECT_EQ(run->meetings_kept(), 0u);
  EXPECT_GT(run->meetings_proposed(), static_cast<uint32_t>(kAttendees / 2));
  EXPECT_EQ(run->report().meetings(), run->meetings_proposed());
  EXPECT_GT(run->report().upper_bound(), 0);  // small events get the bound
  EXPECT_GT(run->report().quality(), 0.5);
  EXPECT_LE(run->report().quality(), 1.0);
  EXPECT_EQ(run->start_time(), kNow);

  const std::vector<v1::Meeting> meetings = Meetings(event_id);
  EXPECT_EQ(meetings.size(), run->meetings_proposed());
  for (const v1::Meeting& m : meetings) {
    EXPECT_EQ(m.run_id(), run->id());
    EXPECT_EQ(m.state(), v1::Meeting::PROPOSED);
  }
  CheckInvariants(event_id);

  absl::StatusOr<v1::MatchingRun> latest = store_->LatestRun(event_id);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->id(), run->id());
  EXPECT_EQ(latest->phase(), v1::MatchingRun::DONE);
  EXPECT_EQ(latest->meetings_proposed(), run->meetings_proposed());
}

TEST_F(MatchingRunTest, SameStoreContentAndSeedGiveTheSameSchedule) {
  const uint64_t event_id = NewEvent();
  auto plan = [&]() {
    std::vector<std::tuple<uint64_t, uint64_t, std::string, std::string, uint32_t>> out;
    for (const v1::Meeting& m : Meetings(event_id)) {
      out.emplace_back(m.attendee_a(), m.attendee_b(), m.slot_id(), m.location_id(), m.table());
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  ASSERT_TRUE(Run(event_id).ok());
  const auto first = plan();
  ASSERT_TRUE(Run(event_id).ok());  // replaces every proposal with the same plan
  EXPECT_EQ(plan(), first);
}

TEST_F(MatchingRunTest, RerunKeepsConfirmedMeetingsAndNeverReproposesADeclinedPair) {
  const uint64_t event_id = NewEvent();
  ASSERT_TRUE(Run(event_id).ok());
  std::vector<v1::Meeting> first = Meetings(event_id);
  ASSERT_GT(first.size(), 60u);
  std::map<uint64_t, v1::Meeting> confirmed;
  std::set<std::pair<uint64_t, uint64_t>> declined;
  for (size_t i = 0; i < 60; ++i) {
    if (i % 2 == 0) {
      SetState(event_id, first[i].id(), v1::Meeting::CONFIRMED);
      confirmed[first[i].id()] = first[i];
    } else {
      SetState(event_id, first[i].id(), v1::Meeting::DECLINED);
      declined.emplace(first[i].attendee_a(), first[i].attendee_b());
    }
  }

  absl::StatusOr<v1::MatchingRun> rerun = Run(event_id);
  ASSERT_TRUE(rerun.ok()) << rerun.status();
  EXPECT_EQ(rerun->meetings_kept(), 30u);
  size_t kept = 0, still_declined = 0;
  for (const v1::Meeting& m : Meetings(event_id)) {
    if (confirmed.count(m.id())) {
      const v1::Meeting& before = confirmed[m.id()];
      EXPECT_EQ(m.state(), v1::Meeting::CONFIRMED);
      EXPECT_EQ(m.slot_id(), before.slot_id());
      EXPECT_EQ(m.location_id(), before.location_id());
      EXPECT_EQ(m.table(), before.table());
      ++kept;
    } else if (m.state() == v1::Meeting::DECLINED) {
      ++still_declined;
    } else {
      EXPECT_EQ(m.run_id(), rerun->id());
      EXPECT_FALSE(declined.count({m.attendee_a(), m.attendee_b()})) << "declined pair again";
    }
  }
  EXPECT_EQ(kept, 30u);
  EXPECT_EQ(still_declined, 30u);
  // Budgets, slots and tables hold with the kept meetings counted in; no pair twice.
  CheckInvariants(event_id);
}

// An answer that arrives while a run computes must not be overwritten or double-booked: the
// write is refused (ABORTED) and the run starts over around the new confirmation.
TEST_F(MatchingRunTest, AConfirmationDuringTheRunMakesItStartOverAroundIt) {
  const uint64_t event_id = NewEvent();
  ASSERT_TRUE(Run(event_id).ok());
  const v1::Meeting accepted = Meetings(event_id).front();
  std::vector<v1::MatchingRun::Phase> phases;
  absl::StatusOr<v1::MatchingRun> run =
      RunMatching(store_.get(), event_id, Options(), [&](const v1::MatchingRun& progress) {
        phases.push_back(progress.phase());
        if (phases.size() == 3) SetState(event_id, accepted.id(), v1::Meeting::CONFIRMED);
      });
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_THAT(phases, ElementsAre(v1::MatchingRun::LOADING, v1::MatchingRun::CANDIDATES,
                                  v1::MatchingRun::SCHEDULING, v1::MatchingRun::WRITING,
                                  v1::MatchingRun::LOADING, v1::MatchingRun::CANDIDATES,
                                  v1::MatchingRun::SCHEDULING, v1::MatchingRun::WRITING,
                                  v1::MatchingRun::DONE));
  EXPECT_EQ(run->meetings_kept(), 1u);
  absl::StatusOr<v1::Meeting> kept = store_->GetMeeting(event_id, accepted.id());
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->state(), v1::Meeting::CONFIRMED);
  CheckInvariants(event_id);
}

// A proposal one side accepted is a commitment of theirs: a re-run keeps it where it is (unless
// the records now rule it out), and a pair the re-run plans again keeps its meeting id.
TEST_F(MatchingRunTest, RerunKeepsAcceptedProposalsAndTheIdsOfPairsThatStay) {
  const uint64_t event_id = NewEvent();
  ASSERT_TRUE(Run(event_id).ok());
  const std::vector<v1::Meeting> first = Meetings(event_id);
  ASSERT_GT(first.size(), 40u);
  std::map<uint64_t, v1::Meeting> accepted;
  for (size_t i = 0; i < 10; ++i) {
    Accept(event_id, first[i].id());
    accepted[first[i].id()] = first[i];
  }
  // The last one becomes infeasible: its first attendee is no longer available in its slot.
  const v1::Meeting ruled_out = first[10];
  Accept(event_id, ruled_out.id());
  ASSERT_TRUE(store_
                  ->MutateAttendee(event_id, ruled_out.attendee_a(),
                                   [&](v1::Attendee* a) {
                                     a->clear_availability();
                                     for (int s = 1; s <= kSlots; ++s) {
                                       const std::string slot = absl::StrCat("s", s);
                                       if (slot != ruled_out.slot_id()) a->add_availability(slot);
                                     }
                                     return absl::OkStatus();
                                   })
                  .ok());
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> first_ids;
  for (const v1::Meeting& m : first) first_ids[{m.attendee_a(), m.attendee_b()}] = m.id();

  absl::StatusOr<v1::MatchingRun> rerun = Run(event_id);
  ASSERT_TRUE(rerun.ok()) << rerun.status();
  EXPECT_EQ(rerun->meetings_kept(), 10u);
  size_t kept = 0, same_pair = 0;
  for (const v1::Meeting& m : Meetings(event_id)) {
    SCOPED_TRACE(absl::StrCat("meeting ", m.id()));
    auto was = first_ids.find({m.attendee_a(), m.attendee_b()});
    if (was != first_ids.end()) {
      EXPECT_EQ(m.id(), was->second) << "a pair that stays keeps its id";
      ++same_pair;
    }
    if (accepted.count(m.id())) {
      const v1::Meeting& before = accepted[m.id()];
      EXPECT_EQ(m.state(), v1::Meeting::PROPOSED);
      EXPECT_EQ(m.answer_a(), v1::Meeting::ACCEPTED);
      EXPECT_EQ(m.slot_id(), before.slot_id());
      EXPECT_EQ(m.table(), before.table());
      EXPECT_EQ(m.run_id(), before.run_id());
      ++kept;
    }
    if (m.id() == ruled_out.id()) {
      EXPECT_NE(m.slot_id(), ruled_out.slot_id()) << "kept in a slot its attendee left";
      EXPECT_EQ(m.answer_a(), v1::Meeting::ANSWER_UNSPECIFIED);
    }
  }
  EXPECT_EQ(kept, 10u);
  // The same seed plans most pairs again.
  EXPECT_GT(same_pair, first.size() / 2);
  CheckInvariants(event_id);
}

// prefers_quiet is honoured whenever a quiet table is free: no quiet-preferring pair sits in the
// hall of a slot whose library has a table left, in a first run and in a re-run around kept
// meetings.
TEST_F(MatchingRunTest, QuietPreferringPairsGetTheQuietTablesFirst) {
  const uint64_t event_id = NewEvent();
  auto check = [&] {
    std::map<uint64_t, bool> quiet;
    ASSERT_TRUE(store_
                    ->ScanAttendees(event_id,
                                    [&](const v1::Attendee& a) {
                                      quiet[a.id()] = a.prefers_quiet();
                                      return true;
                                    })
                    .ok());
    std::map<std::string, int> library_used;
    std::vector<v1::Meeting> in_hall;
    int quiet_pairs = 0;
    for (const v1::Meeting& m : Meetings(event_id)) {
      if (!Occupies(m.state())) continue;
      const bool wants_quiet = quiet[m.attendee_a()] || quiet[m.attendee_b()];
      quiet_pairs += wants_quiet ? 1 : 0;
      if (m.location_id() == "library") ++library_used[m.slot_id()];
      if (wants_quiet && m.location_id() == "hall") in_hall.push_back(m);
    }
    EXPECT_GT(quiet_pairs, 0);
    for (const v1::Meeting& m : in_hall) {
      EXPECT_EQ(library_used[m.slot_id()], 4)
          << "meeting " << m.id() << " in the hall while the library has a free table";
    }
  };
  ASSERT_TRUE(Run(event_id).ok());
  check();
  const std::vector<v1::Meeting> first = Meetings(event_id);
  for (size_t i = 0; i < first.size(); i += 3) {
    SetState(event_id, first[i].id(), v1::Meeting::CONFIRMED);
  }
  ASSERT_TRUE(Run(event_id).ok());
  check();
}

// An acceptance that arrives while a run computes is not lost: the write is refused (ABORTED) and
// the run starts over around it.
TEST_F(MatchingRunTest, AnAcceptanceDuringTheRunMakesItStartOverAroundIt) {
  const uint64_t event_id = NewEvent();
  ASSERT_TRUE(Run(event_id).ok());
  const v1::Meeting accepted = Meetings(event_id).front();
  int phases = 0;
  absl::StatusOr<v1::MatchingRun> run =
      RunMatching(store_.get(), event_id, Options(), [&](const v1::MatchingRun&) {
        if (++phases == 3) Accept(event_id, accepted.id());
      });
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(phases, 9);  // four phases, then all four again, then DONE
  EXPECT_EQ(run->meetings_kept(), 1u);
  absl::StatusOr<v1::Meeting> kept = store_->GetMeeting(event_id, accepted.id());
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->answer_a(), v1::Meeting::ACCEPTED);
  EXPECT_EQ(kept->slot_id(), accepted.slot_id());
  CheckInvariants(event_id);
}

TEST_F(MatchingRunTest, ARunWhoseSlotsHaveAllEndedIsAFailedPreconditionNamingThem) {
  const uint64_t event_id = NewEvent();
  RunOptions options = Options();
  options.now_unix_seconds = kNow + kSlots * 3600 + 1800;  // the last slot's end
  absl::StatusOr<v1::MatchingRun> run = RunMatching(store_.get(), event_id, options, nullptr);
  EXPECT_TRUE(absl::IsFailedPrecondition(run.status())) << run.status();
  for (int s = 1; s <= kSlots; ++s) {
    EXPECT_THAT(run.status().message(), HasSubstr(absl::StrCat("s", s, " (ended ")));
  }
  EXPECT_TRUE(absl::IsNotFound(store_->LatestRun(event_id).status()));  // no run recorded
  EXPECT_TRUE(Meetings(event_id).empty());
  // One slot still ahead is enough to plan.
  options.now_unix_seconds -= 1;
  EXPECT_TRUE(RunMatching(store_.get(), event_id, options, nullptr).ok());
}

TEST_F(MatchingRunTest, RunFailsAfterTooManyInterruptionsAndRecordsIt) {
  const uint64_t event_id = NewEvent();
  ASSERT_TRUE(Run(event_id).ok());
  const std::vector<v1::Meeting> meetings = Meetings(event_id);
  size_t next = 0;
  RunOptions options = Options();
  options.max_attempts = 2;
  absl::StatusOr<v1::MatchingRun> run =
      RunMatching(store_.get(), event_id, options, [&](const v1::MatchingRun& progress) {
        if (progress.phase() == v1::MatchingRun::WRITING) {
          SetState(event_id, meetings[next++].id(), v1::Meeting::DECLINED);
        }
      });
  EXPECT_TRUE(absl::IsAborted(run.status())) << run.status();
  EXPECT_EQ(next, 2u);
  absl::StatusOr<v1::MatchingRun> latest = store_->LatestRun(event_id);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->phase(), v1::MatchingRun::FAILED);
  EXPECT_THAT(latest->error(), HasSubstr("DECLINED"));
  // The previous schedule is still there, untouched but for the two declines.
  EXPECT_EQ(Meetings(event_id).size(), meetings.size());
}

// A run cancelled in each phase (the flag raised when the run enters it, as a shutdown would)
// stops there: it returns CANCELLED, its record says FAILED and why, and the schedule of the
// previous run is exactly as it was.
TEST_F(MatchingRunTest, ACancelledRunIsRecordedFailedAndLeavesThePreviousScheduleIntact) {
  const uint64_t event_id = NewEvent();
  ASSERT_TRUE(Run(event_id).ok());
  const std::vector<v1::Meeting> before = Meetings(event_id);
  ASSERT_FALSE(before.empty());
  const std::vector<std::pair<v1::MatchingRun::Phase, std::string>> cases = {
      {v1::MatchingRun::CANDIDATES, "cancelled during candidate generation"},
      {v1::MatchingRun::SCHEDULING, "cancelled during scheduling"},
      {v1::MatchingRun::WRITING, "cancelled during writing"},
  };
  for (const auto& [phase, expected] : cases) {
    SCOPED_TRACE(v1::MatchingRun::Phase_Name(phase));
    match::CancelFlag cancel{false};
    RunOptions options = Options();
    options.seed = 11;  // another schedule than the stored one, were it written
    options.cancel = &cancel;
    options.cancel_reason = "the server is shutting down";
    std::vector<v1::MatchingRun::Phase> phases;
    absl::StatusOr<v1::MatchingRun> run =
        RunMatching(store_.get(), event_id, options, [&](const v1::MatchingRun& progress) {
          phases.push_back(progress.phase());
          if (progress.phase() == phase) cancel.store(true);
        });
    EXPECT_TRUE(absl::IsCancelled(run.status())) << run.status();
    EXPECT_THAT(run.status().message(), HasSubstr(expected));
    ASSERT_FALSE(phases.empty());
    EXPECT_EQ(phases.back(), v1::MatchingRun::FAILED);
    absl::StatusOr<v1::MatchingRun> latest = store_->LatestRun(event_id);
    ASSERT_TRUE(latest.ok()) << latest.status();
    EXPECT_EQ(latest->phase(), v1::MatchingRun::FAILED);
    EXPECT_EQ(latest->error(), absl::StrCat("the server is shutting down: ", expected,
                                            "; the previous schedule is unchanged"));
    const std::vector<v1::Meeting> after = Meetings(event_id);
    ASSERT_EQ(after.size(), before.size());
    for (size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ(after[i].SerializeAsString(), before[i].SerializeAsString())
          << "meeting " << before[i].id();
    }
  }
}

// A flag that is never raised changes nothing: the same schedule as without one.
TEST_F(MatchingRunTest, AnUnraisedCancelFlagGivesTheSameSchedule) {
  const uint64_t event_id = NewEvent();
  auto plan = [&]() {
    std::vector<std::tuple<uint64_t, uint64_t, std::string, std::string, uint32_t>> out;
    for (const v1::Meeting& m : Meetings(event_id)) {
      out.emplace_back(m.attendee_a(), m.attendee_b(), m.slot_id(), m.location_id(), m.table());
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  ASSERT_TRUE(Run(event_id).ok());
  const auto without = plan();
  match::CancelFlag cancel{false};
  RunOptions options = Options();
  options.cancel = &cancel;
  ASSERT_TRUE(RunMatching(store_.get(), event_id, options, nullptr).ok());
  EXPECT_EQ(plan(), without);
}

TEST_F(MatchingRunTest, AutoConfirmWritesConfirmedMeetingsThatNeverExpire) {
  const uint64_t event_id = NewEvent();
  ASSERT_TRUE(store_
                  ->MutateEvent(event_id,
                                [](v1::Event* e) {
                                  e->mutable_policy()->set_auto_confirm(true);
                                  return absl::OkStatus();
                                })
                  .ok());
  ASSERT_TRUE(Run(event_id).ok());
  const std::vector<v1::Meeting> meetings = Meetings(event_id);
  ASSERT_FALSE(meetings.empty());
  for (const v1::Meeting& m : meetings) {
    EXPECT_EQ(m.state(), v1::Meeting::CONFIRMED);
    EXPECT_EQ(m.answer_a(), v1::Meeting::ACCEPTED);
    EXPECT_EQ(m.answer_b(), v1::Meeting::ACCEPTED);
    EXPECT_EQ(m.expire_time(), 0);
  }
  CheckInvariants(event_id);
}

TEST_F(MatchingRunTest, AOneSidedWishIsNeverShownToItsTarget) {
  const uint64_t event_id = NewEvent();
  // Two attendees with nothing else in common: only the wish can bring them together.
  absl::StatusOr<std::vector<storage::UpsertResult>> added = store_->UpsertAttendees(event_id, [] {
    std::vector<v1::Attendee> rows(2);
    rows[0].set_external_id("wisher");
    rows[0].set_display_name("Wanda");
    rows[0].add_interests()->set_tag("zither");
    rows[0].add_wants("target");
    rows[1].set_external_id("target");
    rows[1].set_display_name("Tom");
    rows[1].add_interests()->set_tag("zither");
    return rows;
  }());
  ASSERT_TRUE(added.ok()) << added.status();
  const uint64_t wisher = (*added)[0].attendee_id, target = (*added)[1].attendee_id;
  ASSERT_TRUE(Run(event_id).ok());
  bool met = false;
  for (const v1::Meeting& m : Meetings(event_id)) {
    if (m.attendee_a() != wisher || m.attendee_b() != target) continue;
    met = true;
    bool wisher_told = false;
    for (const v1::Reason& r : m.reasons_for_a()) {
      wisher_told |= r.kind() == v1::Reason::YOU_ASKED_TO_MEET;
    }
    EXPECT_TRUE(wisher_told);
    for (const v1::Reason& r : m.reasons_for_b())
      EXPECT_NE(r.kind(), v1::Reason::YOU_ASKED_TO_MEET);
    EXPECT_THAT(m.starter_for_b(), ::testing::Not(HasSubstr("asked")));
  }
  EXPECT_TRUE(met);
  CheckInvariants(event_id);
}

TEST_F(MatchingRunTest, EventWithoutSlotsOrLocationsIsAFailedPrecondition) {
  const uint64_t no_slots = NewEvent(/*with_slots=*/false);
  absl::StatusOr<v1::MatchingRun> run = Run(no_slots);
  EXPECT_TRUE(absl::IsFailedPrecondition(run.status())) << run.status();
  EXPECT_THAT(run.status().message(), HasSubstr("slots"));
  EXPECT_TRUE(absl::IsNotFound(store_->LatestRun(no_slots).status()));  // no run recorded

  const uint64_t no_locations = NewEvent(/*with_slots=*/true, /*with_locations=*/false);
  run = Run(no_locations);
  EXPECT_TRUE(absl::IsFailedPrecondition(run.status())) << run.status();
  EXPECT_THAT(run.status().message(), HasSubstr("locations"));
  EXPECT_TRUE(Meetings(no_locations).empty());

  EXPECT_TRUE(absl::IsNotFound(Run(no_locations + 100).status()));
}

TEST_F(MatchingRunTest, ARunWithNoMeetingsSaysWhyForTheWholeEvent) {
  const uint64_t event_id = NewEvent(/*with_slots=*/true, /*with_locations=*/true, /*people=*/0);
  // An import with the wrong separator: every comma list became one tag.
  std::vector<v1::Attendee> rows;
  for (const char* tags : {"rust, embedded, bicycles", "cobol, compilers", "novels, poetry"}) {
    v1::Attendee& a = rows.emplace_back();
    a.set_external_id(absl::StrCat("p", rows.size()));
    a.set_display_name(a.external_id());
    a.add_interests()->set_tag(tags);
  }
  ASSERT_TRUE(store_->UpsertAttendees(event_id, rows).ok());
  absl::StatusOr<v1::MatchingRun> run = Run(event_id);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->report().meetings(), 0u);
  EXPECT_THAT(run->report().no_meetings_reason(),
              HasSubstr("no two attendees share an interest, offer or seek; 3 of 3 have one "
                        "interest containing commas"));
}

}  // namespace
}  // namespace parley::matching
