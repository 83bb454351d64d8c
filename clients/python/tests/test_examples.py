"""The organiser and attendee example scripts, run end to end against a real parleyd."""

import os
import re
import tempfile
import unittest

import harness
from parley_client import v1


class ExamplesTest(harness.ServerTestCase):
    def run_organizer_example(self):
        result = self.run_example("organizer.py", self.organizer_token, "--csv",
                                  harness.EXAMPLE_CSV, "--seed", "3")
        self.assertExampleOk(result)
        match = re.search(r"^event (\d+)$", result.stdout, re.MULTILINE)
        self.assertIsNotNone(match, result.stdout)
        return int(match.group(1)), result.stdout

    def test_organizer_imports_runs_and_reports(self):
        event_id, out = self.run_organizer_example()
        self.assertIn(f"-> event {event_id}: 16 created, 0 updated, 0 unchanged, 0 rejected", out)
        # Progress of every phase, in order, then the report.
        phases = re.findall(r"^run \d+: (\w+) ", out, re.MULTILINE)
        self.assertEqual(phases[:5], ["loading", "candidates", "scheduling", "writing", "done"])
        self.assertRegex(out, r"quality [01]\.\d{4} \(weight \d+ of upper bound \d+\)")

        event = self.organizer.organizer.get_event(event_id=event_id)
        self.assertEqual(event.status, v1.OPEN)
        attendees = list(self.organizer.pages(self.organizer.organizer.list_attendees,
                                              "attendees", event_id=event_id, page_size=5))
        self.assertEqual(len(attendees), 16)
        meetings = self.organizer.matching.list_meetings(event_id=event_id,
                                                         state=v1.Meeting.PROPOSED)
        self.assertGreater(len(meetings.meetings), 0)
        report = self.organizer.matching.get_quality_report(event_id=event_id)
        self.assertIn(f"{report.run.report.meetings} meetings", out)

        # Again on the same event: the import changes nothing, the run keeps going.
        again = self.run_example("organizer.py", self.organizer_token, "--csv",
                                 harness.EXAMPLE_CSV, "--event", str(event_id))
        self.assertExampleOk(again)
        self.assertIn("0 created, 0 updated, 16 unchanged, 0 rejected", again.stdout)

    def test_organizer_prints_each_rejected_row_and_imports_the_others(self):
        # A registration export as the organiser has it (BOM, CRLF, the name in two columns,
        # Yes/No); row 2 has a budget the server refuses.
        export = ("\ufeffAttendee #,First Name,Last Name,Topics,Max Meetings,"
                  "Wants 1:1 meetings?\r\n"
                  "1,Ada,Lovelace,mathematics;books,2,Yes\r\n"
                  "2,Alan,Turing,mathematics,lots,Yes\r\n"
                  "3,Grace,Hopper,books;compilers,,yes\r\n"
                  "4,Katherine,Johnson,mathematics,,No\r\n")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "export.csv")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(export)
            result = self.run_example("organizer.py", self.organizer_token, "--csv", path)
        self.assertExampleOk(result)
        event_id = int(re.search(r"^event (\d+)$", result.stdout, re.MULTILINE).group(1))
        self.assertIn(f"{path} -> event {event_id}: 3 created, 0 updated, 0 unchanged, "
                      "1 rejected", result.stdout)
        self.assertRegex(result.stdout,
                         r'(?m)^  row 2 \(line 3\), column 5 "Max Meetings": budget: "lots"')
        stored = self.organizer.organizer.list_attendees(event_id=event_id).attendees
        self.assertEqual(sorted((a.external_id, a.display_name) for a in stored),
                         [("1", "Ada Lovelace"), ("3", "Grace Hopper"),
                          ("4", "Katherine Johnson")])

    def test_organizer_fails_cleanly_on_a_missing_file(self):
        result = self.run_example("organizer.py", self.organizer_token, "--csv",
                                  os.path.join(harness.PYTHON_DIR, "no-such-file.csv"))
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr, r"^organizer: .*no-such-file\.csv: No such file")

    def test_attendees_accept_until_the_meeting_is_confirmed(self):
        event_id, _ = self.run_organizer_example()
        meeting = self.organizer.matching.list_meetings(
            event_id=event_id, state=v1.Meeting.PROPOSED, page_size=1).meetings[0]

        def token_of(attendee_id):
            return self.organizer.organizer.issue_attendee_token(
                event_id=event_id, attendee_id=attendee_id, label="example").token

        # The first side accepts: the proposal waits for the other side.
        first = self.run_example("attendee.py", token_of(meeting.attendee_a),
                                 "--meeting", str(meeting.id))
        self.assertExampleOk(first)
        self.assertIn(f"meeting {meeting.id}  [AWAITING_ME]", first.stdout)
        self.assertRegex(first.stdout, r"why:\n    - ")
        self.assertIn(f"accepted meeting {meeting.id}: now AWAITING_THEM", first.stdout)

        # The second takes the default (the first suggestion awaiting them) or names it.
        second = self.run_example("attendee.py", token_of(meeting.attendee_b),
                                  "--meeting", str(meeting.id))
        self.assertExampleOk(second)
        self.assertIn(f"accepted meeting {meeting.id}: now CONFIRMED", second.stdout)

        stored = self.organizer.matching.list_meetings(event_id=event_id,
                                                       attendee_id=meeting.attendee_a)
        states = {m.id: m.state for m in stored.meetings}
        self.assertEqual(states[meeting.id], v1.Meeting.CONFIRMED)

    def test_attendee_without_meeting_flag_accepts_the_first_awaiting_proposal(self):
        event_id, _ = self.run_organizer_example()
        meeting = self.organizer.matching.list_meetings(
            event_id=event_id, state=v1.Meeting.PROPOSED, page_size=1).meetings[0]
        token = self.organizer.organizer.issue_attendee_token(
            event_id=event_id, attendee_id=meeting.attendee_a).token
        mine = self.organizer.with_token(token)
        expected = [p.meeting_id for p in mine.agenda.list_my_suggestions().proposals
                    if p.status == v1.Proposal.AWAITING_ME][0]

        result = self.run_example("attendee.py", token)
        self.assertExampleOk(result)
        self.assertIn(f"accepted meeting {expected}: now AWAITING_THEM", result.stdout)
        statuses = {p.meeting_id: p.status for p in mine.agenda.get_my_agenda().items}
        self.assertEqual(statuses[expected], v1.Proposal.AWAITING_THEM)

    def test_attendee_example_fails_cleanly_with_an_organizer_token(self):
        result = self.run_example("attendee.py", self.organizer_token, "--list")
        self.assertEqual(result.returncode, 1)
        self.assertIn("attendee: PERMISSION_DENIED", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
