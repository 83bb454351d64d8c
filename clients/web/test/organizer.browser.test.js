'use strict';
// The organiser's app in headless Chromium against a real parleyd and web server: create an
// event, give it slots and a location, open it, dry-run a bad attendee CSV (warnings and rejected
// rows with their lines, nothing stored), upload the real one, find an attendee, run
// matching with the live progress bar and see the report's charts; analytics and the
// mail-merge page. Every page passes axe-core without a serious or critical violation.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { before, after, test } = require('node:test');
const harness = require('./harness');

let stack;
let chrome;

before(async () => {
  stack = await harness.startStack('web organiser');
  chrome = await harness.launchBrowser();
});

after(async () => {
  if (chrome) await chrome.close();
  if (stack) await stack.close();
});

test('an organiser sets up an event, uploads a CSV, runs matching and sees the charts', async () => {
  const page = await harness.newPage(chrome.browser);
  await page.goto(`${stack.url}/o#t=${stack.organizerToken}`);
  await page.waitForSelector('#event-name');
  assert.equal(new URL(page.url()).hash, '');
  await harness.axeCheck(page, 'organiser events');

  await page.type('#event-name', 'Browser Conference');
  await page.$eval('#event-zone', (input) => {
    input.value = 'Europe/Berlin';
  });
  await page.click('form button[type=submit]');
  await page.waitForSelector('#setup-form');
  const eventId = /event\/([0-9]+)/.exec(page.url())[1];
  for (let i = 0; i < 3; i += 1) await page.click('::-p-text(Add a slot)');
  await page.click('::-p-text(Add a location)');
  await page.click('#setup-form button[type=submit]');
  await page.waitForFunction(() => /Saved/.test(document.getElementById('setup-result').textContent));
  await harness.axeCheck(page, 'organiser setup');
  const saved = await stack.organizer.organizer.getEvent({ event_id: eventId });
  assert.deepEqual(saved.slots.map((s) => s.id), ['s1', 's2', 's3']);
  assert.equal(saved.locations.length, 1);
  assert.equal(saved.time_zone, 'Europe/Berlin');

  await page.click('::-p-text(Open the event)');
  await page.waitForFunction(() => document.getElementById('event-status')?.textContent === 'OPEN');

  await page.click(`a[href="#event/${eventId}/attendees"]`);
  await page.waitForSelector('#csv-file');
  const input = await page.$('#csv-file');
  // A dry run of a file with two bad rows and a column Parley does not know: the page shows
  // parleyd's warning and each rejected row with its line in the file; nothing is stored.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'organizer-csv-'));
  try {
    // The browser reads the file when the form sends it.
    const bad = path.join(dir, 'registrations.csv');
    fs.writeFileSync(bad, 'external_id,name,budget,Shoe size\nd1,Ann,1,41\n\nd2,Bob,lots,44\nd3,,2,39\n');
    await input.uploadFile(bad);
    await page.click('#csv-dry-run');
    await page.click('#csv-import');
    await page.waitForSelector('#import-rejected');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const checked = await harness.textOf(page, '#import-result');
  assert.match(checked, /Dry run, nothing stored\. The import would give: 1 new, 0 updated, 0 unchanged, 2 rejected\./);
  assert.match(await harness.textOf(page, '#import-warnings'), /Shoe size/);
  const rejected = await page.$$eval('#import-rejected tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.deepEqual(rejected.map((r) => r.slice(0, 3)), [['2', '4', 'd2'], ['3', '5', 'd3']]);
  assert.match(rejected[0][3], /budget/);
  assert.match(rejected[1][3], /name/);
  await harness.axeCheck(page, 'organiser import dry run');
  await harness.screenshot(page, 'organizer-import');
  assert.equal((await stack.organizer.organizer.listAttendees({ event_id: eventId })).attendees.length, 0);

  await page.click('#csv-dry-run');
  await input.uploadFile(harness.EXAMPLE_CSV);
  await page.click('#csv-import');
  await page.waitForFunction(() => /Imported: 16 new/.test(document.getElementById('import-result').textContent));
  await page.waitForFunction(() => /16 attendees shown/.test(document.body.textContent));
  await page.type('#attendee-search', 'hopper');
  await page.click('form[role=search] button');
  await page.waitForFunction(() => /1 attendee shown/.test(document.body.textContent));
  assert.match(await harness.textOf(page, '#attendee-results'), /Hopper, Grace/);
  await harness.axeCheck(page, 'organiser attendees');

  await page.click(`a[href="#event/${eventId}/matching"]`);
  await page.waitForSelector('#start-run');
  await page.waitForFunction(() => /No matching run yet/.test(document.getElementById('report').textContent));
  const phases = [];
  await page.exposeFunction('recordPhase', (text) => phases.push(text));
  await page.evaluate(() => {
    new MutationObserver(() => window.recordPhase(document.getElementById('run-phase').textContent)).observe(
      document.getElementById('run-phase'),
      { childList: true, subtree: true, characterData: true },
    );
  });
  await page.click('#start-run');
  await page.waitForSelector('#chart-histogram[data-rendered="true"]');
  assert.equal(await page.$eval('#run-progress', (p) => p.value), 5);
  assert.ok(phases.some((p) => /^Done/.test(p)), phases.join(' | '));
  const label = await page.$eval('#chart-histogram', (c) => c.getAttribute('aria-label'));
  assert.match(label, /Meetings per attendee\. Attendees by number of meetings: /);
  // The canvas really has bars drawn on it (non-white pixels).
  const inked = await page.$eval('#chart-histogram', (canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] < 200) n += 1;
    return n;
  });
  assert.ok(inked > 100, `the histogram drew ${inked} dark pixels`);
  const report = await stack.organizer.matching.getQualityReport({ event_id: eventId });
  assert.match(
    await harness.textOf(page, '#report'),
    new RegExp(`Meetings ${report.run.report.meetings} `),
  );
  await harness.axeCheck(page, 'organiser matching');
  await harness.screenshot(page, 'organizer-matching');

  await page.click('#publish');
  await page.waitForFunction(() => /Published/.test(document.body.textContent));
  assert.equal((await stack.organizer.organizer.getEvent({ event_id: eventId })).status, 'SCHEDULED');

  await page.click(`a[href="#event/${eventId}/analytics"]`);
  await page.waitForSelector('#chart-outcomes[data-rendered="true"]');
  await harness.axeCheck(page, 'organiser analytics');

  await page.click(`a[href="#event/${eventId}/links"]`);
  await page.waitForSelector('#magic-links');
  await harness.axeCheck(page, 'organiser links');
  assert.deepEqual(page.errors, []);
});

test('the mail-merge issues a magic link per attendee that opens their page', async () => {
  const { events } = await stack.organizer.organizer.listEvents({});
  const eventId = events[0].id;
  const response = await fetch(`${stack.url}/api/events/${eventId}/magic-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.organizerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ only_new: true }),
  });
  assert.equal(response.status, 200);
  const lines = (await response.text()).trim().split('\r\n');
  assert.equal(lines[0], 'external_id,name,email,link');
  assert.equal(lines.length, 17);
  const ada = lines.find((l) => l.startsWith('r-001,'));
  const link = /(http:\S+\/a#t=\S+)$/.exec(ada)[1];
  assert.ok(link.startsWith(`${stack.url}/a#t=prl_`), link);
  const page = await harness.newPage(chrome.browser);
  await page.goto(link);
  await page.waitForFunction(() => /Ada Lovelace/.test(document.getElementById('who').textContent));
  // Only attendees without a link: a second mail-merge issues nothing.
  const again = await fetch(`${stack.url}/api/events/${eventId}/magic-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.organizerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ only_new: true }),
  });
  assert.equal((await again.text()).trim(), 'external_id,name,email,link');
});
