// Every hard constraint on a pair (services/domain/constraints.h) fed through every path that
// uses it: the rulebook itself, a whole-event run, and live repair plus "more" after an organiser
// edit. Each case also runs without the rule first, so a path that ignored the rule would fail:
// the two attendees share the event's only rare interest, so unruled they always meet.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "services/domain/constraints.h"
#include "tests/services/matching_test_util.h"

namespace parley::testutil {
namespace {

struct RuleCase {
  const char* name;
  domain::PairBlock block;
  // Applies the rule to the two records (x may be changed, y may be changed).
  void (*apply)(v1::Attendee* x, v1::Attendee* y);
  // The top-level fields `apply` changes on x and on y (for the organiser's update masks).
  std::vector<std::string> x_fields, y_fields;
};

const RuleCase kCases[] = {
    {"AvoidedPerson",
     domain::PairBlock::kAvoided,
     [](v1::Attendee* x, v1::Attendee* y) { x->add_avoid(y->external_id()); },
     {"avoid"},
     {}},
    {"AvoidedOrganisationInAnotherCase",
     domain::PairBlock::kAvoided,
     [](v1::Attendee* x, v1::Attendee* y) {
       std::string org = y->organisation();
       std::transform(org.begin(), org.end(), org.begin(), ::toupper);
       x->add_avoid_organisations(org);
     },
     {"avoid_organisations"},
     {}},
    {"SameOrganisation",
     domain::PairBlock::kSameOrganisation,
     [](v1::Attendee* x, v1::Attendee* y) { x->set_organisation(" " + y->organisation() + " "); },
     {"organisation"},
     {}},
    {"NoCommonLanguage",
     domain::PairBlock::kNoCommonLanguage,
     [](v1::Attendee* x, v1::Attendee* y) {
       x->clear_languages();
       x->add_languages("de");
       y->clear_languages();
       y->add_languages("fr");
     },
     {"languages"},
     {"languages"}},
    {"OptedOut",
     domain::PairBlock::kOptedOut,
     [](v1::Attendee*, v1::Attendee* y) { y->set_budget(0); },
     {},
     {"budget"}},
};

class RulebookTest : public MatchingServiceTest, public ::testing::WithParamInterface<RuleCase> {
 protected:
  // Eight chess players (everyone may meet everyone), the event avoiding same-organisation
  // pairs; players 0 and 1 also share a rare passion, so they are the event's best pair.
  void SetUpRuleEvent() {
    SetUpEvent(8, 3, 2);
    v1::UpdateEventRequest update;
    update.mutable_event()->set_id(event_.id());
    *update.mutable_event()->mutable_policy() = event_.policy();
    update.mutable_event()->mutable_policy()->set_avoid_same_organisation(true);
    update.mutable_update_mask()->add_paths("policy");
    ASSERT_TRUE(organizer_->UpdateEvent(Ctx(token_).get(), update, &event_).ok());
    x_ = ids_[0];
    y_ = ids_[1];
    for (uint64_t id : {x_, y_}) {
      v1::Attendee passion;
      v1::Interest* bikes = passion.add_interests();
      bikes->set_tag("restoring vintage bicycles");
      bikes->set_weight(3);
      *passion.mutable_interests() = MergedInterests(people_[id], passion);
      Update(id, passion, {"interests"});
    }
  }

  static google::protobuf::RepeatedPtrField<v1::Interest> MergedInterests(
      const v1::Attendee& a, const v1::Attendee& extra) {
    google::protobuf::RepeatedPtrField<v1::Interest> all = a.interests();
    for (const v1::Interest& i : extra.interests()) *all.Add() = i;
    return all;
  }

  void Update(uint64_t id, const v1::Attendee& fields, const std::vector<std::string>& mask) {
    if (mask.empty()) return;
    v1::UpdateAttendeeRequest update;
    *update.mutable_attendee() = fields;
    update.mutable_attendee()->set_event_id(event_.id());
    update.mutable_attendee()->set_id(id);
    for (const std::string& path : mask) update.mutable_update_mask()->add_paths(path);
    v1::Attendee updated;
    grpc::Status s = organizer_->UpdateAttendee(Ctx(token_).get(), update, &updated);
    ASSERT_TRUE(s.ok()) << s.error_message();
    people_[id] = updated;
  }

  // Applies the case's rule to x and y through the organiser's API.
  void ApplyRule(const RuleCase& rule) {
    v1::Attendee x = people_[x_], y = people_[y_];
    rule.apply(&x, &y);
    Update(x_, x, rule.x_fields);
    Update(y_, y, rule.y_fields);
  }

  v1::Attendee Stored(uint64_t id) {
    v1::GetAttendeeRequest request;
    request.set_event_id(event_.id());
    request.set_attendee_id(id);
    v1::Attendee a;
    grpc::Status s = organizer_->GetAttendee(Ctx(token_).get(), request, &a);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return a;
  }

  bool PairActive() {
    for (const v1::Meeting& m : Meetings()) {
      if (std::minmax(m.attendee_a(), m.attendee_b()) == std::minmax(x_, y_) &&
          (m.state() == v1::Meeting::PROPOSED || m.state() == v1::Meeting::CONFIRMED)) {
        return true;
      }
    }
    return false;
  }

  uint64_t x_ = 0, y_ = 0;
};

TEST_P(RulebookTest, UnruledThePairMeets) {
  SetUpRuleEvent();
  EXPECT_EQ(domain::BlockedPair(event_, Stored(x_), Stored(y_)), domain::PairBlock::kNone);
  Run();
  EXPECT_TRUE(PairActive())
      << "the control case must pair x and y, or the rule tests prove nothing";
}

TEST_P(RulebookTest, TheRulebookBlocksThePair) {
  SetUpRuleEvent();
  ApplyRule(GetParam());
  EXPECT_EQ(domain::BlockedPair(event_, Stored(x_), Stored(y_)), GetParam().block);
  EXPECT_EQ(domain::BlockedPair(event_, Stored(y_), Stored(x_)), GetParam().block);
}

TEST_P(RulebookTest, AWholeEventRunNeverProposesThePair) {
  SetUpRuleEvent();
  ApplyRule(GetParam());
  Run();
  EXPECT_FALSE(PairActive());
}

TEST_P(RulebookTest, LiveRepairCancelsThePairAndMoreNeverBringsItBack) {
  SetUpRuleEvent();
  Run();
  ASSERT_TRUE(PairActive());
  ApplyRule(GetParam());
  server_->live()->WaitIdle();
  EXPECT_FALSE(PairActive());
  v1::ListMySuggestionsResponse added;
  for (uint64_t id : {x_, y_}) {
    grpc::Status s = agenda_->RequestMoreSuggestions(Ctx(TokenOf(id)).get(), {}, &added);
    // An attendee who opted out may be told there is nothing to ask for; that is fine here.
    EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
        << s.error_message();
  }
  server_->live()->WaitIdle();
  EXPECT_FALSE(PairActive());
}

INSTANTIATE_TEST_SUITE_P(EveryHardConstraint, RulebookTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<RuleCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace parley::testutil
