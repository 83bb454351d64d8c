// parley feedback, introduce, introductions, who-else, wishes (attendee token) and analytics
// (organiser token): what follows the meetings.
#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"
#include "clients/cli/values.h"

namespace parley::client::cli {
namespace {

void PrintPerson(std::ostream& out, const v1::PublicProfile& p) {
  out << p.display_name() << " (attendee " << p.attendee_id() << ")";
  if (!p.organisation().empty()) out << ", " << p.organisation();
}

void PrintReasons(std::ostream& out,
                  const google::protobuf::RepeatedPtrField<v1::Reason>& reasons) {
  for (const v1::Reason& r : reasons) out << "    - " << DescribeReason(r) << "\n";
}

absl::string_view IntroductionStatus(v1::Introduction::Status status) {
  switch (status) {
    case v1::Introduction::ACCEPTED:
      return "accepted by both";
    case v1::Introduction::DECLINED_BY_ME:
      return "declined by me";
    default:
      return "pending";
  }
}

void PrintIntroduction(std::ostream& out, const v1::Introduction& intro) {
  out << "introduction " << intro.id() << "  [" << IntroductionStatus(intro.status()) << "]\n  ";
  if (intro.made_by_me()) {
    out << "I introduced ";
    PrintPerson(out, intro.person());
    out << " and ";
    PrintPerson(out, intro.other_person());
  } else {
    PrintPerson(out, intro.introducer());
    out << " introduced me to ";
    PrintPerson(out, intro.person());
  }
  out << "\n  note: " << intro.note() << "\n";
  if (intro.meeting_id() != 0) out << "  proposal: meeting " << intro.meeting_id() << "\n";
}

int FeedbackGive(Context& ctx) {
  int code = 0;
  uint64_t meeting_id = 0;
  if (!GetId(ctx, "meeting id", ctx.operands[0], &meeting_id, &code)) return code;
  const std::string outcome = absl::AsciiStrToLower(ctx.operands[1]);
  v1::RecordFeedbackRequest request;
  request.set_meeting_id(meeting_id);
  if (outcome == "happened") {
    request.set_outcome(v1::Feedback::HAPPENED);
  } else if (outcome == "no-show") {
    request.set_outcome(v1::Feedback::NO_SHOW);
  } else {
    return UsageError(
        ctx, absl::StrCat("outcome \"", ctx.operands[1], "\": expected happened or no-show"));
  }
  if (ctx.Has("rating")) {
    absl::StatusOr<uint32_t> rating = ParseCount("--rating", ctx.Get("rating"), 5);
    if (!rating.ok() || *rating == 0) return UsageError(ctx, "--rating: expected 1 to 5");
    request.set_rating(*rating);
  } else if (request.outcome() == v1::Feedback::HAPPENED) {
    return UsageError(ctx, "--rating is required when the meeting happened");
  }
  request.set_follow_up(ctx.Has("follow-up"));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->RecordFeedback(request), [&](const v1::Feedback& f) {
    ctx.out << "feedback on meeting " << f.meeting_id() << " with ";
    PrintPerson(ctx.out, f.partner());
    ctx.out << ": "
            << (f.outcome() == v1::Feedback::HAPPENED ? absl::StrCat("happened, rated ", f.rating())
                                                      : std::string("no-show"))
            << (f.follow_up() ? ", follow up" : "") << "\n(private: only you see it)\n";
  });
}

int FeedbackList(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->ListMyFeedback(v1::ListMyFeedbackRequest()),
                [&](const v1::ListMyFeedbackResponse& response) {
                  if (response.feedback().empty()) ctx.out << "no feedback given yet\n";
                  for (const v1::Feedback& f : response.feedback()) {
                    ctx.out << "meeting " << f.meeting_id() << "  ";
                    PrintPerson(ctx.out, f.partner());
                    ctx.out << "  "
                            << (f.outcome() == v1::Feedback::HAPPENED
                                    ? absl::StrCat("rated ", f.rating())
                                    : std::string("no-show"))
                            << (f.follow_up() ? "  follow up" : "") << "\n";
                  }
                });
}

int Introduce(Context& ctx) {
  int code = 0;
  uint64_t a = 0, b = 0;
  if (!GetId(ctx, "attendee id", ctx.operands[0], &a, &code)) return code;
  if (!GetId(ctx, "attendee id", ctx.operands[1], &b, &code)) return code;
  v1::IntroduceRequest request;
  request.set_attendee_a(a);
  request.set_attendee_b(b);
  request.set_note(ctx.Get("note"));
  if (ctx.Has("request")) {
    uint64_t request_id = 0;
    if (!GetId(ctx, "--request", ctx.Get("request"), &request_id, &code)) return code;
    request.set_request_id(request_id);
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->Introduce(request),
                [&](const v1::Introduction& intro) { PrintIntroduction(ctx.out, intro); });
}

int Introductions(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->ListMyIntroductions(v1::ListMyIntroductionsRequest()),
                [&](const v1::ListMyIntroductionsResponse& response) {
                  if (response.introductions().empty()) ctx.out << "no introductions\n";
                  for (const v1::Introduction& intro : response.introductions()) {
                    PrintIntroduction(ctx.out, intro);
                  }
                });
}

int IntroductionRespond(Context& ctx) {
  int code = 0;
  uint64_t id = 0;
  if (!GetId(ctx, "introduction id", ctx.operands[0], &id, &code)) return code;
  bool accept = false;
  if (!GetAnswer(ctx, ctx.operands[1], &accept, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::RespondToIntroductionRequest request;
  request.set_introduction_id(id);
  request.set_accept(accept);
  return Output(ctx, client->RespondToIntroduction(request),
                [&](const v1::Introduction& intro) { PrintIntroduction(ctx.out, intro); });
}

int IntroductionAsk(Context& ctx) {
  int code = 0;
  uint64_t id = 0;
  if (!GetId(ctx, "attendee id", ctx.operands[0], &id, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::AskForIntroductionsRequest request;
  request.set_attendee_id(id);
  request.set_note(ctx.Get("note"));
  return Output(ctx, client->AskForIntroductions(request), [&](const v1::IntroductionRequest& r) {
    ctx.out << "request " << r.id() << " sent to ";
    PrintPerson(ctx.out, r.person());
    ctx.out << "\n";
  });
}

int IntroductionRequests(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->ListIntroductionRequests(v1::ListIntroductionRequestsRequest()),
                [&](const v1::ListIntroductionRequestsResponse& response) {
                  if (response.requests().empty()) ctx.out << "no requests for introductions\n";
                  for (const v1::IntroductionRequest& r : response.requests()) {
                    ctx.out << "request " << r.id() << "  "
                            << (r.sent_by_me() ? "I asked " : "asked by ");
                    PrintPerson(ctx.out, r.person());
                    ctx.out << "  answered " << r.answered() << "\n";
                    if (!r.note().empty()) ctx.out << "  note: " << r.note() << "\n";
                    if (!r.sent_by_me()) {
                      ctx.out << "  answer with: parley introduce " << r.person().attendee_id()
                              << " ATTENDEE_ID --note TEXT --request " << r.id() << "\n";
                    }
                  }
                });
}

int WhoElse(Context& ctx) {
  int code = 0;
  v1::WhoElseShouldIMeetRequest request;
  if (ctx.Has("max")) {
    absl::StatusOr<uint32_t> max = ParseCount("--max", ctx.Get("max"), 20);
    if (!max.ok() || *max == 0) return UsageError(ctx, "--max: expected 1 to 20");
    request.set_max_results(*max);
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->WhoElseShouldIMeet(request),
                [&](const v1::WhoElseShouldIMeetResponse& response) {
                  if (response.people().empty()) {
                    ctx.out << "nobody yet: rate the people you met (parley feedback)\n";
                  }
                  for (const v1::PersonSuggestion& p : response.people()) {
                    PrintPerson(ctx.out, p.person());
                    ctx.out << "\n";
                    PrintReasons(ctx.out, p.reasons());
                  }
                });
}

int PrintWishes(Context& ctx, const absl::StatusOr<v1::ListMyWishesResponse>& result) {
  return Output(ctx, result, [&](const v1::ListMyWishesResponse& response) {
    if (response.wishes().empty()) ctx.out << "no wishes\n";
    for (const v1::Wish& w : response.wishes()) {
      PrintPerson(ctx.out, w.person());
      ctx.out << "\n";
    }
  });
}

int Wishes(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return PrintWishes(ctx, client->ListMyWishes(v1::ListMyWishesRequest()));
}

// `wishes add` and `wishes remove`: the wishes after the change.
int ChangeWish(Context& ctx, bool add) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  uint64_t id = 0;
  if (!GetId(ctx, "attendee id", ctx.operands[0], &id, &code)) return code;
  v1::WishRequest request;
  request.set_attendee_id(id);
  return PrintWishes(ctx, add ? client->AddWish(request) : client->RemoveWish(request));
}

int WishesAdd(Context& ctx) { return ChangeWish(ctx, /*add=*/true); }
int WishesRemove(Context& ctx) { return ChangeWish(ctx, /*add=*/false); }

void PrintAnalytics(std::ostream& out, const v1::Analytics& a) {
  out << (a.event_id() == 0 ? std::string("all events")
                            : absl::StrCat("event ", a.event_id(), ": ", a.event_name()))
      << "\n"
      << absl::StrFormat("  proposals %u: confirmed %u, declined %u, expired %u, cancelled %u\n",
                         a.proposals(), a.confirmed(), a.declined(), a.expired(), a.cancelled())
      << absl::StrFormat("  acceptance rate %.2f, held %u (rate %.2f), no-shows %u\n",
                         a.acceptance_rate(), a.held(), a.held_rate(), a.no_show())
      << "  feedback " << a.feedback() << ", ratings 1-5:";
  for (uint32_t count : a.rating_counts()) out << " " << count;
  out << absl::StrFormat(" (mean %.2f), follow-ups %u (rate %.2f)\n", a.mean_rating(),
                         a.follow_ups(), a.follow_up_rate())
      << "  introductions made " << a.introductions_made() << ", accepted by both "
      << a.introductions_accepted() << "\n";
}

int Analytics(Context& ctx) {
  int code = 0;
  v1::GetAnalyticsRequest request;
  if (ctx.Has("event")) {
    uint64_t event_id = 0;
    if (!GetId(ctx, "--event", ctx.Get("event"), &event_id, &code)) return code;
    request.set_event_id(event_id);
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->GetAnalytics(request), [&](const v1::GetAnalyticsResponse& response) {
    for (const v1::Analytics& a : response.events()) PrintAnalytics(ctx.out, a);
    if (response.events_size() > 1) PrintAnalytics(ctx.out, response.total());
  });
}

}  // namespace

void AddRelationshipCommands(CommandTree& tree) {
  tree.Add({"feedback"}, "Records my feedback on a meeting after its slot.",
           "Needs an attendee token. --rating 1-5 (required when it happened), --follow-up if I\n"
           "would like to meet them again. Private: the other person never sees it.",
           FeedbackGive)
      .Operands({"MEETING_ID", "happened|no-show"})
      .Flag({"rating", "N", "feedback: how it went, 1-5"})
      .Flag({"follow-up", "", "feedback: I would like to meet this person again"});
  tree.Add({"feedback", "list"}, "Lists the feedback I gave.", "Needs an attendee token.",
           FeedbackList);
  const FlagSpec note = {"note", "TEXT", "introductions: why they should talk (up to 500 bytes)"};
  tree.Add({"introduce"}, "Introduces two people I met to each other.",
           "Needs an attendee token. Both are asked; once both accept they get a proposal in the\n"
           "next slot both have free. --request ID answers a request for introductions.",
           Introduce)
      .Operands({"ATTENDEE_ID", "ATTENDEE_ID"})
      .Required(note)
      .Flag({"request", "ID", "introduce: the request for introductions this answers"});
  tree.Add({"introductions"}, "Lists introductions I made and introductions made to me.",
           "Needs an attendee token. A decline is never shown to anybody else.", Introductions);
  tree.Add({"introductions", "respond"}, "Accepts or declines an introduction made to me.",
           "Needs an attendee token.", IntroductionRespond)
      .Operands({"INTRODUCTION_ID", "accept|decline"});
  tree.Add({"introductions", "ask"}, "Asks someone I met to introduce me to people they know.",
           "Needs an attendee token.", IntroductionAsk)
      .Operands({"ATTENDEE_ID"})
      .Flag(note);
  tree.Add({"introductions", "requests"}, "Lists requests for introductions, sent and received.",
           "Needs an attendee token.", IntroductionRequests);
  tree.Add({"who-else"}, "Suggests people to meet, reached through people I rated highly.",
           "Needs an attendee token.", WhoElse)
      .Flag({"max", "N", "who-else: at most N people (default 5, at most 20)"});
  tree.Add({"wishes"}, "Lists the people I wish to meet.",
           "Needs an attendee token. A wish is never shown to its target; a mutual one shows as "
           "a\n"
           "reason on your proposal.",
           Wishes);
  tree.Add({"wishes", "add"}, "Adds a wish (at most 10).",
           "Needs an attendee token. Only people you were shown (suggestions, meetings,\n"
           "introductions, who-else). A wish raises the pair's weight in matching.",
           WishesAdd)
      .Operands({"ATTENDEE_ID"});
  tree.Add({"wishes", "remove"}, "Removes a wish.", "Needs an attendee token.", WishesRemove)
      .Operands({"ATTENDEE_ID"});
  tree.Add({"analytics"}, "Shows acceptance, held and follow-up rates, ratings and introductions.",
           "Needs an organiser token. --event ID for one event; without it every event of the\n"
           "community and the total.",
           Analytics)
      .Flag(kEventFlag);
}

}  // namespace parley::client::cli
