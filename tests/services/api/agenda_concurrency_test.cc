// Many attendees answer, decline and cancel at once over a real server while repairs run; then
// the whole store must hold: nobody twice in a slot, no table twice, only reachable states, no
// lost answer, and no pair ever proposed twice.
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/services/matching_test_util.h"

namespace parley {
namespace {

enum class Op { kAccept, kDecline, kCancel };

class AgendaConcurrencyTest : public testutil::MatchingServiceTest {};

TEST_F(AgendaConcurrencyTest, RacingAnswersNeverDoubleBookOrLoseUpdates) {
  constexpr int kAttendees = 120;
  constexpr int kThreads = 8;
  SetUpEvent(kAttendees, 3, 3, 50);
  Run();
  for (uint64_t id : ids_) TokenOf(id);  // issue tokens before the threads share the map

  std::mutex mu;
  std::map<std::pair<uint64_t, uint64_t>, Op> last_ok;  // (meeting, attendee) -> last success
  std::map<grpc::StatusCode, int> codes;
  auto worker = [&](int t) {
    std::mt19937_64 rng(1234 + t);
    for (int round = 0; round < 3; ++round) {
      for (int i = t; i < kAttendees; i += kThreads) {
        const uint64_t me = ids_[i];
        const std::string& token = attendee_tokens_.at(me);
        v1::Agenda agenda;
        grpc::Status s = agenda_->GetMyAgenda(Ctx(token).get(), {}, &agenda);
        ASSERT_TRUE(s.ok()) << s.error_message();
        for (const v1::Proposal& p : agenda.items()) {
          const int roll = static_cast<int>(rng() % 100);
          Op op = roll < 65 ? Op::kAccept : roll < 88 ? Op::kDecline : Op::kCancel;
          if (p.status() == v1::Proposal::CONFIRMED && op != Op::kCancel) continue;
          v1::Proposal view;
          if (op == Op::kCancel) {
            v1::CancelMeetingRequest request;
            request.set_meeting_id(p.meeting_id());
            s = agenda_->CancelMeeting(Ctx(token).get(), request, &view);
          } else {
            v1::RespondToProposalRequest request;
            request.set_meeting_id(p.meeting_id());
            request.set_accept(op == Op::kAccept);
            s = agenda_->RespondToProposal(Ctx(token).get(), request, &view);
          }
          std::lock_guard<std::mutex> lock(mu);
          ++codes[s.error_code()];
          if (s.ok()) last_ok[{p.meeting_id(), me}] = op;
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (std::thread& thread : threads) thread.join();
  server_->live()->WaitIdle();

  for (const auto& [code, count] : codes) {
    EXPECT_TRUE(code == grpc::StatusCode::OK || code == grpc::StatusCode::FAILED_PRECONDITION)
        << "status " << code << " x" << count;
  }
  EXPECT_GT(codes[grpc::StatusCode::OK], kAttendees);

  std::vector<v1::Meeting> all;
  ASSERT_TRUE(server_->store()
                  ->ScanMeetings(event_.id(),
                                 [&](const v1::Meeting& m) {
                                   all.push_back(m);
                                   return true;
                                 })
                  .ok());
  std::set<std::pair<uint64_t, std::string>> busy;
  std::set<std::tuple<std::string, std::string, uint32_t>> tables;
  std::set<std::pair<uint64_t, uint64_t>> pairs;
  std::map<uint64_t, int> load;
  int confirmed = 0, declined = 0, replacements = 0;
  for (const v1::Meeting& m : all) {
    EXPECT_TRUE(pairs.insert({m.attendee_a(), m.attendee_b()}).second)
        << "pair " << m.attendee_a() << "-" << m.attendee_b() << " proposed twice";
    const bool accepted_both =
        m.answer_a() == v1::Meeting::ACCEPTED && m.answer_b() == v1::Meeting::ACCEPTED;
    const bool some_decline = m.answer_a() == v1::Meeting::DECLINED_ANSWER ||
                              m.answer_b() == v1::Meeting::DECLINED_ANSWER;
    switch (m.state()) {
      case v1::Meeting::PROPOSED:
        EXPECT_FALSE(accepted_both) << m.id();
        EXPECT_FALSE(some_decline) << m.id();
        break;
      case v1::Meeting::CONFIRMED:
      case v1::Meeting::CANCELLED:
        EXPECT_TRUE(accepted_both) << m.id();
        break;
      case v1::Meeting::DECLINED:
        EXPECT_TRUE(some_decline) << m.id();
        break;
      default:
        ADD_FAILURE() << "meeting " << m.id() << " in unreachable state " << m.state();
    }
    confirmed += m.state() == v1::Meeting::CONFIRMED;
    declined += m.state() == v1::Meeting::DECLINED;
    replacements += m.run_id() == 0;
    if (m.state() == v1::Meeting::PROPOSED || m.state() == v1::Meeting::CONFIRMED) {
      for (uint64_t x : {m.attendee_a(), m.attendee_b()}) {
        EXPECT_TRUE(busy.insert({x, m.slot_id()}).second)
            << "attendee " << x << " twice in slot " << m.slot_id();
        EXPECT_LE(++load[x], 3) << "attendee " << x << " over budget";
      }
      EXPECT_TRUE(tables.insert({m.slot_id(), m.location_id(), m.table()}).second)
          << "table " << m.table() << " twice in slot " << m.slot_id();
    }
    // No lost update: every acknowledged answer is in the final record.
    for (uint64_t x : {m.attendee_a(), m.attendee_b()}) {
      auto it = last_ok.find({m.id(), x});
      if (it == last_ok.end()) continue;
      const v1::Meeting::Answer mine = x == m.attendee_a() ? m.answer_a() : m.answer_b();
      switch (it->second) {
        case Op::kAccept:
          EXPECT_EQ(mine, v1::Meeting::ACCEPTED) << "meeting " << m.id() << " attendee " << x;
          break;
        case Op::kDecline:
          EXPECT_EQ(mine, v1::Meeting::DECLINED_ANSWER) << m.id();
          EXPECT_EQ(m.state(), v1::Meeting::DECLINED) << m.id();
          break;
        case Op::kCancel:
          EXPECT_TRUE(m.state() == v1::Meeting::CANCELLED || m.state() == v1::Meeting::DECLINED)
              << m.id();
          break;
      }
    }
  }
  EXPECT_GT(confirmed, 0);
  EXPECT_GT(declined, 0);
  EXPECT_GT(replacements, 0);
}

}  // namespace
}  // namespace parley
