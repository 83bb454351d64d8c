'use strict';
// The attendee's app in headless Chromium against a real parleyd and web server: two attendees
// open their magic links in separate browser contexts, see a suggestion with its reasons, accept
// it, and both see it CONFIRMED without reloading (WatchMyAgenda -> Server-Sent Events), with the
// contact details only the side that chose to share them shows. Every attendee page passes
// axe-core without a serious or critical violation.

const assert = require('node:assert/strict');
const { before, after, test } = require('node:test');
const { describeReason, fieldMask } = require('parley-client');
const fs = require('node:fs');
const path = require('node:path');
const harness = require('./harness');

let stack;
let chrome;
let meeting;
let tokenA;
let tokenB;

before(async () => {
  stack = await harness.startStack('web attendee');
  chrome = await harness.launchBrowser();
  const org = stack.organizer;
  const start = Math.floor(Date.UTC(2030, 0, 15, 9, 0) / 1000);
  const event = await org.organizer.createEvent({
    event: {
      name: 'Browser Meetup',
      time_zone: 'Europe/Berlin',
      slots: [0, 1, 2].map((i) => ({
        id: `s${i + 1}`,
        name: `Round ${i + 1}`,
        start_time: start + i * 2400,
        end_time: start + i * 2400 + 1800,
      })),
      locations: [{ id: 'hall', name: 'Main hall', tables: 10 }],
    },
  });
  const imported = await org.importAttendeesCsv(event.id, fs.readFileSync(harness.EXAMPLE_CSV));
  assert.deepEqual([imported.created, imported.rejected], [16, 0]);
  await org.organizer.setEventStatus({ event_id: event.id, status: 'OPEN' });
  const run = await org.runMatching(event.id, 3, { timeoutMs: 300000 });
  assert.equal(run.phase, 'DONE', run.error);
  const { meetings } = await org.matching.listMeetings({
    event_id: event.id,
    state: 'PROPOSED',
    page_size: 1,
  });
  assert.equal(meetings.length, 1, 'the run proposed no meeting');
  meeting = meetings[0];
  const issued = await org.organizer.issueAttendeeTokens({
    event_id: event.id,
    attendee_ids: [meeting.attendee_a, meeting.attendee_b],
  });
  [tokenA, tokenB] = issued.tokens.map((t) => t.token);
});

after(async () => {
  if (chrome) await chrome.close();
  if (stack) await stack.close();
});

test('attendees accept a suggestion and both see it confirmed live', async () => {
  const id = meeting.id;
  const card = `#meeting-${id}`;
  const asA = stack.organizer.withToken(tokenA);
  const suggestions = await asA.agenda.listMySuggestions({});
  const proposal = suggestions.proposals.find((p) => p.meeting_id === id);
  assert.ok(proposal, 'A does not see the proposal through the API');

  const pageA = await harness.newPage(chrome.browser, { width: 390, height: 844 });
  await pageA.goto(`${stack.url}/a#t=${tokenA}`);
  await pageA.waitForSelector(`${card}[data-status="AWAITING_ME"]`);
  // The token left the address bar and lives in this tab's sessionStorage only.
  assert.equal(new URL(pageA.url()).hash, '');
  assert.equal(await pageA.evaluate(() => sessionStorage.getItem('parley.attendee')), tokenA);

  const text = await harness.textOf(pageA, card);
  assert.match(text, new RegExp(proposal.partner.display_name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  const reasons = await pageA.$$eval(`${card} ul.reasons li`, (items) => items.map((i) => i.textContent));
  assert.ok(reasons.length > 0, 'no reasons shown');
  assert.deepEqual(
    reasons,
    proposal.reasons.map((r) => describeReason(r, proposal.partner.display_name)),
  );
  if (proposal.conversation_starter) {
    assert.equal(await harness.textOf(pageA, `${card} blockquote`), proposal.conversation_starter);
  }
  assert.match(text, /Main hall/);
  await harness.axeCheck(pageA, 'attendee meetings');
  await harness.screenshot(pageA, 'attendee-meetings');

  // A lets confirmed partners see the e-mail; B shares nothing.
  const shared = await asA.attendee.updateMyProfile({
    attendee: { share_email: true },
    update_mask: fieldMask('share_email'),
  });
  const emailA = shared.attendee.email;
  assert.ok(emailA, 'the example attendee has no e-mail');
  await pageA.click(`#accept-${id}`);
  await pageA.waitForSelector(`${card}[data-status="AWAITING_THEM"]`);

  const pageB = await harness.newPage(chrome.browser, { width: 1024, height: 800 });
  await pageB.goto(`${stack.url}/a#t=${tokenB}`);
  await pageB.waitForSelector(`${card}[data-status="AWAITING_ME"]`);
  await pageB.click(`#accept-${id}`);

  // Neither page reloads: the change arrives over the agenda stream.
  await pageB.waitForSelector(`#confirmed-list ${card}[data-status="CONFIRMED"]`);
  await pageA.waitForSelector(`#confirmed-list ${card}[data-status="CONFIRMED"]`);
  assert.match(await harness.textOf(pageA, `${card} .state`), /confirmed/);
  assert.equal(await pageA.evaluate(() => performance.getEntriesByType('navigation').length), 1);
  // B sees A's e-mail as a link; A sees nothing of B's.
  assert.match(await harness.textOf(pageB, `${card} .contact`), new RegExp(`Reach .*: ${emailA.replace('.', '\\.')}$`));
  assert.equal(await pageB.$eval(`${card} .contact a`, (a) => a.getAttribute('href')), `mailto:${emailA}`);
  assert.equal(await pageA.$(`${card} .contact`), null);
  assert.doesNotMatch(await harness.textOf(pageA, card), /@/);
  await harness.axeCheck(pageB, 'attendee confirmed with contact');
  await harness.screenshot(pageB, 'attendee-confirmed-contact');
  await harness.screenshot(pageA, 'attendee-confirmed');
  assert.deepEqual([...pageA.errors, ...pageB.errors], []);
});

test('attendee profile, people, feedback and calendar pages work and pass axe', async () => {
  const page = await harness.newPage(chrome.browser);
  await page.goto(`${stack.url}/a#t=${tokenA}`);
  await page.waitForSelector('#open-list');

  await page.click('a[href="#profile"]');
  await page.waitForSelector('#profile-form');
  await harness.axeCheck(page, 'attendee profile');
  await page.$eval('#budget', (input) => {
    input.value = '2';
  });
  await page.$eval('#interests', (input) => {
    input.value = 'bicycles:3; tea';
  });
  // A shared the e-mail in the first test; now the phone too, and the e-mail no longer.
  assert.equal(await page.$eval('#share-email', (box) => box.checked), true);
  await page.click('#share-email');
  await page.click('#share-phone');
  await page.click('#profile-form button[type=submit]');
  await page.waitForFunction(() => /Saved/.test(document.getElementById('profile-result').textContent));
  const profile = await stack.organizer.withToken(tokenA).attendee.getMyProfile({});
  assert.equal(profile.attendee.share_email, false);
  assert.equal(profile.attendee.share_phone, true);
  assert.equal(profile.attendee.budget, 2);
  assert.deepEqual(
    profile.attendee.interests.map((i) => [i.tag, i.weight]),
    [['bicycles', 3], ['tea', 1]],
  );

  for (const [hash, selector, what] of [
    ['#people', '#introductions', 'attendee people'],
    ['#feedback', '#feedback-list', 'attendee feedback'],
    ['#calendar', '#feeds', 'attendee calendar'],
  ]) {
    await page.click(`a[href="${hash}"]`);
    await page.waitForSelector(selector);
    await page.waitForFunction((s) => !/Loading/.test(document.querySelector(s).textContent), {}, selector);
    await harness.axeCheck(page, what);
  }
  // "Add to my calendar": a feed URL a calendar app can subscribe to, listed, then revoked.
  await page.click('#create-feed');
  await page.waitForSelector('#feed-url');
  const url = await harness.textOf(page, '#feed-url');
  assert.ok(url.startsWith(`${stack.url}/calendar/prl_`), url);
  const ics = await fetch(url);
  assert.equal(ics.status, 200);
  assert.match(await ics.text(), /BEGIN:VCALENDAR[^]*TRIGGER:-PT10M/);
  await page.waitForSelector('#feeds button');
  await page.click('#feeds button');
  await page.waitForFunction(() => /None\./.test(document.getElementById('feeds').textContent));
  assert.equal((await fetch(url)).status, 404);
  assert.deepEqual(page.errors, []);
});

test('a page without a token asks for the link, and a bad token is refused', async () => {
  const page = await harness.newPage(chrome.browser);
  await page.goto(`${stack.url}/a`);
  await page.waitForSelector('h1');
  assert.match(await harness.textOf(page, 'h1'), /link is needed/);
  await harness.axeCheck(page, 'attendee without a link');
  const bad = await harness.newPage(chrome.browser);
  await bad.goto(`${stack.url}/a#t=prl_not-a-token`);
  await bad.waitForFunction(() => /cannot be opened/.test(document.querySelector('h1')?.textContent || ''));
  assert.match(await harness.textOf(bad, 'main'), /no longer valid/);
});

test("the profile form reads interest weights by the server's rule (the shared cases)", async () => {
  const cases = fs
    .readFileSync(
      path.resolve(__dirname, '..', '..', '..', 'tests', 'clients', 'data', 'interest_weights.tsv'),
      'utf8',
    )
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split('\t'));
  assert.ok(cases.length > 10);
  const page = await harness.newPage(chrome.browser);
  await page.goto(`${stack.url}/a`);
  await page.waitForSelector('h1');
  const read = await page.evaluate(async (inputs) => {
    const { parseInterests } = await import('/static/lib.js');
    return inputs.map((input) => parseInterests(input));
  }, cases.map(([input]) => input));
  cases.forEach(([input, tag, weight], i) => {
    assert.equal(read[i].length, 1, input);
    if (tag.startsWith('!')) {
      assert.equal(read[i][0].tag, '', `${input}: an empty tag`);
    } else {
      // The form sends weight 1 where none is given (the server's default).
      assert.deepEqual(read[i][0], { tag, weight: Number(weight) || 1 }, input);
    }
  });
});
