#include "clients/cli_print.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "clients/attendee_fields.h"
#include "google/protobuf/util/json_util.h"

namespace parley::client {
namespace {

const char* RoleName(v1::TokenInfo::Role role) {
  switch (role) {
    case v1::TokenInfo::OPERATOR:
      return "operator";
    case v1::TokenInfo::ORGANIZER:
      return "organizer";
    case v1::TokenInfo::ATTENDEE:
      return "attendee";
    default:
      return "unspecified";
  }
}

const char* YesNo(bool value) { return value ? "yes" : "no"; }

}  // namespace

void PrintJson(std::ostream& out, const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a well-formed message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  out << json;
  if (json.empty() || json.back() != '\n') out << '\n';
}

void PrintJsonLine(std::ostream& out, const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  out << json << '\n';
}

absl::Status ParseJson(const std::string& json, const std::string& what,
                       google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  auto status = google::protobuf::util::JsonStringToMessage(json, message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a ", message->GetDescriptor()->name(),
                     " in protobuf JSON: ", std::string(status.message())));
  }
  return absl::OkStatus();
}

std::string FormatTimestamp(int64_t unix_seconds, const std::string& time_zone) {
  if (unix_seconds == 0) return "-";
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!time_zone.empty()) absl::LoadTimeZone(time_zone, &zone);
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(unix_seconds), zone);
}

void PrintCommunity(std::ostream& out, const v1::Community& community) {
  out << "community " << community.id() << "  " << community.name() << "  (created "
      << FormatTimestamp(community.create_time(), "UTC") << " UTC)\n";
}

void PrintTokenInfo(std::ostream& out, const v1::TokenInfo& info) {
  out << info.token_id() << "  " << RoleName(info.role()) << "  community " << info.community_id();
  if (info.event_id() != 0) out << "  event " << info.event_id();
  if (info.attendee_id() != 0) out << "  attendee " << info.attendee_id();
  if (!info.label().empty()) out << "  \"" << info.label() << "\"";
  out << "  created " << FormatTimestamp(info.create_time(), "UTC");
  if (info.revoke_time() != 0) out << "  REVOKED " << FormatTimestamp(info.revoke_time(), "UTC");
  out << "\n";
}

void PrintIssuedToken(std::ostream& out, const std::string& token, const v1::TokenInfo& info) {
  out << "token: " << token << "\n"
      << "  (shown once: store it now; revoke it by its id)\n"
      << "id: ";
  PrintTokenInfo(out, info);
}

void PrintEventLine(std::ostream& out, const v1::Event& event) {
  out << event.id() << "  " << v1::EventStatus_Name(event.status()) << "  " << event.name() << "  ("
      << event.slots_size() << " slots, " << event.locations_size() << " locations)\n";
}

void PrintEvent(std::ostream& out, const v1::Event& event) {
  const std::string& zone = event.time_zone();
  out << "event " << event.id() << ": " << event.name() << "  ["
      << v1::EventStatus_Name(event.status()) << "]\n"
      << "  community " << event.community_id() << ", time zone " << zone << "\n";
  out << "  slots (" << event.slots_size() << "):\n";
  for (const v1::Slot& slot : event.slots()) {
    const std::string start = FormatTimestamp(slot.start_time(), zone);
    std::string end = FormatTimestamp(slot.end_time(), zone);
    // "2026-12-01 10:00 - 10:30" when the slot ends on the day it starts.
    if (start.size() == 16 && end.size() == 16 && start.compare(0, 11, end, 0, 11) == 0) {
      end = end.substr(11);
    }
    out << "    " << slot.id() << "  " << start << " - " << end;
    if (!slot.name().empty()) out << "  " << slot.name();
    out << "\n";
  }
  out << "  locations (" << event.locations_size() << "):\n";
  for (const v1::Location& location : event.locations()) {
    out << "    " << location.id() << "  " << location.tables() << " tables";
    if (location.quiet()) out << ", quiet";
    if (!location.name().empty()) out << ", \"" << location.name() << "\"";
    if (!location.virtual_link().empty()) out << ", " << location.virtual_link();
    out << "\n";
  }
  const v1::EventPolicy& policy = event.policy();
  out << "  policy: meetings " << policy.default_meetings() << " (max " << policy.max_meetings()
      << "), avoid same organisation " << YesNo(policy.avoid_same_organisation())
      << ", rematch freeze " << policy.rematch_freeze_days() << " days, proposals expire after "
      << policy.proposal_expiry_minutes() << " min, auto-confirm " << YesNo(policy.auto_confirm())
      << ", any introductions " << YesNo(policy.allow_any_introductions()) << "\n";
}

void PrintAttendeeLine(std::ostream& out, const v1::Attendee& attendee) {
  out << attendee.id() << "  " << attendee.external_id() << "  " << attendee.display_name();
  if (!attendee.organisation().empty()) out << "  (" << attendee.organisation() << ")";
  out << "\n";
}

void PrintAttendee(std::ostream& out, const v1::Attendee& attendee) {
  auto line = [&](const char* name, const std::string& value) {
    if (!value.empty()) out << "  " << name << ": " << value << "\n";
  };
  out << "attendee " << attendee.id() << " of event " << attendee.event_id() << "\n";
  line("external_id", attendee.external_id());
  line("name", attendee.display_name());
  line("email", attendee.email());
  line("phone", attendee.phone());
  line("organisation", attendee.organisation());
  line("role", attendee.role());
  line("bio", attendee.bio());
  line("interests", FormatInterests(attendee.interests()));
  line("offers", FormatList(attendee.offers()));
  line("seeks", FormatList(attendee.seeks()));
  line("languages", FormatList(attendee.languages()));
  line("budget", attendee.has_budget() ? absl::StrCat(attendee.budget()) : "event default");
  line("availability", attendee.availability().empty() ? std::string("all slots")
                                                       : FormatList(attendee.availability()));
  line("person_ref", attendee.person_ref());
  line("wants", FormatList(attendee.wants()));
  line("avoid", FormatList(attendee.avoid()));
  line("avoid_organisations", FormatList(attendee.avoid_organisations()));
  line("prefers_quiet", YesNo(attendee.prefers_quiet()));
  // The attendee's consent: what partners of confirmed meetings see.
  line("share_email", YesNo(attendee.share_email()));
  line("share_phone", YesNo(attendee.share_phone()));
  line("updated", FormatTimestamp(attendee.update_time(), "UTC") + " UTC");
}

std::string DescribeReason(const v1::Reason& reason) {
  switch (reason.kind()) {
    case v1::Reason::SHARED_INTEREST:
      return absl::StrCat("you both list ", reason.tag());
    case v1::Reason::THEY_OFFER_WHAT_YOU_SEEK:
      return absl::StrCat("they offer ", reason.tag(), ", which you seek");
    case v1::Reason::YOU_OFFER_WHAT_THEY_SEEK:
      return absl::StrCat("you offer ", reason.tag(), ", which they seek");
    case v1::Reason::YOU_ASKED_TO_MEET:
      return "you asked to meet them";
    case v1::Reason::INTRODUCED:
      return absl::StrCat("introduced by ", reason.introducer_name());
    case v1::Reason::BRIDGES_ORGANISATIONS:
      return reason.tag().empty() ? std::string("from another organisation")
                                  : absl::StrCat("from another organisation (", reason.tag(), ")");
    case v1::Reason::BRIDGES_CIRCLES:
      return absl::StrCat(
          "a different circle: ", reason.tag(),
          reason.other_tag().empty() ? "" : absl::StrCat(" (yours: ", reason.other_tag(), ")"));
    case v1::Reason::FOLLOW_UP:
      return absl::StrCat("you met at ", reason.tag(), " and both asked to follow up");
    case v1::Reason::VIA_CONTACT:
      return absl::StrCat("through ", reason.introducer_name(), ", whom you rated highly");
    case v1::Reason::MUTUAL_WISH:
      return "you both asked to meet each other";
    case v1::Reason::OPEN_PAIRING:
      return "an open pairing: neither of you listed interests";
    case v1::Reason::ADD_INTERESTS:
      return "add a few interests to your profile for better matches";
    default:
      return reason.tag().empty() ? std::string("(a reason this client does not know)")
                                  : reason.tag();
  }
}

namespace {

const char* ProposalStatusText(v1::Proposal::Status status) {
  switch (status) {
    case v1::Proposal::AWAITING_ME:
      return "waiting for your answer";
    case v1::Proposal::AWAITING_THEM:
      return "you accepted; waiting for them";
    case v1::Proposal::CONFIRMED:
      return "confirmed";
    case v1::Proposal::DECLINED_BY_ME:
      return "you declined";
    case v1::Proposal::WITHDRAWN:
      return "replaced";
    case v1::Proposal::CANCELLED:
      return "cancelled";
    default:
      return "unknown";
  }
}

// "2026-12-01 10:00 - 10:30" (the end without its date when on the same day).
std::string FormatSpan(int64_t start, int64_t end, const std::string& time_zone) {
  const std::string from = FormatTimestamp(start, time_zone);
  std::string to = FormatTimestamp(end, time_zone);
  if (from.size() == 16 && to.size() == 16 && from.compare(0, 11, to, 0, 11) == 0) {
    to = to.substr(11);
  }
  return absl::StrCat(from, " - ", to);
}

}  // namespace

void PrintProposal(std::ostream& out, const v1::Proposal& proposal, const std::string& time_zone) {
  const std::string zone = time_zone.empty() ? "UTC" : time_zone;
  out << "meeting " << proposal.meeting_id() << "  [" << ProposalStatusText(proposal.status())
      << "]\n";
  out << "  when:    " << proposal.slot_id() << "  "
      << FormatSpan(proposal.start_time(), proposal.end_time(), zone) << " (" << zone << ")\n";
  out << "  where:   "
      << (proposal.location_name().empty() ? proposal.location_id() : proposal.location_name());
  if (proposal.table() != 0) out << ", table " << proposal.table();
  if (!proposal.virtual_link().empty()) out << ", " << proposal.virtual_link();
  out << "\n";
  const v1::PublicProfile& partner = proposal.partner();
  out << "  with:    " << partner.display_name();
  std::vector<std::string> about;
  if (!partner.role().empty()) about.push_back(partner.role());
  if (!partner.organisation().empty()) about.push_back(partner.organisation());
  if (!about.empty()) out << " (" << absl::StrJoin(about, ", ") << ")";
  out << "\n";
  if (!partner.bio().empty()) out << "           \"" << partner.bio() << "\"\n";
  // Only on meetings both confirmed, and only what the partner chose to share.
  std::vector<std::string> contact;
  if (!proposal.partner_email().empty()) contact.push_back(proposal.partner_email());
  if (!proposal.partner_phone().empty()) contact.push_back(proposal.partner_phone());
  if (!contact.empty()) out << "  contact: " << absl::StrJoin(contact, ", ") << "\n";
  if (!proposal.reasons().empty()) {
    out << "  why:\n";
    // Shared interests (rarest first) read better as one line.
    std::vector<std::string> shared;
    for (const v1::Reason& reason : proposal.reasons()) {
      if (reason.kind() == v1::Reason::SHARED_INTEREST) shared.push_back(reason.tag());
    }
    if (!shared.empty()) out << "    - you both list " << absl::StrJoin(shared, ", ") << "\n";
    for (const v1::Reason& reason : proposal.reasons()) {
      if (reason.kind() == v1::Reason::SHARED_INTEREST) continue;
      out << "    - " << DescribeReason(reason) << "\n";
    }
  }
  if (!proposal.conversation_starter().empty()) {
    out << "  starter: " << proposal.conversation_starter() << "\n";
  }
  if (proposal.expire_time() != 0 && (proposal.status() == v1::Proposal::AWAITING_ME ||
                                      proposal.status() == v1::Proposal::AWAITING_THEM)) {
    out << "  answer by " << FormatTimestamp(proposal.expire_time(), zone) << "\n";
  }
}

void PrintAgenda(std::ostream& out, const v1::Agenda& agenda, const std::string& time_zone) {
  out << "agenda: " << agenda.confirmed() << " confirmed, " << agenda.open() << " open, budget "
      << agenda.budget() << "\n";
  for (const v1::Proposal& item : agenda.items()) {
    out << "\n";
    PrintProposal(out, item, time_zone);
  }
}

namespace {

const char* AnswerText(v1::Meeting::Answer answer) {
  switch (answer) {
    case v1::Meeting::ACCEPTED:
      return "accepted";
    case v1::Meeting::DECLINED_ANSWER:
      return "declined";
    default:
      return "no answer";
  }
}

}  // namespace

void PrintMeetingLine(std::ostream& out, const v1::Meeting& meeting,
                      const google::protobuf::Map<uint64_t, std::string>* external_ids) {
  // "p17 (17, accepted)" when the server named the attendee, else "17 (accepted)".
  auto side = [&](uint64_t id, v1::Meeting::Answer answer) {
    if (external_ids != nullptr) {
      auto it = external_ids->find(id);
      if (it != external_ids->end() && !it->second.empty()) {
        return absl::StrCat(it->second, " (", id, ", ", AnswerText(answer), ")");
      }
    }
    return absl::StrCat(id, " (", AnswerText(answer), ")");
  };
  out << meeting.id() << "  " << v1::Meeting::State_Name(meeting.state()) << "  "
      << meeting.slot_id() << "  " << meeting.location_id() << "/" << meeting.table() << "  "
      << side(meeting.attendee_a(), meeting.answer_a()) << " + "
      << side(meeting.attendee_b(), meeting.answer_b()) << "  score " << meeting.score() << "\n";
}

std::string PhaseName(v1::MatchingRun::Phase phase) {
  return absl::AsciiStrToLower(v1::MatchingRun::Phase_Name(phase));
}

namespace {

// The counts known at `run`'s phase, e.g. "2000 attendees, 41000 candidate edges".
std::string RunCounts(const v1::MatchingRun& run) {
  std::vector<std::string> parts;
  if (run.attendees() != 0) parts.push_back(absl::StrCat(run.attendees(), " attendees"));
  if (run.candidate_edges() != 0) {
    parts.push_back(absl::StrCat(run.candidate_edges(), " candidate edges"));
  }
  if (run.meetings_kept() != 0) parts.push_back(absl::StrCat(run.meetings_kept(), " kept"));
  if (run.meetings_proposed() != 0) {
    parts.push_back(absl::StrCat(run.meetings_proposed(), " proposed"));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace

std::string RunPhaseLine(const v1::MatchingRun& run) {
  std::string line = absl::StrCat("run ", run.id(), ": ", PhaseName(run.phase()));
  const std::string counts = RunCounts(run);
  if (!counts.empty()) absl::StrAppend(&line, "  ", counts);
  if (run.phase() == v1::MatchingRun::FAILED && !run.error().empty()) {
    absl::StrAppend(&line, "  error: ", run.error());
  }
  return line;
}

std::string RunProgressBar(const v1::MatchingRun& run, int width) {
  // LOADING..WRITING are steps 1-4; DONE (and FAILED) fill the bar.
  constexpr int kSteps = 4;
  int step = 0;
  switch (run.phase()) {
    case v1::MatchingRun::LOADING:
      step = 0;
      break;
    case v1::MatchingRun::CANDIDATES:
      step = 1;
      break;
    case v1::MatchingRun::SCHEDULING:
      step = 2;
      break;
    case v1::MatchingRun::WRITING:
      step = 3;
      break;
    default:
      step = kSteps;
  }
  width = std::max(width, kSteps);
  const int filled = width * step / kSteps;
  std::string bar =
      absl::StrCat("[", std::string(filled, '#'), std::string(width - filled, '-'), "] ",
                   std::min(step + 1, kSteps), "/", kSteps, " ", PhaseName(run.phase()));
  const std::string counts = RunCounts(run);
  if (!counts.empty()) absl::StrAppend(&bar, "  ", counts);
  return bar;
}

void PrintMatchingRun(std::ostream& out, const v1::MatchingRun& run) {
  out << "run " << run.id() << " of event " << run.event_id() << ": " << PhaseName(run.phase());
  if (run.start_time() != 0 && run.end_time() >= run.start_time()) {
    out << " in " << run.end_time() - run.start_time() << " s";
  }
  out << "\n";
  if (run.phase() == v1::MatchingRun::FAILED) out << "  error: " << run.error() << "\n";
  out << "  attendees " << run.attendees() << ", candidate edges " << run.candidate_edges()
      << ", meetings kept " << run.meetings_kept() << ", newly proposed " << run.meetings_proposed()
      << "\n";
  if (!run.has_report()) return;
  const v1::QualityReport& report = run.report();
  if (report.meetings() == 0 && run.phase() == v1::MatchingRun::DONE) {
    // A quality of 1.0 "of 0" reads as success: say why nothing could be scheduled instead.
    out << "  no meetings: "
        << (report.no_meetings_reason().empty()
                ? "no feasible pair (see why attendees got nothing below: slots, languages, "
                  "avoid lists or the policy)"
                : report.no_meetings_reason())
        << "\n";
  } else {
    switch (report.bound_status()) {
      case v1::QualityReport::BOUND_PENDING:
        out << "  quality pending (the upper bound is being computed in the background; ask "
               "again in a few minutes), weight "
            << report.weight();
        break;
      case v1::QualityReport::BOUND_FAILED:
        out << "  quality not certified (" << report.bound_error() << "), weight "
            << report.weight();
        break;
      default:
        out << "  quality " << absl::StrFormat("%.4f", report.quality()) << " (weight "
            << report.weight() << " of upper bound " << report.upper_bound() << ")";
    }
    out << ", " << report.meetings() << " meetings, gini " << absl::StrFormat("%.3f", report.gini())
        << "\n";
  }
  if (!report.meetings_per_attendee().empty()) {
    out << "  meetings per attendee:";
    for (int k = 0; k < report.meetings_per_attendee_size(); ++k) {
      if (report.meetings_per_attendee(k) != 0) {
        out << "  " << k << ": " << report.meetings_per_attendee(k);
      }
    }
    out << "\n";
  }
  out << "  without a meeting: " << report.zero_opted_out() << " opted out, "
      << report.zero_no_availability() << " no availability, " << report.zero_no_feasible_partner()
      << " no feasible partner, " << report.zero_left_out() << " left out\n";
  if (report.meetings_unplaced() != 0 || report.fairness_cost() != 0) {
    out << "  unplaced meetings " << report.meetings_unplaced() << ", fairness cost "
        << report.fairness_cost() << "\n";
  }
}

void PrintQualityReport(std::ostream& out, const v1::GetQualityReportResponse& report) {
  PrintMatchingRun(out, report.run());
  if (report.without_meeting().empty()) {
    out << "everyone who can meet somebody has a meeting\n";
    return;
  }
  out << "why nothing? (" << report.without_meeting_size()
      << (report.next_page_token().empty() ? "" : "+")
      << (report.without_meeting_size() == 1 && report.next_page_token().empty() ? " attendee"
                                                                                 : " attendees")
      << ")\n";
  for (const v1::AttendeeDiagnostic& d : report.without_meeting()) {
    std::string cause = absl::AsciiStrToLower(v1::AttendeeDiagnostic::Cause_Name(d.cause()));
    std::replace(cause.begin(), cause.end(), '_', ' ');
    out << "  " << d.attendee_id() << "  " << d.external_id() << "  " << d.display_name() << "  ["
        << cause << "]";
    if (!d.hint().empty()) out << "  " << d.hint();
    out << "\n";
  }
}

}  // namespace parley::client
