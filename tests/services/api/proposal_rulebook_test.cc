// A new proposal's terms, written once (services/domain/proposals.h: state, answers, expiry;
// services/domain/seating.h: which tables are held and which is free), fed through every path
// that proposes: a whole-event run, live repair after an organiser edit, and an introduction both
// sides accepted during the event. Each path gets its own event in one server, all in the same
// situation: the clock, the policy, the one slot the pair can still meet in and the table held
// there. The three meetings must agree with each other and with PRODUCT.md: PROPOSED (or with
// auto-confirm CONFIRMED by both), lapsing after the policy's expiry but never after the start
// of the meeting, at the table nobody holds.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "parley/v1/relationship_service.grpc.pb.h"
#include "storage/store.h"
#include "tests/services/matching_test_util.h"

namespace parley::testutil {
namespace {

// EventSpec's slot i starts at kNow + i * 1800: s3, the pair's only common free slot, at
// kNow + 5400 (90 minutes on).
constexpr int64_t kNow = 1800000000;
constexpr int64_t kS3Start = kNow + 5400;

struct ProposalCase {
  const char* name;
  bool auto_confirm;
  std::optional<uint32_t> expiry_minutes;  // nullopt: the policy's default (a day)
  // What PRODUCT.md's rules make of it.
  v1::Meeting::State state;
  int64_t expire_time;  // 0: never
};

const ProposalCase kCases[] = {
    {"LapsesAtTheStartOfItsSlot", false, 120, v1::Meeting::PROPOSED, kS3Start},
    {"DefaultExpiryLapsesAtTheStartOfItsSlot", false, std::nullopt, v1::Meeting::PROPOSED,
     kS3Start},
    {"LapsesAfterThePolicysMinutes", false, 60, v1::Meeting::PROPOSED, kNow + 3600},
    {"NeverLapsesWithoutExpiry", false, 0, v1::Meeting::PROPOSED, 0},
    {"AutoConfirmedByBoth", true, 60, v1::Meeting::CONFIRMED, 0},
};

enum class Path { kRun, kLiveRepair, kIntroduction };

class ProposalRulebookTest : public MatchingServiceTest,
                             public ::testing::WithParamInterface<ProposalCase> {
 protected:
  void SetUp() override {
    MatchingServiceTest::SetUp();
    now_ = kNow;
    relationships_ = v1::RelationshipService::NewStub(channel_);
    community_ = CreateCommunity("Chess club");
    token_ = OrganizerToken(community_);
  }

  static v1::Meeting Kept(uint64_t a, uint64_t b, const std::string& slot) {
    v1::Meeting m;
    m.set_attendee_a(a);
    m.set_attendee_b(b);
    m.set_slot_id(slot);
    m.set_location_id("hall");
    m.set_table(1);
    m.set_state(v1::Meeting::CONFIRMED);
    m.set_answer_a(v1::Meeting::ACCEPTED);
    m.set_answer_b(v1::Meeting::ACCEPTED);
    return m;
  }

  // The x-y meeting of the event, or a failure when there is not exactly one.
  std::optional<v1::Meeting> PairMeeting(uint64_t event_id, uint64_t x, uint64_t y) {
    event_.set_id(event_id);  // Meetings() lists event_'s
    std::optional<v1::Meeting> found;
    for (const v1::Meeting& m : Meetings()) {
      if (m.attendee_a() != x || m.attendee_b() != y) continue;
      EXPECT_FALSE(found.has_value()) << "two meetings of one pair";
      found = m;
    }
    return found;
  }

  // One event in the case's situation, the pair x-y proposed through `path`; their meeting.
  // z introduces; x met z in s1, y met z in s2 and u-v hold table 1 of the hall's two in s3:
  // all CONFIRMED before any run (written as a finished earlier schedule), so x and y can only
  // meet in s3, at table 2, and nobody else has budget left.
  std::optional<v1::Meeting> ProposalVia(Path path) {
    const ProposalCase& c = GetParam();
    v1::CreateEventRequest create;
    *create.mutable_event() = EventSpec("Chess night", 3);
    create.mutable_event()->mutable_locations(0)->set_tables(2);
    v1::EventPolicy* policy = create.mutable_event()->mutable_policy();
    policy->set_auto_confirm(c.auto_confirm);
    if (c.expiry_minutes.has_value()) policy->set_proposal_expiry_minutes(*c.expiry_minutes);
    v1::Event event;
    grpc::Status s = organizer_->CreateEvent(Ctx(token_).get(), create, &event);
    EXPECT_TRUE(s.ok()) << s.error_message();
    // Live repair finds x's partner only once x may meet twice.
    std::vector<v1::Attendee> rows = {Player(0, 2), Player(1, path == Path::kLiveRepair ? 1 : 2),
                                      Player(2, 2), Player(3, 1), Player(4, 1)};
    if (path == Path::kIntroduction) {
      // Nothing in common with x: no run or repair would ever pair them; only the introduction.
      v1::Attendee& y = rows[2];
      y.clear_interests();
      y.add_interests()->set_tag("knitting");
      y.clear_offers();
      y.add_offers("knitting lessons");
      y.clear_seeks();
      y.add_seeks("yarn");
    }
    v1::ImportAttendeesResponse imported;
    s = Import(token_, event.id(), rows, &imported);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<uint64_t> id;
    for (const v1::ImportRowResult& row : imported.results()) id.push_back(row.attendee_id());
    if (id.size() != rows.size()) return std::nullopt;
    const uint64_t z = id[0], x = id[1], y = id[2], u = id[3], v = id[4];
    EXPECT_TRUE(SetStatus(token_, event.id(), v1::OPEN).ok());

    storage::Store* store = server_->store();
    v1::MatchingRun earlier;
    earlier.set_event_id(event.id());
    absl::StatusOr<v1::MatchingRun> created = store->CreateRun(earlier);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return std::nullopt;
    created->set_phase(v1::MatchingRun::DONE);
    absl::StatusOr<std::vector<v1::Meeting>> kept = store->ReplaceSchedule(
        event.id(), *created, {Kept(z, x, "s1"), Kept(z, y, "s2"), Kept(u, v, "s3")}, {});
    EXPECT_TRUE(kept.ok()) << kept.status();

    v1::MatchingRun last;
    s = RunMatching(token_, event.id(), &last);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(last.phase(), v1::MatchingRun::DONE) << last.error();
    if (path != Path::kRun) {
      EXPECT_FALSE(PairMeeting(event.id(), x, y).has_value()) << "the run already paired them";
    }
    if (path == Path::kLiveRepair) {
      v1::UpdateAttendeeRequest update;
      update.mutable_attendee()->set_event_id(event.id());
      update.mutable_attendee()->set_id(x);
      update.mutable_attendee()->set_budget(2);
      update.mutable_update_mask()->add_paths("budget");
      v1::Attendee updated;
      s = organizer_->UpdateAttendee(Ctx(token_).get(), update, &updated);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    if (path == Path::kIntroduction) {
      v1::IntroduceRequest introduce;
      introduce.set_attendee_a(x);
      introduce.set_attendee_b(y);
      introduce.set_note("you both play at the same club");
      v1::Introduction made;
      s = relationships_->Introduce(Ctx(AttendeeToken(token_, event.id(), z)).get(), introduce,
                                    &made);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (uint64_t who : {x, y}) {
        v1::RespondToIntroductionRequest respond;
        respond.set_introduction_id(made.id());
        respond.set_accept(true);
        v1::Introduction view;
        s = relationships_->RespondToIntroduction(Ctx(AttendeeToken(token_, event.id(), who)).get(),
                                                  respond, &view);
        EXPECT_TRUE(s.ok()) << s.error_message();
      }
    }
    server_->live()->WaitIdle();
    return PairMeeting(event.id(), x, y);
  }

  std::unique_ptr<v1::RelationshipService::Stub> relationships_;
};

TEST_P(ProposalRulebookTest, RunLiveRepairAndIntroductionProposeAlike) {
  const ProposalCase& c = GetParam();
  const struct {
    const char* path;
    std::optional<v1::Meeting> meeting;
  } proposed[] = {{"run", ProposalVia(Path::kRun)},
                  {"live repair", ProposalVia(Path::kLiveRepair)},
                  {"introduction", ProposalVia(Path::kIntroduction)}};
  for (const auto& [path, meeting] : proposed) {
    SCOPED_TRACE(path);
    ASSERT_TRUE(meeting.has_value()) << "no proposal for the pair";
    EXPECT_EQ(meeting->state(), c.state);
    const v1::Meeting::Answer answer =
        c.auto_confirm ? v1::Meeting::ACCEPTED : v1::Meeting::ANSWER_UNSPECIFIED;
    EXPECT_EQ(meeting->answer_a(), answer);
    EXPECT_EQ(meeting->answer_b(), answer);
    EXPECT_EQ(meeting->expire_time(), c.expire_time);
    EXPECT_EQ(meeting->create_time(), kNow);
    EXPECT_EQ(meeting->slot_id(), "s3");
    EXPECT_EQ(meeting->location_id(), "hall");
    EXPECT_EQ(meeting->table(), 2u) << "table 1 is held by a confirmed meeting";
  }
}

INSTANTIATE_TEST_SUITE_P(EveryExpiryAndConfirmation, ProposalRulebookTest,
                         ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ProposalCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace parley::testutil
