// Types of the parley-client wrapper. Messages are plain objects with the .proto field names
// (proto/parley/v1/*.proto is their reference): 64-bit integers are strings in responses and
// numbers or strings in requests, enums are names in responses and names or numbers in requests.

/// <reference types="node" />

export type Message = { [field: string]: any };

export interface ClientOptions {
  /** gRPC target, 'host:port'. Default '127.0.0.1:50051'. */
  target?: string;
  /** Bearer token; none sends no authorization (only the health check works then). */
  token?: string;
  /** Speak TLS. Default false. */
  tls?: boolean;
  /** PEM file of the CA that signed the server certificate; default: the system roots. */
  caCertFile?: string;
  /** The same PEM, in memory. */
  caCert?: string | Buffer;
  /** The name checked against the server certificate, if not the host dialled. */
  serverName?: string;
  /** Deadline of each call and each whole stream, in ms, unless the call says otherwise.
   *  Default 30000. */
  deadlineMs?: number;
  /** Largest message either way. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Where the .proto files are. Default: $PARLEY_PROTO_DIR, else ../../proto from lib/. */
  protoDir?: string;
}

export interface CallOptions {
  /** This call's deadline in ms (for streams: the whole stream). Default: the client's. */
  timeoutMs?: number;
  /** Wait for the connection instead of failing UNAVAILABLE at once. */
  waitForReady?: boolean;
}

/** A failed call: the gRPC status code and the server's message. */
export class ParleyError extends Error {
  /** Numeric gRPC status (see `status`). */
  code: number;
  /** 'NOT_FOUND', 'INVALID_ARGUMENT', ... */
  codeName: string;
  details: string;
  /** '/parley.v1.OrganizerService/GetEvent' */
  method: string;
}

/** The responses of a server-streaming call. Leaving a `for await` loop early cancels it. */
export class ResponseStream<T = Message> implements AsyncIterable<T> {
  cancel(): void;
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined>;
}

export type UnaryMethod = (request?: Message, options?: CallOptions) => Promise<Message>;
export type ServerStreamMethod = (request?: Message, options?: CallOptions) => ResponseStream;
export type ClientStreamMethod = (
  requests: Iterable<Message> | AsyncIterable<Message>,
  options?: CallOptions,
) => Promise<Message>;

/** One service: a method per RPC, lowerCamel ('createEvent') and as named in the .proto. */
export interface ServiceProxy {
  serviceName: string;
  [method: string]: any;
}

export interface ImportRow {
  row_number?: number;
  attendee: Message;
}

export class Client {
  constructor(options?: ClientOptions);
  readonly target: string;
  readonly token: string;
  readonly deadlineMs: number;
  /** operator: communities and organiser tokens. */
  admin: ServiceProxy;
  /** organiser: events, attendees (ImportAttendees is client-streaming), attendee tokens. */
  organizer: ServiceProxy;
  /** attendee: my profile. */
  attendee: ServiceProxy;
  /** organiser: runs (StartMatchingRun streams), report, meetings, publish, exports. */
  matching: ServiceProxy;
  /** attendee: suggestions, answers, agenda (WatchMyAgenda streams), calendar. */
  agenda: ServiceProxy;
  /** grpc.health.v1.Health: check, watch. No token needed. */
  health: ServiceProxy;
  /** Any other service under proto/, by its lowerCamel name without "Service". */
  [service: string]: any;

  /** A client on the same channel with another token. */
  withToken(token: string): Client;
  /** Closes the channel if this client opened it. */
  close(): void;
  /** Resolves once the server answers SERVING. */
  waitUntilServing(options?: CallOptions): Promise<void>;
  /** Streams rows to ImportAttendees in batches of at most batchSize (<= 1000). */
  importAttendees(
    eventId: number | string,
    rows: Iterable<ImportRow> | AsyncIterable<ImportRow>,
    options?: { batchSize?: number; timeoutMs?: number },
  ): Promise<Message>;
  /** Uploads a registration export to ImportAttendeesCsv; the server reads it and answers a
   *  result per row (REJECTED rows name their row, line and column), the counts and a summary. */
  importAttendeesCsv(
    eventId: number | string,
    data: Buffer | string,
    options?: {
      mapping?: Record<string, string>;
      separators?: Record<string, string>;
      strict?: boolean;
      cancelledValues?: string[];
      dryRun?: boolean;
      sync?: boolean;
      timeoutMs?: number;
    },
  ): Promise<Message>;
  /** Runs StartMatchingRun; resolves to the last message (phase 'DONE' or 'FAILED'). */
  runMatching(
    eventId: number | string,
    seed?: number,
    options?: { onProgress?: (progress: Message) => void; timeoutMs?: number },
  ): Promise<Message>;
  /** Every meeting of the event as one CSV file, from ExportMeetings' chunks. */
  exportMeetingsCsv(eventId: number | string, options?: { timeoutMs?: number }): Promise<Buffer>;
  /** Every item of a paged List call, page after page. */
  pages(
    method: UnaryMethod,
    items: string,
    request?: Message,
    options?: CallOptions,
  ): AsyncGenerator<Message, void, undefined>;
}

export const DEFAULT_TARGET: string;
export const DEFAULT_PROTO_DIR: string;
export const MAX_IMPORT_BATCH: number;
/** The largest file ImportAttendeesCsv takes (parleyd refuses more: RESOURCE_EXHAUSTED). */
export const MAX_CSV_IMPORT_BYTES: number;
/** gRPC status codes by name and number: status.NOT_FOUND === 5, status[5] === 'NOT_FOUND'. */
export const status: { [name: string]: any };
export function fieldMask(...paths: string[]): { paths: string[] };
export function loadProtos(protoDir?: string): Message;
/** A Reason as the attendee reads it ("you both list bicycles"); `partner` names the other side. */
export function describeReason(reason: Message, partner?: string): string;
/** A Proposal.Status name as the attendee reads it ("waiting for your answer"). */
export function describeProposalStatus(status: string): string;
