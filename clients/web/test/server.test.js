'use strict';
// bin/parley-web.js as tools/run starts it (port 0 + port file), against a real parleyd: the
// JSON API's errors, headers, logging without tokens, calendar feeds, clean shutdown.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { before, after, test } = require('node:test');
const harness = require('./harness');

const BIN = path.resolve(__dirname, '..', 'bin', 'parley-web.js');
let stack;
let web; // {child, url, output()}

// Starts bin/parley-web.js with `args` and waits for its port file (fs.watch, no polling).
function startWeb(args) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-'));
  const portFile = path.join(dir, 'web.port');
  const watcher = fs.watch(dir);
  let output = '';
  const child = spawn(process.execPath, [BIN, '--port-file', portFile, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const done = (error, port) => {
      watcher.close();
      clearTimeout(timer);
      if (error) reject(error);
      else resolve({ child, exited, url: `http://127.0.0.1:${port}`, output: () => output, dir });
    };
    const check = () => {
      try {
        const port = Number(fs.readFileSync(portFile, 'utf8').trim());
        if (port > 0) done(null, port);
      } catch {
        // Not there yet.
      }
    };
    const timer = setTimeout(() => done(new Error(`no port file in 30 s:\n${output}`)), 30000);
    watcher.on('change', check);
    exited.then((code) => done(new Error(`parley-web exited (${code}):\n${output}`)));
    check();
  });
}

before(async () => {
  stack = await harness.startStack('web server');
  web = await startWeb(['--listen', '127.0.0.1:0', '--parley', stack.server.target, '--log']);
});

after(async () => {
  if (web && web.child.exitCode === null) web.child.kill('SIGKILL');
  if (stack) await stack.close();
});

async function api(method, urlPath, token, body) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${web.url}${urlPath}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = response.headers.get('content-type') || '';
  return {
    status: response.status,
    headers: response.headers,
    body: type.includes('json') ? await response.json() : await response.text(),
  };
}

test('health, the app and its security headers', async () => {
  assert.deepEqual((await api('GET', '/healthz')).body, { status: 'SERVING' });
  for (const page of ['/', '/a', '/o']) {
    const r = await api('GET', page);
    assert.equal(r.status, 200);
    assert.match(r.body, /<script type="module" src="\/static\/app.js"><\/script>/);
    assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  }
  const chart = await api('GET', '/vendor/chart.js/chart.umd.min.js');
  assert.equal(chart.status, 200);
  assert.match(chart.headers.get('content-type'), /javascript/);
});

test('API errors carry the gRPC code and an HTTP status', async () => {
  let r = await api('GET', '/api/me');
  assert.equal(r.status, 401);
  assert.equal(r.body.error, 'UNAUTHENTICATED');
  r = await api('GET', '/api/me', 'prl_unknown');
  assert.equal(r.status, 401);
  r = await api('GET', '/api/me', stack.organizerToken);
  assert.equal(r.status, 403);
  assert.equal(r.body.error, 'PERMISSION_DENIED');
  r = await api('GET', '/api/events/abc', stack.organizerToken);
  assert.equal(r.status, 400);
  assert.match(r.body.message, /event id/);
  r = await api('GET', '/api/events/424242', stack.organizerToken);
  assert.equal(r.status, 404);
  assert.equal(r.body.error, 'NOT_FOUND');
  r = await api('POST', '/api/events', stack.organizerToken, { event: { name: '' } });
  assert.equal(r.status, 400);
  assert.equal(r.body.error, 'INVALID_ARGUMENT');
  assert.match(r.body.message, /name/);
  r = await api('PATCH', '/api/me', stack.organizerToken, { fields: ['email'], attendee: {} });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /not email/);
});

// POSTs `body` to the import route as `contentType`; {status, body (JSON)}.
async function importCsv(eventId, query, body, contentType = 'text/csv') {
  const response = await fetch(`${web.url}/api/events/${eventId}/import${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.organizerToken}`, 'content-type': contentType },
    body,
  });
  return { status: response.status, body: await response.json() };
}

test('an organiser creates an event and imports a CSV through the API', async () => {
  const created = await api('POST', '/api/events', stack.organizerToken, {
    event: { name: 'API event', slots: [{ id: 's1', start_time: 1893456000, end_time: 1893457800 }] },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const id = created.body.id;
  const csv = 'external_id,name,interests\nx1,Ann,tea\nx2,Bob,"tea;cake"\n\nx3,,tea\n';
  const { status, body: result } = await importCsv(id, '', csv);
  assert.equal(status, 200, JSON.stringify(result));
  assert.deepEqual(
    [result.dry_run, result.rows, result.created, result.rejected, result.removed],
    [false, 3, 2, 1, 0],
  );
  // parleyd's message names the row and its line in the file (the blank line counts).
  assert.equal(result.rejected_rows.length, 1);
  assert.deepEqual(
    [result.rejected_rows[0].row_number, result.rejected_rows[0].line, result.rejected_rows[0].external_id],
    [3, 5, 'x3'],
  );
  assert.match(result.rejected_rows[0].error, /^row 3 \(line 5\).*name/);
  const search = await api('GET', `/api/events/${id}/attendees?q=BOB`, stack.organizerToken);
  assert.deepEqual(search.body.attendees.map((a) => a.external_id), ['x2']);
  const page = await api('GET', `/api/events/${id}/attendees?page_size=1`, stack.organizerToken);
  assert.equal(page.body.attendees.length, 1);
  assert.ok(page.body.next_page_token);
});

test('the import route passes dry run, sync and a mapping to parleyd and reports warnings',
  async () => {
    const created = await api('POST', '/api/events', stack.organizerToken, { event: { name: 'Import options' } });
    const id = created.body.id;
    const count = async () =>
      (await api('GET', `/api/events/${id}/attendees`, stack.organizerToken)).body.attendees.length;
    // A registration export with its own column names, as bytes.
    const file = Buffer.from('Ticket,First Name,Last Name,Shoe size\r\nt1,Ann,Lee,41\r\nt2,Bo,Ng,44\r\n');
    const mapping = `map.external_id=Ticket&map.name=${encodeURIComponent('First Name+Last Name')}`;
    const dry = await importCsv(id, `?dry_run=1&${mapping}`, file, 'application/octet-stream');
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual([dry.body.dry_run, dry.body.created], [true, 2]);
    assert.ok(dry.body.warnings.some((w) => /Shoe size/.test(w)), dry.body.warnings.join('\n'));
    assert.ok(dry.body.columns.includes('display_name <- First Name + Last Name'), dry.body.columns.join('\n'));
    assert.equal(await count(), 0);

    const done = await importCsv(id, `?${mapping}`, file, 'application/octet-stream');
    assert.deepEqual([done.body.dry_run, done.body.created], [false, 2]);
    const names = (await api('GET', `/api/events/${id}/attendees`, stack.organizerToken)).body.attendees;
    assert.deepEqual(names.map((a) => a.display_name), ['Ann Lee', 'Bo Ng']);

    // strict refuses the unknown column: the whole file, with parleyd's message.
    const strict = await importCsv(id, `?strict=1&${mapping}`, file);
    assert.equal(strict.status, 400);
    assert.equal(strict.body.error, 'INVALID_ARGUMENT');
    assert.match(strict.body.message, /Shoe size/);

    const synced = await importCsv(id, `?sync=1&${mapping}`, 'Ticket,First Name,Last Name\nt1,Ann,Lee\n');
    assert.deepEqual([synced.body.unchanged, synced.body.removed], [1, 1]);
    assert.deepEqual(synced.body.removed_attendees.map((a) => a.external_id), ['t2']);
    assert.equal(await count(), 1);

    const unmapped = await importCsv(id, '', 'Foo,Bar\n1,2\n');
    assert.equal(unmapped.status, 400);
    assert.equal(unmapped.body.error, 'INVALID_ARGUMENT');
    const badFlag = await importCsv(id, '?dry_run=maybe', file);
    assert.equal(badFlag.status, 400);
    assert.match(badFlag.body.message, /dry_run/);
    const empty = await importCsv(id, '', '');
    assert.equal(empty.status, 400);
    assert.match(empty.body.message, /CSV file/);
  },
);

test('a calendar feed serves my meetings with reminders until I revoke it', async () => {
  const org = stack.organizer;
  const start = 1893456000;
  const event = await org.organizer.createEvent({
    event: {
      name: 'Feed event',
      slots: [{ id: 's1', start_time: start, end_time: start + 1800 }],
      locations: [{ id: 'hall', name: 'Hall', tables: 5 }],
    },
  });
  const rows = ['Ann', 'Bob'].map((name, i) => ({
    row_number: i + 1,
    attendee: { external_id: `f${i}`, display_name: name, interests: [{ tag: 'tea' }] },
  }));
  const imported = await org.importAttendees(event.id, rows);
  await org.organizer.setEventStatus({ event_id: event.id, status: 'OPEN' });
  const run = await org.runMatching(event.id, 1, { timeoutMs: 120000 });
  assert.equal(run.phase, 'DONE', run.error);
  const issued = await org.organizer.issueAttendeeTokens({
    event_id: event.id,
    attendee_ids: imported.results.map((r) => r.attendee_id),
  });
  const [ann, bob] = issued.tokens.map((t) => t.token);
  const { proposals } = (await api('GET', '/api/me/suggestions', ann)).body;
  assert.equal(proposals.length, 1);
  for (const token of [ann, bob]) {
    const r = await api('POST', `/api/me/proposals/${proposals[0].meeting_id}/respond`, token, {
      accept: true,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  const created = await api('POST', '/api/me/feeds', ann, { label: 'phone' });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const feedUrl = new URL(created.body.url);
  assert.match(feedUrl.pathname, /^\/calendar\/prl_[A-Za-z0-9_-]+\.ics$/);
  const ics = await fetch(`${web.url}${feedUrl.pathname}`);
  assert.equal(ics.status, 200);
  assert.match(ics.headers.get('content-type'), /^text\/calendar/);
  const text = await ics.text();
  assert.match(text, /BEGIN:VCALENDAR/);
  assert.match(text, /SUMMARY:[^\r]*Bob/);
  assert.match(text, /BEGIN:VALARM\r\nACTION:DISPLAY\r\n[^]*TRIGGER:-PT10M\r\n/);
  // The feed's secret opens nothing else.
  const feedToken = /\/calendar\/(.*)\.ics$/.exec(feedUrl.pathname)[1];
  assert.equal((await api('GET', '/api/me/agenda', feedToken)).status, 403);
  const listed = await api('GET', '/api/me/feeds', ann);
  assert.deepEqual(listed.body.feeds.map((f) => f.token_id), [created.body.info.token_id]);
  assert.equal((await api('GET', '/api/me/feeds', bob)).body.feeds.length, 0);
  const revoked = await api('DELETE', `/api/me/feeds/${created.body.info.token_id}`, ann);
  assert.equal(revoked.status, 200);
  assert.equal((await fetch(`${web.url}${feedUrl.pathname}`)).status, 404);
});

test('the log never holds a token, and SIGTERM stops the server cleanly', async () => {
  await api('GET', '/calendar/prl_secretfeedvalue.ics');
  await api('GET', '/api/me', 'prl_secretheadervalue');
  web.child.kill('SIGTERM');
  assert.equal(await web.exited, 0);
  const log = web.output();
  assert.match(log, /\/calendar\/<feed>/);
  assert.doesNotMatch(log, /secretfeedvalue|secretheadervalue/);
});

test('plain HTTP off loopback is refused', async () => {
  const child = spawn(process.execPath, [BIN, '--listen', '0.0.0.0:0', '--parley', stack.server.target]);
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(err, /plain HTTP only on loopback/);
});
