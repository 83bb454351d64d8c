'use strict';
// What both examples share: the connection flags, the client built from them, and running main.

const { Client, ParleyError } = require('..');

// parseArgs options for --server, --token, --tls, --ca-cert and --timeout (seconds per call).
const CONNECTION_OPTIONS = {
  server: { type: 'string', default: process.env.PARLEY_SERVER || '127.0.0.1:50051' },
  token: { type: 'string', default: process.env.PARLEY_TOKEN || '' },
  tls: { type: 'boolean', default: false },
  'ca-cert': { type: 'string' },
  timeout: { type: 'string', default: '30' },
};

function connect(args, role) {
  if (!args.token) throw new Error(`--token or PARLEY_TOKEN is required (an ${role} token)`);
  return new Client({
    target: args.server,
    token: args.token,
    tls: args.tls,
    caCertFile: args['ca-cert'],
    deadlineMs: Number(args.timeout) * 1000,
  });
}

// Runs main(argv) and sets the exit code: 1 with "<name>: CODE: message" on a failed call.
function run(name, main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`${name}: ${error instanceof ParleyError ? error.message : error.stack}`);
      process.exitCode = 1;
    },
  );
}

module.exports = { CONNECTION_OPTIONS, connect, run };
