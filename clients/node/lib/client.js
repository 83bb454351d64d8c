'use strict';
// A promise-based wrapper over @grpc/grpc-js for every Parley service.
//
// The .proto files are read at run time from the repository's proto/ directory (every file under
// it, so a new service appears without code changes). One Client holds one channel; every call
// carries the bearer token (`authorization: Bearer <token>` metadata) and a deadline, and fails
// with a ParleyError (gRPC status code and the server's message).
//
// Messages are plain objects with the .proto field names (snake_case). 64-bit integers (ids,
// counts) are strings in responses and may be numbers or strings in requests; enums are their
// names ('OPEN', 'PROPOSED') in responses and names or numbers in requests; unset fields have
// their default values.

const fs = require('node:fs');
const path = require('node:path');
const { once } = require('node:events');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const DEFAULT_TARGET = '127.0.0.1:50051';
const DEFAULT_PROTO_DIR = path.resolve(__dirname, '..', '..', '..', 'proto');
// The largest number of rows the server takes in one ImportAttendees message.
const MAX_IMPORT_BATCH = 1000;
// The largest file ImportAttendeesCsv takes (services/domain/import_csv.h kMaxCsvImportBytes).
// parleyd enforces it (RESOURCE_EXHAUSTED); this copy only sizes buffers in front of it, such as
// the web server's body limit.
const MAX_CSV_IMPORT_BYTES = 256 << 20;
// The largest chunk of the file in one ImportAttendeesCsv message.
const CSV_IMPORT_CHUNK_BYTES = 1 << 20;

const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

// A failed call. `code` is the numeric gRPC status (grpc.status), `codeName` its name
// ('NOT_FOUND'), `details` the server's message, `method` the full method path.
class ParleyError extends Error {
  constructor(code, details, method = '') {
    const codeName = grpc.status[code] || 'UNKNOWN';
    super(`${codeName}: ${details}`);
    this.name = 'ParleyError';
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.method = method;
  }

  static fromServiceError(error, method) {
    if (error instanceof ParleyError) return error;
    const code = typeof error.code === 'number' ? error.code : grpc.status.UNKNOWN;
    return new ParleyError(code, error.details || error.message || String(error), method);
  }
}

// Every .proto file under `dir`, as paths relative to it.
function protoFiles(dir) {
  const found = [];
  const walk = (relative) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.proto')) found.push(child);
    }
  };
  walk('');
  return found.sort();
}

const loaded = new Map();

// The package definition of every .proto under protoDir (cached per directory).
function loadProtos(protoDir = process.env.PARLEY_PROTO_DIR || DEFAULT_PROTO_DIR) {
  if (!loaded.has(protoDir)) {
    if (!fs.existsSync(protoDir)) {
      throw new Error(`proto directory ${protoDir} not found (set PARLEY_PROTO_DIR)`);
    }
    const definition = protoLoader.loadSync(protoFiles(protoDir), {
      ...LOADER_OPTIONS,
      includeDirs: [protoDir],
    });
    loaded.set(protoDir, definition);
  }
  return loaded.get(protoDir);
}

function lowerCamel(name) {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

// OrganizerService -> organizer, Health -> health, RelationshipService -> relationship.
function serviceAttribute(fullName) {
  let name = fullName.slice(fullName.lastIndexOf('.') + 1);
  if (name.endsWith('Service') && name !== 'Service') name = name.slice(0, -'Service'.length);
  return lowerCamel(name);
}

function isService(definition) {
  const methods = Object.values(definition);
  return methods.length > 0 && methods.every((m) => m && typeof m.path === 'string');
}

// A field mask for the Update* calls: fieldMask('name', 'slots').
function fieldMask(...paths) {
  return { paths };
}

class Client {
  // options: target ('host:port'; default 127.0.0.1:50051), token (bearer; none sends no
  // authorization, only the health check works then), tls (boolean), caCertFile or caCert
  // (PEM of the CA that signed the server certificate; default the system roots), serverName
  // (the name checked against the certificate), deadlineMs (each call, and each whole stream,
  // unless the call says otherwise; default 30000), maxMessageBytes (default 64 MiB), protoDir.
  //
  // Services: admin, organizer, attendee, matching, agenda, health, and any other service
  // found under proto/ by its lowerCamel name without "Service". Each has a method per RPC, in
  // lowerCamel and as named in the .proto.
  constructor(options = {}) {
    const target = options.target || DEFAULT_TARGET;
    checkToken(options.token);
    const deadlineMs = options.deadlineMs === undefined ? 30000 : options.deadlineMs;
    if (!(deadlineMs > 0)) throw new RangeError('deadlineMs: must be positive');
    this.target = target;
    this.token = options.token || '';
    this.deadlineMs = deadlineMs;
    this._options = options;
    this._definition = loadProtos(options.protoDir);
    if (options._channel) {
      this.channel = options._channel;
      this._ownsChannel = false;
    } else {
      const maxBytes = options.maxMessageBytes || 64 << 20;
      const channelOptions = {
        'grpc.max_send_message_length': maxBytes,
        'grpc.max_receive_message_length': maxBytes,
      };
      let credentials;
      if (options.tls) {
        const ca = options.caCertFile ? fs.readFileSync(options.caCertFile) : options.caCert;
        credentials = grpc.credentials.createSsl(ca ? Buffer.from(ca) : null);
        if (options.serverName) {
          channelOptions['grpc.ssl_target_name_override'] = options.serverName;
          channelOptions['grpc.default_authority'] = options.serverName;
        }
      } else {
        credentials = grpc.credentials.createInsecure();
      }
      this.channel = new grpc.Channel(target, credentials, channelOptions);
      this._ownsChannel = true;
    }
    for (const [fullName, definition] of Object.entries(this._definition)) {
      if (!isService(definition)) continue;
      const Stub = grpc.makeGenericClientConstructor(definition, fullName);
      const stub = new Stub(target, grpc.credentials.createInsecure(), {
        channelOverride: this.channel,
      });
      const proxy = { serviceName: fullName };
      for (const [name, method] of Object.entries(definition)) {
        const wrapped = this._wrap(stub, name, method);
        proxy[lowerCamel(name)] = wrapped;
        proxy[name] = wrapped;
      }
      let attribute = serviceAttribute(fullName);
      // A service named like a Client member (TokenService) must not hide it.
      if (attribute in this || attribute.startsWith('_')) attribute += 'Service';
      this[attribute] = proxy;
    }
  }

  // A client on the same channel with another token (one per attendee of a crowd).
  withToken(token) {
    return new Client({ ...this._options, token, _channel: this.channel });
  }

  // Closes the channel if this client opened it (withToken clients share it).
  close() {
    if (this._ownsChannel) this.channel.close();
  }

  // Resolves once the server answers SERVING (waiting for the connection up to the deadline).
  async waitUntilServing(options = {}) {
    const response = await this.health.check({ service: '' }, { ...options, waitForReady: true });
    if (response.status !== 'SERVING') {
      throw new ParleyError(grpc.status.UNAVAILABLE, `health: ${response.status}`);
    }
  }

  // Streams ImportRows ({row_number, attendee}; an array or any iterable or async iterable) to
  // OrganizerService.ImportAttendees in messages of at most batchSize rows and returns the
  // response (a result per row). Bad rows are results (REJECTED with the reason), not errors; a
  // ParleyError means the stream failed, and rows acknowledged before it stay stored (importing
  // again is safe: upsert by external_id).
  importAttendees(eventId, rows, { batchSize = MAX_IMPORT_BATCH, timeoutMs } = {}) {
    const size = Math.max(1, Math.min(batchSize, MAX_IMPORT_BATCH));
    async function* batches() {
      let pending = [];
      for await (const row of rows) {
        pending.push(row);
        if (pending.length >= size) {
          yield { event_id: eventId, rows: pending };
          pending = [];
        }
      }
      if (pending.length > 0) yield { event_id: eventId, rows: pending };
    }
    return this.organizer.importAttendees(batches(), { timeoutMs });
  }

  // Uploads a registration export (a Buffer or string, as read from disk: BOM, CRLF and all) to
  // OrganizerService.ImportAttendeesCsv in 1 MiB chunks and returns the response. The server reads
  // the file (clients/CLI.md, "The attendee CSV"). options: mapping {field: column, 'name':
  // 'First Name+Last Name'}, separators {field: ';' | ',' | '|'}, strict, cancelledValues,
  // dryRun (store nothing), sync (also remove attendees absent from the file, in the same
  // durable step), timeoutMs. Bad rows are results (REJECTED, naming row, line and column); a
  // header that cannot be mapped rejects with INVALID_ARGUMENT and nothing is stored.
  importAttendeesCsv(eventId, data, options = {}) {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(String(data), 'utf8');
    const csvOptions = {
      mapping: options.mapping || {},
      separators: options.separators || {},
      strict: Boolean(options.strict),
      cancelled_values: options.cancelledValues || [],
      dry_run: Boolean(options.dryRun),
      sync: Boolean(options.sync),
    };
    const chunk = CSV_IMPORT_CHUNK_BYTES;
    function* messages() {
      yield { event_id: eventId, options: csvOptions, data: bytes.subarray(0, chunk) };
      for (let start = chunk; start < bytes.length; start += chunk) {
        yield { data: bytes.subarray(start, start + chunk) };
      }
    }
    return this.organizer.importAttendeesCsv(messages(), { timeoutMs: options.timeoutMs });
  }

  // Runs MatchingService.StartMatchingRun; onProgress gets every message; resolves to the last
  // one (phase DONE or FAILED: a FAILED run is a result, see .error). timeoutMs bounds the run.
  async runMatching(eventId, seed = 0, { onProgress, timeoutMs } = {}) {
    let last = null;
    const stream = this.matching.startMatchingRun({ event_id: eventId, seed }, { timeoutMs });
    for await (const progress of stream) {
      if (onProgress) onProgress(progress);
      last = progress;
    }
    if (last === null) {
      throw new ParleyError(grpc.status.INTERNAL, 'the run stream ended without a message');
    }
    return last;
  }

  // Every meeting of the event as one CSV file (a Buffer), from ExportMeetings' chunks.
  async exportMeetingsCsv(eventId, { timeoutMs } = {}) {
    const chunks = [];
    for await (const chunk of this.matching.exportMeetings({ event_id: eventId }, { timeoutMs })) {
      chunks.push(chunk.data);
    }
    return Buffer.concat(chunks);
  }

  // Every item of a paged List call:
  //   for await (const a of client.pages(client.organizer.listAttendees, 'attendees',
  //                                      { event_id: 3 })) ...
  async *pages(method, items, request = {}, options = {}) {
    let pageToken = '';
    do {
      const response = await method({ ...request, page_token: pageToken }, options);
      yield* response[items];
      pageToken = response.next_page_token;
    } while (pageToken);
  }

  _metadata() {
    const metadata = new grpc.Metadata();
    if (this.token) metadata.set('authorization', `Bearer ${this.token}`);
    return metadata;
  }

  _callOptions(options) {
    const timeoutMs = options.timeoutMs === undefined ? this.deadlineMs : options.timeoutMs;
    const callOptions = { deadline: new Date(Date.now() + timeoutMs) };
    if (options.waitForReady) callOptions.waitForReady = true;
    return callOptions;
  }

  _wrap(stub, name, method) {
    const fn = stub[name].bind(stub);
    const fullName = method.path;
    if (method.requestStream && method.responseStream) {
      return (options = {}) => {
        const call = fn(this._metadata(), this._callOptions(options));
        return new ResponseStream(call, fullName);
      };
    }
    if (method.requestStream) {
      // (requests: Iterable | AsyncIterable, options) -> Promise<response>
      return (requests, options = {}) =>
        new Promise((resolve, reject) => {
          let finished = false;
          const call = fn(this._metadata(), this._callOptions(options), (error, response) => {
            finished = true;
            if (error) reject(ParleyError.fromServiceError(error, fullName));
            else resolve(response);
          });
          (async () => {
            for await (const request of requests) {
              if (finished) return;
              if (!call.write(request)) await once(call, 'drain');
            }
            call.end();
          })().catch((error) => {
            call.cancel();
            if (!finished) {
              finished = true;
              reject(error);
            }
          });
        });
    }
    if (method.responseStream) {
      // (request, options) -> ResponseStream (async iterable)
      return (request = {}, options = {}) =>
        new ResponseStream(fn(request, this._metadata(), this._callOptions(options)), fullName);
    }
    // (request, options) -> Promise<response>
    return (request = {}, options = {}) =>
      new Promise((resolve, reject) => {
        fn(request, this._metadata(), this._callOptions(options), (error, response) => {
          if (error) reject(ParleyError.fromServiceError(error, fullName));
          else resolve(response);
        });
      });
  }
}

// The responses of a server-streaming call: `for await (const m of stream)`. Errors are
// ParleyErrors. cancel() ends the call from this side; leaving the loop early cancels too.
class ResponseStream {
  constructor(call, method) {
    this.call = call;
    this.method = method;
    // Errors reach the iterator; this keeps a late CANCELLED from being an unhandled event.
    call.on('error', () => {});
  }

  cancel() {
    this.call.cancel();
  }

  async *[Symbol.asyncIterator]() {
    try {
      for await (const message of this.call) yield message;
    } catch (error) {
      throw ParleyError.fromServiceError(error, this.method);
    } finally {
      this.call.cancel();
    }
  }
}

function checkToken(token) {
  if (token === undefined || token === null || token === '') return;
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new TypeError('token: must be printable ASCII without spaces (is it the right file?)');
  }
}

module.exports = {
  Client,
  ParleyError,
  ResponseStream,
  DEFAULT_TARGET,
  DEFAULT_PROTO_DIR,
  MAX_IMPORT_BATCH,
  MAX_CSV_IMPORT_BYTES,
  fieldMask,
  loadProtos,
  status: grpc.status,
};
