'use strict';
// The organiser and attendee example scripts, run end to end against a real parleyd.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { before, after, test } = require('node:test');
const harness = require('./harness');

let ctx;
before(async () => {
  ctx = await harness.startServer('node examples');
});
after(async () => {
  if (ctx) await ctx.close();
});

async function runOrganizerExample(args = []) {
  const result = await harness.runExample(ctx.server, 'organizer.js', ctx.organizerToken, [
    '--csv',
    harness.EXAMPLE_CSV,
    '--seed',
    '3',
    ...args,
  ]);
  assert.equal(result.code, 0, harness.describe(result));
  const match = /^event (\d+)$/m.exec(result.stdout);
  assert.ok(match, result.stdout);
  return { eventId: match[1], out: result.stdout };
}

async function firstProposed(eventId) {
  const { meetings } = await ctx.organizer.matching.listMeetings({
    event_id: eventId,
    state: 'PROPOSED',
    page_size: 1,
  });
  assert.equal(meetings.length, 1);
  return meetings[0];
}

test('organiser example imports, runs matching and prints the report', async () => {
  const { eventId, out } = await runOrganizerExample();
  assert.match(
    out,
    new RegExp(`-> event ${eventId}: 16 created, 0 updated, 0 unchanged, 0 rejected`),
  );
  const phases = [...out.matchAll(/^run \d+: (\w+) /gm)].map((m) => m[1]);
  assert.deepEqual(phases.slice(0, 5), ['loading', 'candidates', 'scheduling', 'writing', 'done']);
  assert.match(out, /quality [01]\.\d{4} \(weight \d+ of upper bound \d+\)/);

  const event = await ctx.organizer.organizer.getEvent({ event_id: eventId });
  assert.equal(event.status, 'OPEN');
  const attendees = [];
  for await (const a of ctx.organizer.pages(ctx.organizer.organizer.listAttendees, 'attendees', {
    event_id: eventId,
    page_size: 5,
  }))
    attendees.push(a);
  assert.equal(attendees.length, 16);
  const { meetings } = await ctx.organizer.matching.listMeetings({
    event_id: eventId,
    state: 'PROPOSED',
  });
  assert.ok(meetings.length > 0);
  const report = await ctx.organizer.matching.getQualityReport({ event_id: eventId });
  assert.ok(out.includes(`${report.run.report.meetings} meetings`), out);

  const again = await harness.runExample(ctx.server, 'organizer.js', ctx.organizerToken, [
    '--csv',
    harness.EXAMPLE_CSV,
    '--event',
    eventId,
  ]);
  assert.equal(again.code, 0, harness.describe(again));
  assert.match(again.stdout, /0 created, 0 updated, 16 unchanged, 0 rejected/);
});

test('organiser example --dry-run prints rejected rows with their lines and stores nothing',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'organizer-example-'));
    try {
      const csv = path.join(dir, 'people.csv');
      fs.writeFileSync(
        csv,
        'external_id,name,budget,Shoe size\nd1,Ann,1,42\n\nd2,Bob,lots,43\n',
      );
      const result = await harness.runExample(ctx.server, 'organizer.js', ctx.organizerToken, [
        '--csv',
        csv,
        '--dry-run',
      ]);
      assert.equal(result.code, 0, harness.describe(result));
      const eventId = /^event (\d+)$/m.exec(result.stdout)[1];
      assert.match(
        result.stdout,
        /\(dry run, nothing stored\): 1 created, 0 updated, 0 unchanged, 1 rejected\n/,
      );
      assert.match(result.stdout, /^ {2}row 2 \(line 4\).*budget.*lots/m);
      assert.match(result.stdout, /^ {2}warning: .*Shoe size/m);
      assert.doesNotMatch(result.stdout, /^run /m);
      const { attendees } = await ctx.organizer.organizer.listAttendees({ event_id: eventId });
      assert.equal(attendees.length, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('both attendees accept through the example and the meeting is confirmed', async () => {
  const { eventId } = await runOrganizerExample();
  const meeting = await firstProposed(eventId);
  const tokenOf = async (attendeeId) =>
    (
      await ctx.organizer.organizer.issueAttendeeToken({
        event_id: eventId,
        attendee_id: attendeeId,
        label: 'example',
      })
    ).token;

  const first = await harness.runExample(
    ctx.server,
    'attendee.js',
    await tokenOf(meeting.attendee_a),
    ['--meeting', meeting.id],
  );
  assert.equal(first.code, 0, harness.describe(first));
  assert.ok(first.stdout.includes(`meeting ${meeting.id}  [AWAITING_ME]`), first.stdout);
  assert.match(first.stdout, /why:\n {4}- /);
  assert.ok(
    first.stdout.includes(`accepted meeting ${meeting.id}: now AWAITING_THEM`),
    first.stdout,
  );

  const second = await harness.runExample(
    ctx.server,
    'attendee.js',
    await tokenOf(meeting.attendee_b),
    ['--meeting', meeting.id],
  );
  assert.equal(second.code, 0, harness.describe(second));
  assert.ok(second.stdout.includes(`accepted meeting ${meeting.id}: now CONFIRMED`), second.stdout);

  const stored = await ctx.organizer.matching.listMeetings({
    event_id: eventId,
    attendee_id: meeting.attendee_a,
  });
  assert.equal(stored.meetings.find((m) => m.id === meeting.id).state, 'CONFIRMED');
});

test('attendee example without --meeting accepts the first proposal awaiting me', async () => {
  const { eventId } = await runOrganizerExample();
  const meeting = await firstProposed(eventId);
  const { token } = await ctx.organizer.organizer.issueAttendeeToken({
    event_id: eventId,
    attendee_id: meeting.attendee_a,
  });
  const mine = ctx.organizer.withToken(token);
  const expected = (await mine.agenda.listMySuggestions()).proposals.find(
    (p) => p.status === 'AWAITING_ME',
  ).meeting_id;

  const result = await harness.runExample(ctx.server, 'attendee.js', token);
  assert.equal(result.code, 0, harness.describe(result));
  assert.ok(
    result.stdout.includes(`accepted meeting ${expected}: now AWAITING_THEM`),
    result.stdout,
  );
  const agenda = await mine.agenda.getMyAgenda();
  assert.equal(agenda.items.find((i) => i.meeting_id === expected).status, 'AWAITING_THEM');
});

test('attendee example fails cleanly with an organiser token', async () => {
  const result = await harness.runExample(ctx.server, 'attendee.js', ctx.organizerToken, [
    '--list',
  ]);
  assert.equal(result.code, 1, harness.describe(result));
  assert.match(result.stderr, /attendee: PERMISSION_DENIED/);
});
