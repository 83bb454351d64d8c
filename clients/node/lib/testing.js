'use strict';
// A real parleyd for integration tests: port chosen by the OS, store in a temp dir.
//
//   const server = await LocalServer.start({ binary: process.env.PARLEYD });
//   const admin = new Client({ target: server.target, token: server.adminToken });
//   ...
//   await server.stop();
//
// start() runs parleyd with --listen 127.0.0.1:0 --port_file and waits for the port file by
// watching the directory (fs.watch: inotify, no polling) with a deadline; it fails with the
// log's tail if parleyd exits first. stop() sends SIGTERM, then SIGKILL after a timeout, and
// removes the temp dir.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

class LocalServer {
  constructor(binary, workDir, child) {
    this.binary = binary;
    this.workDir = workDir;
    this.child = child;
    this.port = 0;
    this.adminToken = '';
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  get target() {
    return `127.0.0.1:${this.port}`;
  }

  get logFile() {
    return path.join(this.workDir, 'parleyd.log');
  }

  logTail(bytes = 4000) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').slice(-bytes);
    } catch {
      return '';
    }
  }

  // options: binary (default $PARLEYD), startTimeoutMs (default 60000), extraFlags.
  static async start(options = {}) {
    const binary = options.binary || process.env.PARLEYD;
    if (!binary) throw new Error('parleyd binary: pass options.binary or set PARLEYD');
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parleyd-'));
    const portFile = path.join(workDir, 'port');
    const tokenFile = path.join(workDir, 'admin.token');
    // Watch before spawning so that the port file's rename cannot be missed.
    const watcher = fs.watch(workDir);
    const log = fs.openSync(path.join(workDir, 'parleyd.log'), 'a');
    const child = spawn(
      binary,
      [
        '--listen=127.0.0.1:0',
        `--data_dir=${path.join(workDir, 'data')}`,
        `--admin_token_file=${tokenFile}`,
        `--port_file=${portFile}`,
        '--log_level=warning',
        ...(options.extraFlags || []),
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    const server = new LocalServer(binary, workDir, child);
    try {
      server.port = await waitForPort(portFile, watcher, server, options.startTimeoutMs || 60000);
      server.adminToken = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      await server.stop();
      throw error;
    } finally {
      watcher.close();
    }
    return server;
  }

  // SIGTERM, then SIGKILL after timeoutMs; removes the temp dir. Resolves to {code, signal}.
  async stop(timeoutMs = 60000) {
    let result = null;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      let timer;
      const killed = new Promise((resolve) => {
        timer = setTimeout(() => {
          this.child.kill('SIGKILL');
          resolve();
        }, timeoutMs);
      });
      await Promise.race([this.exited, killed]);
      clearTimeout(timer);
    }
    result = await this.exited;
    fs.rmSync(this.workDir, { recursive: true, force: true });
    return result;
  }
}

function readPort(portFile) {
  try {
    const text = fs.readFileSync(portFile, 'utf8').trim();
    return /^[0-9]+$/.test(text) && Number(text) > 0 ? Number(text) : 0;
  } catch {
    return 0;
  }
}

function waitForPort(portFile, watcher, server, timeoutMs) {
  return new Promise((resolve, reject) => {
    const finish = (error, port) => {
      clearTimeout(timer);
      watcher.removeListener('change', check);
      if (error) reject(error);
      else resolve(port);
    };
    const check = () => {
      const port = readPort(portFile);
      if (port) finish(null, port);
    };
    const timer = setTimeout(() => {
      finish(new Error(`parleyd wrote no port file in ${timeoutMs} ms; log:\n${server.logTail()}`));
    }, timeoutMs);
    watcher.on('change', check);
    server.exited.then(({ code, signal }) => {
      finish(
        new Error(`parleyd exited (${signal || code}) before serving; log:\n${server.logTail()}`),
      );
    });
    check();
  });
}

module.exports = { LocalServer };
