'use strict';
// Client against a real parleyd: auth, errors, deadlines, paging, field masks, streams, and
// uploading attendee CSV files (parleyd reads them; this client has no CSV reader).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { before, after, test } = require('node:test');
const harness = require('./harness');
const { Client, ParleyError, fieldMask, status } = require('..');

let ctx;
before(async () => {
  ctx = await harness.startServer('node client');
});
after(async () => {
  if (ctx) await ctx.close();
});

function smallEvent(name = 'Client test') {
  return {
    name,
    slots: [
      { id: 's1', start_time: 2000000000, end_time: 2000001800 },
      { id: 's2', start_time: 2000002400, end_time: 2000004200 },
    ],
    locations: [{ id: 'hall', tables: 10 }],
  };
}

// ImportAttendees takes structured rows, not a file: n people who all like tea.
function people(n) {
  return [...Array(n).keys()].map((i) => ({
    row_number: i + 1,
    attendee: {
      external_id: `p${i + 1}`,
      display_name: `Person ${i + 1}`,
      interests: [{ tag: 'tea' }, { tag: i % 2 ? 'cake' : 'scones' }],
    },
  }));
}

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ParleyError, String(error));
    assert.equal(error.codeName, code);
    assert.equal(error.code, status[code]);
    return true;
  });
}

test('no token is UNAUTHENTICATED', async () => {
  const anonymous = new Client({ target: ctx.server.target, deadlineMs: harness.DEADLINE_MS });
  try {
    await assert.rejects(anonymous.organizer.listEvents(), (error) => {
      assert.equal(error.codeName, 'UNAUTHENTICATED');
      assert.ok(error.message.startsWith('UNAUTHENTICATED: '));
      assert.equal(error.method, '/parley.v1.OrganizerService/ListEvents');
      return true;
    });
  } finally {
    anonymous.close();
  }
});

test('a token of another role is PERMISSION_DENIED', async () => {
  await rejectsWith(ctx.organizer.admin.listCommunities(), 'PERMISSION_DENIED');
});

test('a malformed token is refused before any call', () => {
  assert.throws(() => new Client({ target: ctx.server.target, token: 'two words' }), TypeError);
});

test('INVALID_ARGUMENT names the field; a missing event is NOT_FOUND', async () => {
  const event = smallEvent();
  event.slots[1].id = 's1';
  await assert.rejects(ctx.organizer.organizer.createEvent({ event }), (error) => {
    assert.equal(error.codeName, 'INVALID_ARGUMENT');
    assert.match(error.details, /slots\[1\]\.id/);
    return true;
  });
  await rejectsWith(ctx.organizer.organizer.GetEvent({ event_id: 987654 }), 'NOT_FOUND');
});

test('an update changes only the fields in the mask', async () => {
  const event = await ctx.organizer.organizer.createEvent({ event: smallEvent('Before') });
  const updated = await ctx.organizer.organizer.updateEvent({
    event: { id: event.id, name: 'After', time_zone: 'Europe/Berlin' },
    update_mask: fieldMask('name'),
  });
  assert.equal(updated.name, 'After');
  assert.equal(updated.time_zone, event.time_zone);
  assert.equal(updated.slots.length, 2);
});

test('pages yields every item across pages', async () => {
  const names = new Set([0, 1, 2, 3, 4, 5, 6].map((i) => `Paged ${i}`));
  for (const name of names) await ctx.organizer.organizer.createEvent({ event: { name } });
  const first = await ctx.organizer.organizer.listEvents({ page_size: 3 });
  assert.equal(first.events.length, 3);
  assert.ok(first.next_page_token);
  const seen = [];
  for await (const e of ctx.organizer.pages(ctx.organizer.organizer.listEvents, 'events', {
    page_size: 3,
  }))
    seen.push(e);
  for (const name of names)
    assert.ok(
      seen.some((e) => e.name === name),
      name,
    );
  const ids = seen.map((e) => Number(e.id));
  assert.deepEqual(
    ids,
    [...new Set(ids)].sort((a, b) => a - b),
  ); // ascending, none twice
});

test('import reports each row and is idempotent', async () => {
  const event = await ctx.organizer.organizer.createEvent({ event: smallEvent() });
  const rows = people(16);
  const first = await ctx.organizer.importAttendees(event.id, rows, { batchSize: 5 });
  assert.deepEqual([first.created, first.rejected], [16, 0]);
  assert.deepEqual(
    first.results.map((r) => r.row_number),
    [...Array(16).keys()].map((i) => i + 1),
  );
  const again = await ctx.organizer.importAttendees(event.id, rows);
  assert.equal(again.unchanged, 16);
  // A stream-level error is a status.
  await rejectsWith(ctx.organizer.importAttendees(987654, rows.slice(0, 1)), 'NOT_FOUND');
  const bad = [{ row_number: 1, attendee: { external_id: 'x1', display_name: 'Xena',
    availability: ['nowhere'] } }];
  const rejected = await ctx.organizer.importAttendees(event.id, bad);
  assert.equal(rejected.rejected, 1);
  assert.match(rejected.results[0].error, /availability/);
});

test('importAttendeesCsv uploads a real-shaped export; the server reads it', async () => {
  const event = await ctx.organizer.organizer.createEvent({ event: smallEvent() });
  const csv =
    '\ufeffAttendee #,First Name,Last Name,E-mail,Company,Topics,Attendee Status\r\n' +
    '7,Ada,Lovelace,ada@example.org,Engines,"rust, bicycles 🚲",Attending\r\n' +
    '8,Alan,Turing,alan@example.org,Bletchley,crypto,Refunded\r\n';
  const dry = await ctx.organizer.importAttendeesCsv(event.id, csv, { dryRun: true });
  assert.equal(dry.dry_run, true);
  assert.deepEqual([dry.created, dry.cancelled], [1, 1]);
  assert.ok(dry.summary.columns.includes('display_name <- First Name + Last Name'));
  const done = await ctx.organizer.importAttendeesCsv(event.id, Buffer.from(csv, 'utf8'));
  assert.equal(done.created, 1);
  assert.equal(done.results[0].line, 2);
  const { attendees } = await ctx.organizer.organizer.listAttendees({ event_id: event.id });
  assert.deepEqual(
    attendees.map((a) => a.display_name),
    ['Ada Lovelace'],
  );
  assert.deepEqual(
    attendees[0].interests.map((i) => i.tag),
    ['rust', 'bicycles 🚲'],
  );
  await rejectsWith(
    ctx.organizer.importAttendeesCsv(event.id, 'Foo,Bar\n1,2\n'),
    'INVALID_ARGUMENT',
  );
});

test('importAttendeesCsv: bad rows come back with their row and line; the others are stored',
  async () => {
    const event = await ctx.organizer.organizer.createEvent({ event: smallEvent() });
    // A quoted bio spans two lines and a blank line is skipped, so rows and lines differ.
    const csv =
      'external_id,name,bio,budget,availability\n' +
      'a1,Ann,"two\nlines",1,s1\n' +
      'a2,Bob,,lots,\n' +
      '\n' +
      'a3,Cy,,,nowhere\n' +
      'a4,Dee,,2,s2\n';
    const response = await ctx.organizer.importAttendeesCsv(event.id, csv);
    assert.deepEqual(
      [response.created, response.rejected, response.summary.rows],
      [2, 2, 4],
    );
    assert.deepEqual(
      response.results.map((r) => [r.row_number, r.line, r.external_id, r.outcome]),
      [
        [1, 2, 'a1', 'CREATED'],
        [2, 4, 'a2', 'REJECTED'],
        [3, 6, 'a3', 'REJECTED'],
        [4, 7, 'a4', 'CREATED'],
      ],
    );
    // The reader's error (budget) and the validator's (an unknown slot) both name row and line.
    assert.match(response.results[1].error, /^row 2 \(line 4\).*budget.*lots/);
    assert.match(response.results[2].error, /^row 3 \(line 6\).*availability.*nowhere/);
    const { attendees } = await ctx.organizer.organizer.listAttendees({ event_id: event.id });
    assert.deepEqual(
      attendees.map((a) => a.external_id),
      ['a1', 'a4'],
    );
    assert.equal(attendees[0].bio, 'two\nlines');
  },
);

test('importAttendeesCsv: a dry run stores and removes nothing, and says what would happen',
  async () => {
    const event = await ctx.organizer.organizer.createEvent({ event: smallEvent() });
    const both = 'external_id,name,interests\nb1,Ann,tea\nb2,Bob,tea;cake\n';
    const dry = await ctx.organizer.importAttendeesCsv(event.id, both, { dryRun: true });
    assert.equal(dry.dry_run, true);
    assert.deepEqual([dry.created, dry.rejected], [2, 0]);
    const listed = async () =>
      (await ctx.organizer.organizer.listAttendees({ event_id: event.id })).attendees.map(
        (a) => a.external_id,
      );
    assert.deepEqual(await listed(), []);

    const done = await ctx.organizer.importAttendeesCsv(event.id, both);
    assert.deepEqual([done.dry_run, done.created], [false, 2]);
    // With sync, b2 (absent from the file) would be removed; the dry run only says so.
    const only = 'external_id,name,interests\nb1,Ann,tea\n';
    const wouldSync = await ctx.organizer.importAttendeesCsv(event.id, only, {
      dryRun: true,
      sync: true,
    });
    assert.equal(wouldSync.unchanged, 1);
    assert.deepEqual(
      wouldSync.removed.map((r) => r.external_id),
      ['b2'],
    );
    assert.match(wouldSync.removed[0].reason, /absent/);
    assert.deepEqual(await listed(), ['b1', 'b2']);
    const synced = await ctx.organizer.importAttendeesCsv(event.id, only, { sync: true });
    assert.deepEqual(
      synced.removed.map((r) => r.external_id),
      ['b2'],
    );
    assert.deepEqual(await listed(), ['b1']);
  },
);

test('a matching run streams every phase; a watch sees my answer', async () => {
  const event = await ctx.organizer.organizer.createEvent({ event: smallEvent() });
  const imported = await ctx.organizer.importAttendeesCsv(
    event.id,
    fs.readFileSync(harness.EXAMPLE_CSV),
  );
  assert.equal(imported.created, 16);
  await ctx.organizer.organizer.setEventStatus({ event_id: event.id, status: 'OPEN' });
  const phases = [];
  const run = await ctx.organizer.runMatching(event.id, 5, {
    onProgress: (p) => phases.push(p.phase),
    timeoutMs: 300000,
  });
  assert.equal(run.phase, 'DONE');
  assert.deepEqual(phases, ['LOADING', 'CANDIDATES', 'SCHEDULING', 'WRITING', 'DONE']);
  assert.equal(run.attendees, imported.created);

  const csvLines = (await ctx.organizer.exportMeetingsCsv(event.id)).toString().trim().split('\n');
  assert.match(csvLines[0], /^meeting_id,slot_id,start,end,/);
  assert.equal(csvLines.length - 1, run.meetings_proposed);

  const [meeting] = (
    await ctx.organizer.matching.listMeetings({
      event_id: event.id,
      state: 'PROPOSED',
      page_size: 1,
    })
  ).meetings;
  const { token } = await ctx.organizer.organizer.issueAttendeeToken({
    event_id: event.id,
    attendee_id: meeting.attendee_a,
  });
  const attendee = ctx.organizer.withToken(token);
  const watch = attendee.agenda.watchMyAgenda({}, { timeoutMs: 60000 });
  const updates = watch[Symbol.asyncIterator]();
  const now = await updates.next();
  assert.ok(now.value.items.some((i) => i.meeting_id === meeting.id));
  await attendee.agenda.respondToProposal({ meeting_id: meeting.id, accept: true });
  // Updates until the answer shows; the stream's deadline bounds the wait.
  let status = '';
  while (status !== 'AWAITING_THEM') {
    const changed = await updates.next();
    assert.ok(!changed.done, 'the watch ended without showing the answer');
    status = changed.value.items.find((i) => i.meeting_id === meeting.id).status;
  }
  await updates.return();
});

test('a stream deadline ends a watch with DEADLINE_EXCEEDED', async () => {
  const event = await ctx.organizer.organizer.createEvent({ event: smallEvent() });
  const imported = await ctx.organizer.importAttendees(event.id, people(2));
  const { token } = await ctx.organizer.organizer.issueAttendeeToken({
    event_id: event.id,
    attendee_id: imported.results[0].attendee_id,
  });
  const updates = ctx.organizer
    .withToken(token)
    .agenda.watchMyAgenda({}, { timeoutMs: 1000 })
    [Symbol.asyncIterator]();
  await updates.next(); // the agenda now; nothing changes afterwards
  await rejectsWith(
    (async () => {
      while (!(await updates.next()).done);
    })(),
    'DEADLINE_EXCEEDED',
  );
});

test('every .proto under the proto directory is loaded: a new service appears', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { DEFAULT_PROTO_DIR } = require('..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'protos-'));
  try {
    fs.cpSync(DEFAULT_PROTO_DIR, dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'parley', 'v1', 'zz_extra_service.proto'),
      `
syntax = "proto3";
package parley.v1;
import "parley/v1/event.proto";
service ExtraService {
  rpc GetSomething(GetSomethingRequest) returns (Event);
}
message GetSomethingRequest { uint64 id = 1; }
service TokenService {
  rpc GetSomething(GetSomethingRequest) returns (Event);
}
`,
    );
    const client = new Client({ target: '127.0.0.1:1', token: 'secret', protoDir: dir });
    try {
      assert.equal(client.extra.serviceName, 'parley.v1.ExtraService');
      assert.equal(typeof client.extra.getSomething, 'function');
      assert.equal(typeof client.organizer.createEvent, 'function');
      // A service named like a Client member does not hide it.
      assert.equal(client.token, 'secret');
      assert.equal(client.tokenService.serviceName, 'parley.v1.TokenService');
    } finally {
      client.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('TLS: a client that trusts the server certificate talks to a TLS parleyd', async () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { execFileSync } = require('node:child_process');
  const { LocalServer } = require('../lib/testing');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=parley.test',
      '-addext',
      'subjectAltName=DNS:parley.test',
    ],
    { stdio: 'ignore', timeout: 120000 },
  );
  const server = await LocalServer.start({
    extraFlags: [`--tls_cert_file=${cert}`, `--tls_key_file=${key}`],
  });
  const secure = new Client({
    target: server.target,
    token: server.adminToken,
    tls: true,
    caCertFile: cert,
    serverName: 'parley.test',
    deadlineMs: harness.DEADLINE_MS,
  });
  const plaintext = new Client({
    target: server.target,
    token: server.adminToken,
    deadlineMs: harness.DEADLINE_MS,
  });
  try {
    await secure.waitUntilServing();
    const community = await secure.admin.createCommunity({ name: 'over TLS' });
    assert.ok(Number(community.id) > 0);
    await rejectsWith(plaintext.admin.listCommunities(), 'UNAVAILABLE');
  } finally {
    secure.close();
    plaintext.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
