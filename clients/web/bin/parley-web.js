#!/usr/bin/env node
'use strict';
// parley-web: the web app's server (lib/server.js) on a port.
//
//   node bin/parley-web.js --listen 127.0.0.1:8080 --parley 127.0.0.1:50051 [--port-file F]
//
// --listen HOST:PORT      where to serve (port 0: the OS chooses; see --port-file). Default
//                         127.0.0.1:8080. Plain HTTP only on loopback unless --insecure-http.
// --parley HOST:PORT      parleyd (default $PARLEY_SERVER or 127.0.0.1:50051).
// --port-file FILE        written (atomically) with the port once serving.
// --public-url URL        the origin the links it writes start with (default: the request's).
// --tls-cert/--tls-key    PEM files: serve HTTPS.
// --parley-tls, --parley-ca FILE, --parley-server-name NAME   TLS to parleyd.
// --log                   log requests (tokens never appear: see lib/server.js).
// SIGTERM/SIGINT close the server (in-flight requests finish) and exit 0.

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { buildServer } = require('../lib/server');

function fail(message) {
  process.stderr.write(`parley-web: ${message}\n`);
  process.exit(2);
}

function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      listen: { type: 'string', default: '127.0.0.1:8080' },
      parley: { type: 'string', default: process.env.PARLEY_SERVER || '127.0.0.1:50051' },
      'port-file': { type: 'string', default: '' },
      'public-url': { type: 'string', default: '' },
      'tls-cert': { type: 'string', default: '' },
      'tls-key': { type: 'string', default: '' },
      'insecure-http': { type: 'boolean', default: false },
      'parley-tls': { type: 'boolean', default: false },
      'parley-ca': { type: 'string', default: '' },
      'parley-server-name': { type: 'string', default: '' },
      log: { type: 'boolean', default: false },
    },
  });
  const listen = /^(.*):([0-9]+)$/.exec(args.listen);
  if (!listen) fail(`--listen: expected HOST:PORT, got "${args.listen}"`);
  const host = listen[1].replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen[2]);
  const tls = Boolean(args['tls-cert'] || args['tls-key']);
  if (tls && !(args['tls-cert'] && args['tls-key'])) fail('--tls-cert and --tls-key go together');
  if (!tls && !isLoopback(host) && !args['insecure-http']) {
    fail(`--listen ${args.listen}: plain HTTP only on loopback (give --tls-cert/--tls-key, or --insecure-http behind a TLS proxy)`);
  }
  const app = buildServer({
    parley: args.parley,
    tls: args['parley-tls'],
    caCertFile: args['parley-ca'] || undefined,
    serverName: args['parley-server-name'] || undefined,
    publicUrl: args['public-url'].replace(/\/+$/, '') || undefined,
    logger: args.log,
    https: tls
      ? { key: fs.readFileSync(args['tls-key']), cert: fs.readFileSync(args['tls-cert']) }
      : null,
  });
  await app.listen({ host, port });
  const actual = app.server.address().port;
  if (args['port-file']) {
    // Readers watch for the file: write it whole, then rename into place.
    const tmp = path.join(path.dirname(args['port-file']), `.${path.basename(args['port-file'])}.tmp`);
    fs.writeFileSync(tmp, `${actual}\n`);
    fs.renameSync(tmp, args['port-file']);
  }
  process.stdout.write(`parley-web: serving on ${tls ? 'https' : 'http'}://${host}:${actual} (parleyd ${args.parley})\n`);
  const stop = () => {
    app.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => fail(error.message));
