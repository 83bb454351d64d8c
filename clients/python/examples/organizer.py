#!/usr/bin/python3
"""Organiser example: load an attendee CSV into an event, run matching, print the report.

    PARLEY_TOKEN=<organiser token> organizer.py --csv clients/examples/data/attendees.csv

Without --event it creates a DRAFT event with three 30-minute slots and two locations. The CSV
file is uploaded as it is and read by the server (ImportAttendeesCsv; the format is in
clients/CLI.md): upsert by external_id, so running it twice changes nothing; each rejected row
is printed with its row, file line and error. Then the event is opened, a matching run is
started and its progress printed phase by phase, then the quality report and who got no
meeting, and why. The last line is "event <id>", for scripts.
"""

import argparse
import datetime
import sys

from example_common import add_connection_arguments, connect
from parley_client import ParleyError, v1


def example_event(name: str):
    # Three rounds tomorrow from 10:00 UTC, 30 minutes each with 10-minute breaks.
    tomorrow = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=1)
    start = datetime.datetime.combine(tomorrow, datetime.time(10, 0), datetime.timezone.utc)
    slots = []
    for i in range(3):
        begin = int(start.timestamp()) + i * 40 * 60
        slots.append(v1.Slot(id=f"s{i + 1}", name=f"Round {i + 1}", start_time=begin,
                             end_time=begin + 30 * 60))
    return v1.Event(
        name=name, time_zone="UTC", slots=slots,
        locations=[v1.Location(id="hall", name="Main hall", tables=10),
                   v1.Location(id="library", name="Library", tables=2, quiet=True)])


def print_report(report_response) -> None:
    run = report_response.run
    report = run.report
    print(f"run {run.id}: {v1.MatchingRun.Phase.Name(run.phase).lower()}: "
          f"{run.attendees} attendees, {run.candidate_edges} candidate edges, "
          f"{run.meetings_kept} kept, {run.meetings_proposed} proposed")
    print(f"quality {report.quality:.4f} (weight {report.weight} of upper bound "
          f"{report.upper_bound}), {report.meetings} meetings, gini {report.gini:.3f}")
    histogram = "  ".join(f"{k}: {n}" for k, n in enumerate(report.meetings_per_attendee) if n)
    print(f"meetings per attendee: {histogram}")
    print(f"without a meeting: {report.zero_opted_out} opted out, "
          f"{report.zero_no_availability} no availability, "
          f"{report.zero_no_feasible_partner} no feasible partner, "
          f"{report.zero_left_out} left out")
    for diagnostic in report_response.without_meeting:
        cause = v1.AttendeeDiagnostic.Cause.Name(diagnostic.cause).lower()
        print(f"  {diagnostic.external_id} {diagnostic.display_name} [{cause}] {diagnostic.hint}")


def print_import(path: str, event_id: int, imported) -> None:
    print(f"{path} -> event {event_id}: {imported.created} created, "
          f"{imported.updated} updated, {imported.unchanged} unchanged, "
          f"{imported.rejected} rejected")
    for warning in imported.summary.warnings:
        print(f"warning: {warning}")
    for result in imported.results:
        if result.outcome == result.REJECTED:
            # "row 3 (line 5), column 4 "Budget": budget: ..." (row, file line and column: how
            # a person finds it in the file), as the CLI prints it.
            print(f"  {result.error}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    add_connection_arguments(parser, "organiser")
    parser.add_argument("--csv", required=True,
                        help="attendee CSV or registration export (clients/CLI.md)")
    parser.add_argument("--event", type=int, default=0, help="an existing event (default: new)")
    parser.add_argument("--name", default="Parley example meetup")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    try:
        with open(args.csv, "rb") as f:
            data = f.read()  # as it is: the server reads the BOM, CRLF and quoting
    except OSError as error:
        print(f"organizer: {args.csv}: {error.strerror}", file=sys.stderr)
        return 1
    with connect(parser, args, "organiser") as client:
        try:
            if args.event:
                event = client.organizer.get_event(event_id=args.event)
            else:
                event = client.organizer.create_event(event=example_event(args.name))
                print(f"created event {event.id} ({event.name}) with {len(event.slots)} slots")

            # A large export takes longer than one call's deadline: ten minutes for the upload.
            imported = client.import_attendees_csv(event.id, data, timeout=600)
            print_import(args.csv, event.id, imported)

            if event.status == v1.DRAFT:
                event = client.organizer.set_event_status(event_id=event.id, status=v1.OPEN)

            def show(progress) -> None:
                phase = v1.MatchingRun.Phase.Name(progress.phase).lower()
                print(f"run {progress.id}: {phase}  {progress.attendees} attendees, "
                      f"{progress.candidate_edges} candidate edges, "
                      f"{progress.meetings_proposed} proposed", flush=True)

            # A run may take longer than one call's deadline: ten minutes for the stream.
            run = client.run_matching(event.id, args.seed, on_progress=show, timeout=600)
            if run.phase != v1.MatchingRun.DONE:
                print(f"run {run.id} failed: {run.error}", file=sys.stderr)
                return 1
            print_report(client.matching.get_quality_report(event_id=event.id, page_size=1000))
        except ParleyError as error:
            print(f"organizer: {error}", file=sys.stderr)
            return 1
    print(f"event {event.id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
