"""parley_client.Client against a real parleyd: auth, errors, deadlines, paging, field masks,
streams (the attendee import, as rows and as a CSV file the server reads), TLS."""

import os
import subprocess
import sys
import tempfile
import unittest

import grpc

import harness
from parley_client import Client, ParleyError, field_mask, v1
from parley_client.testing import LocalServer


def small_event(name="Client test"):
    return v1.Event(name=name, slots=[v1.Slot(id="s1", start_time=2_000_000_000,
                                              end_time=2_000_001_800),
                                      v1.Slot(id="s2", start_time=2_000_002_400,
                                              end_time=2_000_004_200)],
                    locations=[v1.Location(id="hall", tables=10)])


def example_csv() -> bytes:
    with open(harness.EXAMPLE_CSV, "rb") as f:
        return f.read()


class ClientTest(harness.ServerTestCase):
    def test_no_token_is_unauthenticated(self):
        with Client(self.server.target, deadline=harness.DEADLINE) as anonymous:
            with self.assertRaises(ParleyError) as caught:
                anonymous.organizer.list_events()
        self.assertEqual(caught.exception.code, grpc.StatusCode.UNAUTHENTICATED)
        self.assertTrue(str(caught.exception).startswith("UNAUTHENTICATED: "))
        self.assertEqual(caught.exception.method, "/parley.v1.OrganizerService/ListEvents")

    def test_wrong_role_is_permission_denied(self):
        with self.assertRaises(ParleyError) as caught:
            self.organizer.admin.list_communities()
        self.assertEqual(caught.exception.code, grpc.StatusCode.PERMISSION_DENIED)

    def test_malformed_token_is_refused_before_any_call(self):
        with self.assertRaises(ValueError):
            Client(self.server.target, token="two words")

    def test_invalid_argument_names_the_field(self):
        event = small_event()
        event.slots[1].id = "s1"
        with self.assertRaises(ParleyError) as caught:
            self.organizer.organizer.create_event(event=event)
        self.assertEqual(caught.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("slots[1].id", caught.exception.details)

    def test_missing_event_is_not_found(self):
        with self.assertRaises(ParleyError) as caught:
            self.organizer.organizer.get_event(v1.GetEventRequest(event_id=987654))
        self.assertEqual(caught.exception.code, grpc.StatusCode.NOT_FOUND)

    def test_request_and_fields_are_exclusive(self):
        with self.assertRaises(TypeError):
            self.organizer.organizer.get_event(v1.GetEventRequest(event_id=1), event_id=1)

    def test_update_changes_only_the_masked_fields(self):
        event = self.organizer.organizer.create_event(event=small_event("Before"))
        changed = v1.Event(id=event.id, name="After", time_zone="Europe/Berlin")
        updated = self.organizer.organizer.update_event(event=changed,
                                                        update_mask=field_mask("name"))
        self.assertEqual(updated.name, "After")
        self.assertEqual(updated.time_zone, event.time_zone)
        self.assertEqual(len(updated.slots), 2)

    def test_pages_yields_every_item_across_pages(self):
        names = {f"Paged {i}" for i in range(7)}
        for name in sorted(names):
            self.organizer.organizer.create_event(event=v1.Event(name=name))
        first = self.organizer.organizer.list_events(page_size=3)
        self.assertEqual(len(first.events), 3)
        self.assertTrue(first.next_page_token)
        seen = list(self.organizer.pages(self.organizer.organizer.list_events, "events",
                                         page_size=3))
        self.assertTrue(names.issubset(e.name for e in seen))
        ids = [e.id for e in seen]
        self.assertEqual(ids, sorted(set(ids)))  # ascending, none twice

    def test_import_reports_each_row_and_is_idempotent(self):
        event = self.organizer.organizer.create_event(event=small_event())
        rows = [v1.ImportRow(row_number=i, attendee=v1.Attendee(
            external_id=f"p-{i:02}", display_name=f"Person {i}",
            interests=[v1.Interest(tag="books", weight=1 + i % 3)]))
            for i in range(1, 17)]
        first = self.organizer.import_attendees(event.id, rows, batch_size=5)
        self.assertEqual((first.created, first.rejected), (16, 0))
        self.assertEqual([r.row_number for r in first.results], list(range(1, 17)))
        again = self.organizer.import_attendees(event.id, rows)
        self.assertEqual(again.unchanged, 16)

        with self.assertRaises(ParleyError) as caught:  # a stream-level error is a status
            self.organizer.import_attendees(987654, rows[:1])
        self.assertEqual(caught.exception.code, grpc.StatusCode.NOT_FOUND)

        bad = v1.ImportRow(row_number=17, attendee=v1.Attendee(
            external_id="x1", display_name="Xena", availability=["nowhere"]))
        rejected = self.organizer.import_attendees(event.id, [bad])
        self.assertEqual(rejected.rejected, 1)
        self.assertIn("availability", rejected.results[0].error)

    def test_import_attendees_csv_uploads_a_real_export(self):
        event = self.organizer.organizer.create_event(event=small_event())
        # As a ticketing site exports it: a BOM, CRLF, the name in two columns, a Yes/No
        # question, a list with commas, a quoted line break, a refunded ticket.
        export = ("\ufeffAttendee #,First Name,Last Name,E-mail,Company,About you,Topics,"
                  "Wants 1:1 meetings?,Attendee Status\r\n"
                  "7,Ada,Lovelace,ada@example.org,Engines,,\"rust, bicycles 🚲\",Yes,"
                  "Attending\r\n"
                  "8,Alan,Turing,alan@example.org,Bletchley Park,\"Codes.\r\nMachines.\",crypto,"
                  "No,Attending\r\n"
                  "9,Grace,Hopper,grace@example.org,Navy,,compilers,yes,Refunded\r\n")
        dry = self.organizer.import_attendees_csv(event.id, export, dry_run=True)
        self.assertTrue(dry.dry_run)
        self.assertEqual((dry.created, dry.cancelled, dry.rejected), (2, 1, 0))
        self.assertEqual([(r.row_number, r.line) for r in dry.results], [(1, 2), (2, 3), (3, 5)])
        self.assertIn("display_name <- First Name + Last Name", dry.summary.columns)
        self.assertEqual(len(self.organizer.organizer.list_attendees(event_id=event.id).attendees),
                         0)

        done = self.organizer.import_attendees_csv(event.id, export.encode("utf-8"))
        self.assertFalse(done.dry_run)
        self.assertEqual((done.created, done.cancelled, done.rejected), (2, 1, 0))
        self.assertEqual([r.outcome for r in done.results],
                         [v1.ImportRowResult.CREATED, v1.ImportRowResult.CREATED,
                          v1.ImportRowResult.CANCELLED])
        stored = {a.external_id: a for a in
                  self.organizer.organizer.list_attendees(event_id=event.id).attendees}
        self.assertEqual(sorted(stored), ["7", "8"])
        ada, alan = stored["7"], stored["8"]
        self.assertEqual((ada.display_name, ada.email), ("Ada Lovelace", "ada@example.org"))
        self.assertEqual([i.tag for i in ada.interests], ["rust", "bicycles 🚲"])
        self.assertFalse(ada.HasField("budget"))  # Yes: the event's default budget
        self.assertEqual((alan.organisation, alan.bio), ("Bletchley Park", "Codes.\r\nMachines."))
        self.assertEqual(alan.budget, 0)  # No: opted out of meetings
        self.assertEqual(self.organizer.import_attendees_csv(event.id, export).unchanged, 2)

        with self.assertRaises(ParleyError) as caught:
            self.organizer.import_attendees_csv(event.id, "Foo,Bar\n1,2\n")
        self.assertEqual(caught.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("no column for external_id", str(caught.exception))

    def test_import_attendees_csv_rejects_a_bad_row_with_its_row_and_line(self):
        event = self.organizer.organizer.create_event(event=small_event())
        # Row 2 starts on line 3 and spans two lines, so the bad row 3 is on line 5.
        export = ("external_id,name,bio,budget,availability\n"
                  "a1,Ada,,2,s1\n"
                  "a2,Alan,\"two\nlines\",1,s2\n"
                  "a3,Grace,,lots,s1\n"
                  "a4,Katherine,,,nowhere\n"
                  "a5,Hedy,,3,s1;s2\n")
        imported = self.organizer.import_attendees_csv(event.id, export)
        self.assertEqual((imported.created, imported.rejected), (3, 2))
        results = {r.external_id: r for r in imported.results}
        budget, slot = results["a3"], results["a4"]
        self.assertEqual((budget.outcome, budget.row_number, budget.line),
                         (v1.ImportRowResult.REJECTED, 3, 5))
        self.assertTrue(budget.error.startswith('row 3 (line 5), column 4 "budget": budget: '),
                        budget.error)
        # A value only the server's rules can refuse (no slot "nowhere") is named the same way.
        self.assertEqual((slot.outcome, slot.row_number, slot.line),
                         (v1.ImportRowResult.REJECTED, 4, 6))
        self.assertIn("row 4 (line 6)", slot.error)
        self.assertIn("availability", slot.error)
        stored = self.organizer.organizer.list_attendees(event_id=event.id).attendees
        self.assertEqual(sorted(a.external_id for a in stored), ["a1", "a2", "a5"])

    def test_matching_run_streams_every_phase_then_watch_sees_answers(self):
        event = self.organizer.organizer.create_event(event=small_event())
        imported = self.organizer.import_attendees_csv(event.id, example_csv())
        self.assertEqual((imported.created, imported.rejected), (16, 0))
        self.organizer.organizer.set_event_status(event_id=event.id, status=v1.OPEN)
        phases = []
        run = self.organizer.run_matching(event.id, seed=5,
                                          on_progress=lambda p: phases.append(p.phase),
                                          timeout=300)
        self.assertEqual(run.phase, v1.MatchingRun.DONE)
        self.assertEqual(phases, [v1.MatchingRun.LOADING, v1.MatchingRun.CANDIDATES,
                                  v1.MatchingRun.SCHEDULING, v1.MatchingRun.WRITING,
                                  v1.MatchingRun.DONE])
        self.assertEqual(run.attendees, imported.created)

        csv_lines = self.organizer.export_meetings_csv(event.id).decode().splitlines()
        self.assertTrue(csv_lines[0].startswith("meeting_id,slot_id,start,end,"))
        self.assertEqual(len(csv_lines) - 1, run.meetings_proposed)

        # An attendee watches their agenda; accepting a proposal shows up in the stream.
        meeting = self.organizer.matching.list_meetings(
            event_id=event.id, state=v1.Meeting.PROPOSED, page_size=1).meetings[0]
        token = self.organizer.organizer.issue_attendee_token(
            event_id=event.id, attendee_id=meeting.attendee_a).token
        attendee = self.organizer.with_token(token)
        with attendee.agenda.watch_my_agenda(timeout=60) as watch:
            now = next(watch)
            self.assertIn(meeting.id, [item.meeting_id for item in now.items])
            attendee.agenda.respond_to_proposal(meeting_id=meeting.id, accept=True)
            # Updates until the answer shows; the stream's deadline bounds the wait.
            for changed in watch:
                status = {i.meeting_id: i.status for i in changed.items}[meeting.id]
                if status == v1.Proposal.AWAITING_THEM:
                    break
            else:
                self.fail("the watch ended without showing the answer")

    def test_relationships_feedback_who_else_and_analytics(self):
        # Planned in the future (a run refuses slots that have all ended), then moved to the
        # past once the meeting is confirmed: it is over, so feedback is open.
        event = self.organizer.organizer.create_event(event=small_event("Relationships"))
        self.organizer.import_attendees_csv(event.id, example_csv())
        self.organizer.organizer.set_event_status(event_id=event.id, status=v1.OPEN)
        self.organizer.run_matching(event.id, timeout=300)
        meeting = self.organizer.matching.list_meetings(
            event_id=event.id, state=v1.Meeting.PROPOSED, page_size=1).meetings[0]
        sides = [self.organizer.with_token(self.organizer.organizer.issue_attendee_token(
            event_id=event.id, attendee_id=a).token)
            for a in (meeting.attendee_a, meeting.attendee_b)]
        for side in sides:
            side.agenda.respond_to_proposal(meeting_id=meeting.id, accept=True)
        past = v1.Event(id=event.id, slots=event.slots)
        for slot in past.slots:
            slot.start_time -= 600_000_000
            slot.end_time -= 600_000_000
        self.organizer.organizer.update_event(event=past, update_mask=field_mask("slots"))
        given = sides[0].relationship.record_feedback(
            meeting_id=meeting.id, outcome=v1.Feedback.HAPPENED, rating=5, follow_up=True)
        self.assertEqual(given.partner.attendee_id, meeting.attendee_b)
        self.assertEqual([f.rating for f in sides[0].relationship.list_my_feedback().feedback], [5])
        self.assertEqual(len(sides[1].relationship.list_my_feedback().feedback), 0)
        with self.assertRaises(ParleyError) as caught:
            sides[1].relationship.record_feedback(meeting_id=meeting.id,
                                                  outcome=v1.Feedback.HAPPENED, rating=9)
        self.assertEqual(caught.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("rating", caught.exception.details)
        sides[0].relationship.who_else_should_i_meet(max_results=3)  # the snake_case name
        analytics = self.organizer.relationship.get_analytics(event_id=event.id)
        self.assertEqual(analytics.events[0].held, 1)
        self.assertEqual(list(analytics.events[0].rating_counts), [0, 0, 0, 0, 1])

    def test_stream_deadline_ends_a_watch_with_deadline_exceeded(self):
        event = self.organizer.organizer.create_event(event=small_event())
        imported = self.organizer.import_attendees_csv(event.id, example_csv())
        token = self.organizer.organizer.issue_attendee_token(
            event_id=event.id, attendee_id=imported.results[0].attendee_id).token
        watch = self.organizer.with_token(token).agenda.watch_my_agenda(timeout=1)
        next(watch)  # the agenda now; nothing changes afterwards
        with self.assertRaises(ParleyError) as caught:
            for _ in watch:
                pass
        self.assertEqual(caught.exception.code, grpc.StatusCode.DEADLINE_EXCEEDED)


class DiscoveryTest(unittest.TestCase):
    """Services are found in the generated modules: one added under proto/ needs no code."""

    def test_a_new_service_appears_on_the_client(self):
        protoc, plugin = os.environ.get("PROTOC"), os.environ.get("GRPC_PYTHON_PLUGIN")
        if not protoc or not plugin:
            self.skipTest("PROTOC and GRPC_PYTHON_PLUGIN are not set: run through ctest")
        proto_dir = os.path.join(harness.PYTHON_DIR, "..", "..", "proto")
        with tempfile.TemporaryDirectory() as tmp:
            extra_dir = os.path.join(tmp, "proto", "parley", "v1")
            os.makedirs(extra_dir)
            with open(os.path.join(extra_dir, "zz_extra_service.proto"), "w") as extra:
                extra.write('syntax = "proto3";\npackage parley.v1;\n'
                            'import "parley/v1/event.proto";\n'
                            "service ExtraService { rpc GetSomething(Event) returns (Event); }\n"
                            "service TokenService { rpc GetSomething(Event) returns (Event); }\n")
            gen = os.path.join(tmp, "gen")
            os.makedirs(gen)
            protos = [os.path.relpath(os.path.join(root, name), proto_dir)
                      for root, _, names in os.walk(os.path.join(proto_dir, "parley"))
                      for name in names if name.endswith(".proto")]
            subprocess.run([protoc, "-I", os.path.join(tmp, "proto"), "-I", proto_dir,
                            f"--python_out={gen}", f"--grpc_python_out={gen}",
                            f"--plugin=protoc-gen-grpc_python={plugin}",
                            "parley/v1/zz_extra_service.proto", *protos],
                           check=True, capture_output=True, timeout=120)
            # The health stubs come from the build's directory, after gen.
            build_gen = [p for p in os.environ["PYTHONPATH"].split(":") if p]
            env = dict(os.environ, PYTHONPATH=":".join([gen, harness.PYTHON_DIR, *build_gen]))
            probe = ("from parley_client import Client\n"
                     "c = Client('127.0.0.1:1', token='secret')\n"
                     "print(repr(c.extra), callable(c.extra.get_something), "
                     "callable(c.organizer.create_event), c.token, repr(c.token_service))\n")
            result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                                    text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(),
                         "<ServiceProxy parley.v1.ExtraService> True True secret "
                         "<ServiceProxy parley.v1.TokenService>")


class TlsTest(unittest.TestCase):
    """parleyd with a self-signed certificate; the client trusts it through ca_cert_file."""

    def test_tls_with_the_servers_ca(self):
        if not os.environ.get("PARLEYD"):
            self.skipTest("PARLEYD is not set: run through ctest")
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=parley.test",
                            "-addext", "subjectAltName=DNS:parley.test"],
                           check=True, capture_output=True, timeout=120)
            with LocalServer(extra_flags=[f"--tls_cert_file={cert}",
                                          f"--tls_key_file={key}"]) as server:
                with Client(server.target, server.admin_token, tls=True, ca_cert_file=cert,
                            server_name="parley.test", deadline=harness.DEADLINE) as client:
                    client.wait_until_serving()
                    community = client.admin.create_community(name="over TLS")
                    self.assertGreater(community.id, 0)
                with Client(server.target, server.admin_token,
                            deadline=harness.DEADLINE) as plaintext:
                    with self.assertRaises(ParleyError) as caught:
                        plaintext.admin.list_communities()
                    self.assertEqual(caught.exception.code, grpc.StatusCode.UNAVAILABLE)


if __name__ == "__main__":
    unittest.main(verbosity=2)
