// Known pairs through the organiser API: the streamed import's per-row results, idempotence,
// removal, and the rule itself: a run never proposes a known pair, an import cancels a proposal
// of a pair that became known, and the live repair never brings it back.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/service_fixture.h"

namespace parley {
namespace {

using ::testing::HasSubstr;

class KnownPairsTest : public testutil::ServiceTest {
 protected:
  void SetUp() override {
    testutil::ServiceTest::SetUp();
    token_ = OrganizerToken(CreateCommunity("Co-authors"));
    event_ = CreateEvent(token_, "Workshop", 2).id();
  }

  static v1::Attendee Researcher(const std::string& id, std::vector<std::string> interests) {
    v1::Attendee a = Person(id, "Name " + id);
    for (const std::string& tag : interests) {
      v1::Interest* interest = a.add_interests();
      interest->set_tag(tag);
      interest->set_weight(3);
    }
    a.set_budget(1);
    return a;
  }

  // Imports `people` and fills ids_ (external id -> attendee id).
  void ImportPeople(const std::vector<v1::Attendee>& people) {
    v1::ImportAttendeesResponse imported;
    grpc::Status s = Import(token_, event_, people, &imported);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const v1::ImportRowResult& row : imported.results()) {
      ASSERT_EQ(row.error(), "");
      ids_[row.external_id()] = row.attendee_id();
    }
  }

  // Streams pairs, `per_message` rows per message, rows numbered from 1 by the server.
  grpc::Status ImportPairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                           v1::ImportKnownPairsResponse* out, int per_message = 2) {
    auto context = Ctx(token_);
    auto writer = organizer_->ImportKnownPairs(context.get(), out);
    v1::ImportKnownPairsRequest message;
    for (size_t i = 0; i < pairs.size(); ++i) {
      message.set_event_id(event_);
      v1::KnownPair* pair = message.add_rows()->mutable_pair();
      pair->set_external_id_a(pairs[i].first);
      pair->set_external_id_b(pairs[i].second);
      if (message.rows_size() == per_message || i + 1 == pairs.size()) {
        if (!writer->Write(message)) break;
        message.Clear();
      }
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // Meetings of the event in `state` between the two attendees.
  int MeetingsBetween(const std::string& x, const std::string& y, v1::Meeting::State state) {
    v1::ListMeetingsRequest request;
    request.set_event_id(event_);
    request.set_attendee_id(ids_[x]);
    request.set_state(state);
    v1::ListMeetingsResponse response;
    grpc::Status s = matching_->ListMeetings(Ctx(token_).get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    int n = 0;
    for (const v1::Meeting& m : response.meetings()) {
      if (m.attendee_a() == ids_[y] || m.attendee_b() == ids_[y]) ++n;
    }
    return n;
  }

  void Run() {
    v1::MatchingRun last;
    grpc::Status s = RunMatching(token_, event_, &last);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(last.phase(), v1::MatchingRun::DONE) << last.error();
  }

  std::string token_;
  uint64_t event_ = 0;
  std::map<std::string, uint64_t> ids_;
};

TEST_F(KnownPairsTest, ImportAnswersEveryRowAndIsIdempotent) {
  ImportPeople({Researcher("a", {}), Researcher("b", {}), Researcher("c", {})});
  v1::ImportKnownPairsResponse first;
  grpc::Status s =
      ImportPairs({{"a", "b"}, {"b", "a"}, {"a", "zz"}, {"c", "c"}, {"", "a"}, {"c", "a"}}, &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(first.results_size(), 6);
  EXPECT_EQ(first.results(0).outcome(), v1::KnownPairResult::ADDED);
  EXPECT_EQ(first.results(1).outcome(), v1::KnownPairResult::UNCHANGED);
  EXPECT_EQ(first.results(2).outcome(), v1::KnownPairResult::REJECTED);
  EXPECT_THAT(first.results(2).error(), HasSubstr("row 3: external_id_b: no attendee \"zz\""));
  EXPECT_THAT(first.results(3).error(), HasSubstr("row 4: external_id_b: the same attendee"));
  EXPECT_THAT(first.results(4).error(), HasSubstr("row 5: external_id_a: required"));
  EXPECT_EQ(first.results(5).outcome(), v1::KnownPairResult::ADDED);
  EXPECT_EQ(first.added(), 2u);
  EXPECT_EQ(first.unchanged(), 1u);
  EXPECT_EQ(first.rejected(), 3u);

  v1::ImportKnownPairsResponse again;
  ASSERT_TRUE(ImportPairs({{"a", "b"}, {"a", "c"}}, &again).ok());
  EXPECT_EQ(again.unchanged(), 2u);
  EXPECT_EQ(again.added(), 0u);

  v1::RemoveKnownPairsRequest remove;
  remove.set_event_id(event_);
  v1::KnownPair* pair = remove.add_pairs();
  pair->set_external_id_a("c");
  pair->set_external_id_b("a");
  pair = remove.add_pairs();
  pair->set_external_id_a("b");
  pair->set_external_id_b("c");
  v1::RemoveKnownPairsResponse removed;
  ASSERT_TRUE(organizer_->RemoveKnownPairs(Ctx(token_).get(), remove, &removed).ok());
  EXPECT_THAT(removed.removed(), ::testing::ElementsAre(true, false));
  EXPECT_EQ(removed.removed_count(), 1u);
}

TEST_F(KnownPairsTest, StreamErrorsEndTheCall) {
  ImportPeople({Researcher("a", {}), Researcher("b", {})});
  v1::ImportKnownPairsResponse out;
  auto context = Ctx(token_);
  auto writer = organizer_->ImportKnownPairs(context.get(), &out);
  v1::ImportKnownPairsRequest message;
  message.set_event_id(event_ + 100);
  v1::KnownPair* pair = message.add_rows()->mutable_pair();
  pair->set_external_id_a("a");
  pair->set_external_id_b("b");
  writer->Write(message);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  // Another community's organiser sees nothing either.
  const std::string other = OrganizerToken(CreateCommunity("Other"));
  auto other_context = Ctx(other);
  auto other_writer = organizer_->ImportKnownPairs(other_context.get(), &out);
  message.set_event_id(event_);
  other_writer->Write(message);
  other_writer->WritesDone();
  EXPECT_EQ(other_writer->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(KnownPairsTest, AKnownPairIsNeverProposedAndAnImportCancelsItsProposal) {
  // a-b and c-d are each other's only match; e-f as well.
  ImportPeople({Researcher("a", {"chess"}), Researcher("b", {"chess"}), Researcher("c", {"jazz"}),
                Researcher("d", {"jazz"}), Researcher("e", {"go"}), Researcher("f", {"go"})});
  ASSERT_TRUE(SetStatus(token_, event_, v1::OPEN).ok());
  v1::ImportKnownPairsResponse imported;
  ASSERT_TRUE(ImportPairs({{"b", "a"}}, &imported).ok());
  ASSERT_EQ(imported.added(), 1u);
  Run();
  EXPECT_EQ(MeetingsBetween("a", "b", v1::Meeting::PROPOSED), 0);
  EXPECT_EQ(MeetingsBetween("c", "d", v1::Meeting::PROPOSED), 1);  // the run did propose

  // c and d become known while their proposal is open: it is cancelled, and neither the live
  // repair nor a new run proposes them again.
  v1::ImportKnownPairsResponse later;
  ASSERT_TRUE(ImportPairs({{"c", "d"}}, &later).ok());
  ASSERT_EQ(later.added(), 1u);
  server_->live()->WaitIdle();
  EXPECT_EQ(MeetingsBetween("c", "d", v1::Meeting::PROPOSED), 0);
  EXPECT_EQ(MeetingsBetween("c", "d", v1::Meeting::CANCELLED), 1);
  Run();
  EXPECT_EQ(MeetingsBetween("c", "d", v1::Meeting::PROPOSED), 0);
  EXPECT_EQ(MeetingsBetween("e", "f", v1::Meeting::PROPOSED), 1);
}

TEST_F(KnownPairsTest, RemovingAnAttendeeForgetsTheirPairs) {
  ImportPeople({Researcher("a", {"chess"}), Researcher("b", {"chess"})});
  v1::ImportKnownPairsResponse imported;
  ASSERT_TRUE(ImportPairs({{"a", "b"}}, &imported).ok());
  v1::RemoveAttendeeRequest remove;
  remove.set_event_id(event_);
  remove.set_attendee_id(ids_["b"]);
  v1::RemoveAttendeeResponse removed;
  ASSERT_TRUE(organizer_->RemoveAttendee(Ctx(token_).get(), remove, &removed).ok());
  // b comes back under the same external id: a new attendee, whom a does not know yet.
  ImportPeople({Researcher("b", {"chess"})});
  v1::ImportKnownPairsResponse again;
  ASSERT_TRUE(ImportPairs({{"a", "b"}}, &again).ok());
  ASSERT_EQ(again.results_size(), 1);
  EXPECT_EQ(again.results(0).outcome(), v1::KnownPairResult::ADDED);
}

}  // namespace
}  // namespace parley
