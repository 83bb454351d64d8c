'use strict';
// Shared by the web tests: a real parleyd ($PARLEYD, port chosen by the OS) with a community and
// an organiser token, the web server on 127.0.0.1:0 in this process, and Debian's Chromium
// through puppeteer-core with a fresh profile. axeCheck runs axe-core on a page.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');

const PACKAGE_DIR = path.resolve(__dirname, '..');
for (const [dir, what] of [
  [path.join(PACKAGE_DIR, 'node_modules', 'fastify'), 'clients/web'],
  [path.join(PACKAGE_DIR, '..', 'node', 'node_modules', '@grpc', 'grpc-js'), 'clients/node'],
]) {
  if (!fs.existsSync(dir)) {
    throw new Error(`${dir} is missing: run \`npm ci\` in ${what} (tools/test does it before ctest)`);
  }
}

const puppeteer = require('puppeteer-core');
const { Client } = require('parley-client');
const { LocalServer } = require('parley-client/lib/testing');
const { buildServer } = require('..');

const DEADLINE_MS = 30000;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const EXAMPLE_CSV =
  process.env.PARLEY_EXAMPLE_CSV ||
  path.resolve(PACKAGE_DIR, '..', 'examples', 'data', 'attendees.csv');
// Screenshots go here when set (PARLEY_WEB_SCREENSHOTS=DIR ctest -R web_; docs/ holds two).
const SCREENSHOT_DIR = process.env.PARLEY_WEB_SCREENSHOTS || '';

// parleyd + community + organiser token + the web server. Stop with close().
async function startStack(name) {
  if (!process.env.PARLEYD) throw new Error('PARLEYD is not set: run through ctest');
  const server = await LocalServer.start();
  const admin = new Client({ target: server.target, token: server.adminToken, deadlineMs: DEADLINE_MS });
  let web = null;
  const close = async () => {
    if (web) await web.close();
    admin.close();
    await server.stop();
  };
  try {
    await admin.waitUntilServing();
    const community = await admin.admin.createCommunity({ name: `${name} community` });
    const issued = await admin.admin.issueOrganizerToken({ community_id: community.id, label: 'web tests' });
    web = buildServer({ parley: server.target });
    await web.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${web.server.address().port}`;
    return { server, admin, organizer: admin.withToken(issued.token), organizerToken: issued.token, web, url, close };
  } catch (error) {
    await close();
    throw error;
  }
}

// Chromium, headless, with a profile of its own that is removed on close().
async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install chromium (tools/deps does it), or set CHROMIUM`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
  });
  const close = async () => {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { browser, close };
}

// A page in a fresh browser context (its own storage), phone-sized unless told otherwise, that
// fails the test on any page error or failed request of ours.
async function newPage(browser, { width = 1100, height = 900 } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.setDefaultTimeout(60000);
  await page.setViewport({ width, height });
  // axe-core is injected as a script: the app's CSP (script-src 'self') would refuse it.
  await page.setBypassCSP(true);
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(`page error: ${error.message}`));
  // An API answering 404 or 401 is part of a page's normal life (no run yet, a dead link) and
  // the tests check what the page makes of it; anything else failing to load is a bug.
  page.on('console', (message) => {
    if (message.type() === 'error' && !/^Failed to load resource/.test(message.text())) {
      page.errors.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (response.status() >= 400 && !url.pathname.startsWith('/api/')) {
      page.errors.push(`HTTP ${response.status()} for ${url.pathname}`);
    }
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure();
    // A stream the page closes on leaving is not a failure.
    if (failure && failure.errorText !== 'net::ERR_ABORTED') {
      page.errors.push(`request failed: ${request.url().split('#')[0]} ${failure.errorText}`);
    }
  });
  return page;
}

// axe-core on the page as it is now: no serious or critical violation.
async function axeCheck(page, what) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`),
    [],
    `axe on ${what}`,
  );
}

async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // The visible part only, as a person first sees it (and small enough for docs/).
  // Without a passing status message over the content.
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    document.getElementById('status').replaceChildren();
  });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

// Text of an element, whitespace collapsed.
async function textOf(page, selector) {
  return page.$eval(selector, (e) => e.innerText.replace(/\s+/g, ' ').trim());
}

module.exports = {
  DEADLINE_MS,
  EXAMPLE_CSV,
  axeCheck,
  launchBrowser,
  newPage,
  screenshot,
  startStack,
  textOf,
};
