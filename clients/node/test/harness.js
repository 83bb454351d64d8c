'use strict';
// Shared by the Node client tests: a real parleyd ($PARLEYD) per test file, a community with an
// organiser token, and a way to run the example scripts.

const fs = require('node:fs');
const path = require('node:path');
const { execFile } = require('node:child_process');

const PACKAGE_DIR = path.resolve(__dirname, '..');
if (!fs.existsSync(path.join(PACKAGE_DIR, 'node_modules', '@grpc', 'grpc-js'))) {
  throw new Error(
    `${PACKAGE_DIR}/node_modules is missing: run \`npm ci\` in clients/node ` +
      '(tools/test does it before ctest)',
  );
}

const { Client } = require('..');
const { LocalServer } = require('../lib/testing');

const EXAMPLES_DIR = path.join(PACKAGE_DIR, 'examples');
const EXAMPLE_CSV =
  process.env.PARLEY_EXAMPLE_CSV ||
  path.resolve(PACKAGE_DIR, '..', 'examples', 'data', 'attendees.csv');
// Every call of the tests has this deadline; runs and examples get longer ones.
const DEADLINE_MS = 30000;

// Starts parleyd and returns {server, admin, organizer, organizerToken}; stop with close().
async function startServer(name) {
  if (!process.env.PARLEYD) throw new Error('PARLEYD is not set: run through ctest');
  const server = await LocalServer.start();
  const admin = new Client({
    target: server.target,
    token: server.adminToken,
    deadlineMs: DEADLINE_MS,
  });
  try {
    await admin.waitUntilServing();
    const community = await admin.admin.createCommunity({ name: `${name} community` });
    const issued = await admin.admin.issueOrganizerToken({
      community_id: community.id,
      label: 'tests',
    });
    const organizer = admin.withToken(issued.token);
    const close = async () => {
      admin.close();
      await server.stop();
    };
    return { server, admin, organizer, organizerToken: issued.token, close };
  } catch (error) {
    admin.close();
    await server.stop();
    throw error;
  }
}

// Runs examples/<script> against `server` with `token`; resolves to {code, stdout, stderr}.
function runExample(server, script, token, args = []) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(EXAMPLES_DIR, script), ...args],
      {
        env: { ...process.env, PARLEY_SERVER: server.target, PARLEY_TOKEN: token },
        timeout: 300000,
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function describe(result) {
  return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

module.exports = { DEADLINE_MS, EXAMPLE_CSV, describe, runExample, startServer };
