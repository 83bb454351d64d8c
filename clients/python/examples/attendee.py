#!/usr/bin/python3
"""Attendee example: list my suggestions with the reasons, then accept one.

    PARLEY_TOKEN=<attendee token> attendee.py                 # accepts the first one
    PARLEY_TOKEN=<attendee token> attendee.py --meeting 12    # accepts meeting 12
    PARLEY_TOKEN=<attendee token> attendee.py --list          # only lists

A meeting is CONFIRMED once both people accept (double opt-in); until then my side shows
AWAITING_THEM. The other person never sees a decline.
"""

import argparse
import datetime
import sys

from example_common import add_connection_arguments, connect
from parley_client import ParleyError, v1


# How each kind of reason reads, from my side; `p` is the partner's name.
_REASONS = {
    v1.Reason.SHARED_INTEREST: lambda r, p: f"you both list {r.tag}",
    v1.Reason.THEY_OFFER_WHAT_YOU_SEEK: lambda r, p: f"{p} offers {r.tag}, which you seek",
    v1.Reason.YOU_OFFER_WHAT_THEY_SEEK: lambda r, p: f"you offer {r.tag}, which {p} seeks",
    v1.Reason.YOU_ASKED_TO_MEET: lambda r, p: f"you asked to meet {p}",
    v1.Reason.INTRODUCED: lambda r, p: f"{r.introducer_name} introduced you",
    v1.Reason.BRIDGES_ORGANISATIONS: lambda r, p: f"another organisation: {r.tag}",
    v1.Reason.BRIDGES_CIRCLES: lambda r, p: f"a different circle: {r.tag} (yours: {r.other_tag})",
}


def describe_reason(reason, partner: str) -> str:
    describe = _REASONS.get(reason.kind)
    return describe(reason, partner) if describe else v1.Reason.Kind.Name(reason.kind).lower()


def when(seconds: int) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC")


def print_proposal(proposal) -> None:
    partner = proposal.partner
    status = v1.Proposal.Status.Name(proposal.status)
    print(f"meeting {proposal.meeting_id}  [{status}]")
    print(f"  when:  {proposal.slot_id}  {when(proposal.start_time)} - {when(proposal.end_time)}")
    print(f"  where: {proposal.location_name or proposal.location_id}, table {proposal.table}")
    about = ", ".join(x for x in (partner.role, partner.organisation) if x)
    print(f"  with:  {partner.display_name}" + (f" ({about})" if about else ""))
    print("  why:")
    for reason in proposal.reasons:
        print(f"    - {describe_reason(reason, partner.display_name)}")
    if proposal.conversation_starter:
        print(f"  starter: {proposal.conversation_starter}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    add_connection_arguments(parser, "attendee")
    parser.add_argument("--meeting", type=int, default=0,
                        help="the proposal to accept (default: the first awaiting my answer)")
    parser.add_argument("--list", action="store_true", help="only list, answer nothing")
    args = parser.parse_args(argv)

    with connect(parser, args, "attendee") as client:
        try:
            me = client.attendee.get_my_profile()
            print(f"{me.attendee.display_name} at {me.event.name}")
            suggestions = client.agenda.list_my_suggestions().proposals
            print(f"{len(suggestions)} suggestions")
            for proposal in suggestions:
                print_proposal(proposal)
            if args.list:
                return 0
            meeting_id = args.meeting
            if not meeting_id:
                waiting = [p for p in suggestions if p.status == v1.Proposal.AWAITING_ME]
                if not waiting:
                    print("nothing awaits my answer")
                    return 0
                meeting_id = waiting[0].meeting_id
            answered = client.agenda.respond_to_proposal(meeting_id=meeting_id, accept=True)
            print(f"accepted meeting {answered.meeting_id}: now "
                  f"{v1.Proposal.Status.Name(answered.status)}")
            agenda = client.agenda.get_my_agenda()
            print(f"agenda: {agenda.confirmed} confirmed, {agenda.open} open, "
                  f"budget {agenda.budget}")
        except ParleyError as error:
            print(f"attendee: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
