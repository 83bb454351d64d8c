'use strict';
// The web server: a fastify app that serves the single-page app (public/), a small JSON API for
// it, Server-Sent Events, and calendar feeds. It is a thin translator to parleyd over the Node
// client (parley-client): every API call carries the caller's own token (`Authorization: Bearer`)
// through to parleyd, which alone decides what the caller may do. The web server keeps no
// secret and no session state; it holds only the channel to parleyd.
//
// Routes (JSON unless said otherwise; errors are {error: CODE_NAME, message} with an HTTP status
// from the gRPC code, see HTTP_STATUS):
//   GET  /, /a, /o                       the app (attendee and organiser pages; token in #t=...)
//   GET  /calendar/FEEDTOKEN.ics         an attendee's calendar, for calendar subscriptions
//   GET  /healthz                        200 when parleyd answers SERVING
//   /api/me/...                          attendee calls (attendee token)
//   /api/events/...                      organiser calls (organiser token)
// Streams (text/event-stream, read by the app with fetch so that the token stays in a header):
//   GET  /api/me/agenda/stream           `agenda` events from WatchMyAgenda
//   POST /api/events/:id/runs            `progress` events from StartMatchingRun
//
// Tokens never appear in a URL the server logs: the app's links carry them in the fragment
// (never sent), API calls in a header, and the calendar path is logged as /calendar/<feed>.

const path = require('node:path');
const fastifyFactory = require('fastify');
const fastifyStatic = require('@fastify/static');
const {
  Client,
  MAX_CSV_IMPORT_BYTES,
  ParleyError,
  describeReason,
  describeProposalStatus,
  fieldMask,
} = require('parley-client');

const PUBLIC_DIR = path.join(__dirname, '..', 'public');
// chart.js exports no path to its UMD build: find it next to the CommonJS one.
const CHART_JS = path.dirname(require.resolve('chart.js'));

// gRPC status name -> HTTP status.
const HTTP_STATUS = {
  INVALID_ARGUMENT: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

// An HTTP error of the web server itself (not from parleyd).
class HttpError extends Error {
  constructor(statusCode, code, message) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}

// Attendee fields an attendee may change (AttendeeService.UpdateMyProfile's list).
const PROFILE_FIELDS = [
  'interests',
  'offers',
  'seeks',
  'languages',
  'budget',
  'availability',
  'avoid',
  'avoid_organisations',
  'prefers_quiet',
  'bio',
  'share_email',
  'share_phone',
];
const EVENT_FIELDS = ['name', 'time_zone', 'slots', 'locations', 'policy'];
// How long one agenda stream lasts before the app reconnects (keeps dead streams bounded).
const STREAM_MS = 30 * 60 * 1000;
// SSE comment lines keep proxies from closing a quiet stream.
const HEARTBEAT_MS = 20000;
// The attendee search reads at most this many attendees per request, then returns a page token.
const SEARCH_SCAN_LIMIT = 5000;
const RUN_TIMEOUT_MS = 30 * 60 * 1000;
// The import's answer lists at most this many rejected rows and removed attendees.
const IMPORT_LIST_LIMIT = 100;

function bearer(request) {
  const header = request.headers.authorization || '';
  const match = /^Bearer (\S+)$/.exec(header);
  if (!match) {
    throw new HttpError(401, 'UNAUTHENTICATED', 'missing "Authorization: Bearer <token>" header');
  }
  return match[1];
}

// A yes/no query parameter: absent, '', 0 or false is no; 1 or true is yes.
function flag(query, name) {
  const value = query[name];
  if (value === undefined || ['', '0', 'false'].includes(value)) return false;
  if (['1', 'true'].includes(value)) return true;
  throw new HttpError(400, 'INVALID_ARGUMENT', `${name}: must be 1 or 0 (not ${JSON.stringify(value)})`);
}

// {field: value} of the query parameters `prefix.field` (map.name=First Name+Last Name).
function prefixed(query, prefix) {
  const found = {};
  for (const [key, value] of Object.entries(query)) {
    if (!key.startsWith(prefix)) continue;
    if (typeof value !== 'string') {
      throw new HttpError(400, 'INVALID_ARGUMENT', `${key}: give it once`);
    }
    found[key.slice(prefix.length)] = value;
  }
  return found;
}

function positiveId(value, name) {
  if (!/^[1-9][0-9]{0,19}$/.test(String(value))) {
    throw new HttpError(400, 'INVALID_ARGUMENT', `${name}: must be a positive integer`);
  }
  return String(value);
}

// Adds `text` to each reason, in the words of parley-client's describeReason.
function withReasonText(reasons, partnerName) {
  return (reasons || []).map((r) => ({ ...r, text: describeReason(r, partnerName) }));
}

function presentProposal(p) {
  const name = (p.partner && p.partner.display_name) || 'they';
  return {
    ...p,
    status_text: describeProposalStatus(p.status),
    reasons: withReasonText(p.reasons, name),
  };
}

function presentAgenda(agenda) {
  return { ...agenda, items: (agenda.items || []).map(presentProposal) };
}

// Case-insensitive substring search over what an organiser searches attendees by.
function attendeeMatches(attendee, needle) {
  const hay = [
    attendee.display_name,
    attendee.external_id,
    attendee.email,
    attendee.organisation,
    attendee.role,
  ]
    .join('\n')
    .toLowerCase();
  return hay.includes(needle);
}

// CSV field per RFC 4180.
function csvField(value) {
  const text = String(value ?? '');
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function sseStart(reply) {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  const write = (event, data) => {
    if (!reply.raw.destroyed) reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const heartbeat = setInterval(() => {
    if (!reply.raw.destroyed) reply.raw.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  const end = () => {
    clearInterval(heartbeat);
    if (!reply.raw.destroyed) reply.raw.end();
  };
  return { write, end };
}

function errorBody(error) {
  if (error instanceof ParleyError) {
    return { status: HTTP_STATUS[error.codeName] || 502, error: error.codeName, message: error.details };
  }
  if (error instanceof HttpError) {
    return { status: error.statusCode, error: error.code, message: error.message };
  }
  if (error instanceof TypeError && /^token:/.test(error.message)) {
    return { status: 401, error: 'UNAUTHENTICATED', message: error.message };
  }
  if (error.validation) {
    return { status: 400, error: 'INVALID_ARGUMENT', message: error.message };
  }
  if (error.statusCode === 413) {
    return { status: 413, error: 'RESOURCE_EXHAUSTED', message: error.message };
  }
  if (error.statusCode && error.statusCode < 500) {
    return { status: error.statusCode, error: 'INVALID_ARGUMENT', message: error.message };
  }
  return null;
}

// options:
//   parley      parleyd's address ('host:port'). Required unless `client` is given.
//   tls, caCertFile, serverName   how to reach parleyd (see parley-client's Client).
//   client      a parley-client Client without a token to share (tests); not closed by us.
//   publicUrl   the app's external origin for the links it writes ('https://parley.example');
//               default: the request's own protocol and Host.
//   logger      fastify's logger option (default false). Request URLs of /calendar/ are redacted.
//   https       {key, cert} for fastify's HTTPS server (the web server's only secret).
//   deadlineMs  deadline of each parleyd call (default 30000).
function buildServer(options = {}) {
  const base =
    options.client ||
    new Client({
      target: options.parley,
      tls: options.tls,
      caCertFile: options.caCertFile,
      serverName: options.serverName,
      deadlineMs: options.deadlineMs || 30000,
    });
  const ownsClient = !options.client;

  const app = fastifyFactory({
    logger: options.logger
      ? {
          ...(typeof options.logger === 'object' ? options.logger : {}),
          serializers: {
            req(request) {
              const url = request.url.startsWith('/calendar/') ? '/calendar/<feed>' : request.url;
              return { method: request.method, url };
            },
          },
        }
      : false,
    https: options.https || null,
    bodyLimit: 32 << 20,
  });

  // Files (the attendee CSV) arrive as bytes: parleyd reads them, encoding and all. The import
  // route raises the body limit to the largest file parleyd takes.
  app.addContentTypeParser(
    ['text/csv', 'text/plain', 'application/octet-stream'],
    { parseAs: 'buffer' },
    (req, body, done) => done(null, body),
  );

  app.setErrorHandler((error, request, reply) => {
    const body = errorBody(error);
    if (body) {
      reply.code(body.status).send({ error: body.error, message: body.message });
      return;
    }
    request.log.error(error);
    reply.code(500).send({ error: 'INTERNAL', message: 'the web server failed; see its log' });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    // Nothing the app shows may be cached or framed elsewhere; no referrer carries a link away.
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    if (request.url.startsWith('/api/') || request.url.startsWith('/calendar/')) {
      reply.header('cache-control', 'no-store');
    }
    return payload;
  });

  app.addHook('onClose', async () => {
    if (ownsClient) base.close();
  });

  // The caller's client: the shared channel, their token.
  const as = (request) => base.withToken(bearer(request));
  // Where the links this server writes point.
  const origin = (request) => options.publicUrl || `${request.protocol}://${request.headers.host}`;

  app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', index: false });
  app.register(fastifyStatic, {
    root: CHART_JS,
    prefix: '/vendor/chart.js/',
    decorateReply: false,
    index: false,
  });
  const index = (request, reply) => reply.type('text/html; charset=utf-8').sendFile('index.html');
  app.get('/', index);
  app.get('/a', index);
  app.get('/o', index);

  app.get('/healthz', async (request, reply) => {
    await base.waitUntilServing({ timeoutMs: 5000 });
    return { status: 'SERVING' };
  });

  // --- Calendar feeds: the feed token is the path; it can call GetMyCalendar and nothing else.
  app.get('/calendar/:file', async (request, reply) => {
    const match = /^(\S+)\.ics$/.exec(request.params.file);
    if (!match) throw new HttpError(404, 'NOT_FOUND', 'calendar feeds end in .ics');
    let calendar;
    try {
      calendar = await base.withToken(match[1]).agenda.getMyCalendar({});
    } catch (error) {
      // A revoked or unknown feed is simply gone for the calendar app.
      const unknown =
        (error instanceof ParleyError && error.codeName === 'UNAUTHENTICATED') ||
        error instanceof TypeError;
      if (unknown) {
        throw new HttpError(404, 'NOT_FOUND', 'no such calendar feed (revoked?)');
      }
      throw error;
    }
    reply.type('text/calendar; charset=utf-8');
    reply.header('content-disposition', 'inline; filename="parley.ics"');
    return calendar.ics;
  });

  // --- Attendee API.
  app.get('/api/me', async (request) => as(request).attendee.getMyProfile({}));

  app.patch('/api/me', async (request) => {
    const body = request.body || {};
    const fields = Array.isArray(body.fields) ? body.fields : [];
    const bad = fields.find((f) => !PROFILE_FIELDS.includes(f));
    if (bad !== undefined || fields.length === 0) {
      throw new HttpError(
        400,
        'INVALID_ARGUMENT',
        `fields: name some of ${PROFILE_FIELDS.join(', ')}${bad !== undefined ? ` (not ${bad})` : ''}`,
      );
    }
    return as(request).attendee.updateMyProfile({
      attendee: body.attendee || {},
      update_mask: fieldMask(...fields),
    });
  });

  app.get('/api/me/suggestions', async (request) => {
    const response = await as(request).agenda.listMySuggestions({});
    return { proposals: response.proposals.map(presentProposal) };
  });

  app.post('/api/me/suggestions/more', async (request) => {
    const count = Number((request.body && request.body.count) || 0);
    const response = await as(request).agenda.requestMoreSuggestions({ count });
    return { proposals: response.proposals.map(presentProposal) };
  });

  app.post('/api/me/proposals/:id/respond', async (request) => {
    const accept = Boolean(request.body && request.body.accept);
    const proposal = await as(request).agenda.respondToProposal({
      meeting_id: positiveId(request.params.id, 'meeting id'),
      accept,
    });
    return presentProposal(proposal);
  });

  app.post('/api/me/meetings/:id/cancel', async (request) =>
    presentProposal(
      await as(request).agenda.cancelMeeting({
        meeting_id: positiveId(request.params.id, 'meeting id'),
      }),
    ),
  );

  app.get('/api/me/agenda', async (request) =>
    presentAgenda(await as(request).agenda.getMyAgenda({})),
  );

  app.get('/api/me/agenda/stream', async (request, reply) => {
    const client = as(request);
    const stream = client.agenda.watchMyAgenda({}, { timeoutMs: STREAM_MS });
    const sse = sseStart(reply);
    // The response closes when the browser goes away (the request's own 'close' comes as soon as
    // its empty body has been read).
    reply.raw.on('close', () => stream.cancel());
    try {
      for await (const agenda of stream) sse.write('agenda', presentAgenda(agenda));
      sse.write('end', { reason: 'the stream reached its time limit; reconnect' });
    } catch (error) {
      const body = errorBody(error);
      if (!(error instanceof ParleyError && error.codeName === 'CANCELLED')) {
        sse.write('error', body ? { error: body.error, message: body.message } : { error: 'INTERNAL' });
      }
    } finally {
      sse.end();
    }
  });

  app.get('/api/me/calendar.ics', async (request, reply) => {
    const calendar = await as(request).agenda.getMyCalendar({});
    reply.type('text/calendar; charset=utf-8');
    return calendar.ics;
  });

  // Calendar feeds: tokens of role CALENDAR_FEED that parleyd lets read GetMyCalendar only.
  app.get('/api/me/feeds', async (request) => as(request).agenda.listCalendarFeeds({}));
  app.post('/api/me/feeds', async (request) => {
    const label = String((request.body && request.body.label) || '').slice(0, 200);
    const issued = await as(request).agenda.createCalendarFeed({ label });
    return { url: `${origin(request)}/calendar/${issued.token}.ics`, info: issued.info };
  });
  app.delete('/api/me/feeds/:id', async (request) => {
    if (!/^tk_[0-9a-f]{16}$/.test(request.params.id)) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'token id: expected tk_ and 16 hex digits');
    }
    return as(request).agenda.revokeCalendarFeed({ token_id: request.params.id });
  });

  app.get('/api/me/wishes', async (request) => as(request).relationship.listMyWishes({}));
  app.post('/api/me/wishes', async (request) =>
    as(request).relationship.addWish({
      attendee_id: positiveId(request.body && request.body.attendee_id, 'attendee_id'),
    }),
  );
  app.delete('/api/me/wishes/:id', async (request) =>
    as(request).relationship.removeWish({
      attendee_id: positiveId(request.params.id, 'attendee id'),
    }),
  );

  app.get('/api/me/introductions', async (request) => {
    const client = as(request);
    const [made, requests] = await Promise.all([
      client.relationship.listMyIntroductions({}),
      client.relationship.listIntroductionRequests({}),
    ]);
    return { introductions: made.introductions, requests: requests.requests };
  });
  app.post('/api/me/introductions', async (request) => {
    const body = request.body || {};
    return as(request).relationship.introduce({
      attendee_a: positiveId(body.attendee_a, 'attendee_a'),
      attendee_b: positiveId(body.attendee_b, 'attendee_b'),
      note: String(body.note || ''),
      request_id: body.request_id ? positiveId(body.request_id, 'request_id') : 0,
    });
  });
  app.post('/api/me/introductions/:id/respond', async (request) =>
    as(request).relationship.respondToIntroduction({
      introduction_id: positiveId(request.params.id, 'introduction id'),
      accept: Boolean(request.body && request.body.accept),
    }),
  );
  app.post('/api/me/introduction-requests', async (request) => {
    const body = request.body || {};
    return as(request).relationship.askForIntroductions({
      attendee_id: positiveId(body.attendee_id, 'attendee_id'),
      note: String(body.note || ''),
    });
  });

  app.get('/api/me/who-else', async (request) => {
    const response = await as(request).relationship.whoElseShouldIMeet({ max_results: 5 });
    return {
      people: response.people.map((p) => ({
        ...p,
        reasons: withReasonText(p.reasons, p.person.display_name),
      })),
    };
  });

  app.get('/api/me/feedback', async (request) => as(request).relationship.listMyFeedback({}));
  app.post('/api/me/feedback', async (request) => {
    const body = request.body || {};
    return as(request).relationship.recordFeedback({
      meeting_id: positiveId(body.meeting_id, 'meeting_id'),
      outcome: body.outcome === 'NO_SHOW' ? 'NO_SHOW' : 'HAPPENED',
      rating: Number(body.rating || 0),
      follow_up: Boolean(body.follow_up),
    });
  });

  // --- Organiser API.
  app.get('/api/events', async (request) => {
    const client = as(request);
    const events = [];
    for await (const event of client.pages(client.organizer.listEvents, 'events', {
      page_size: 1000,
    })) {
      events.push(event);
    }
    return { events };
  });

  app.post('/api/events', async (request) =>
    as(request).organizer.createEvent({ event: (request.body && request.body.event) || {} }),
  );

  app.get('/api/events/:id', async (request) =>
    as(request).organizer.getEvent({ event_id: positiveId(request.params.id, 'event id') }),
  );

  app.patch('/api/events/:id', async (request) => {
    const body = request.body || {};
    const fields = Array.isArray(body.fields) ? body.fields : [];
    if (fields.length === 0 || fields.some((f) => !EVENT_FIELDS.includes(f))) {
      throw new HttpError(400, 'INVALID_ARGUMENT', `fields: name some of ${EVENT_FIELDS.join(', ')}`);
    }
    return as(request).organizer.updateEvent({
      event: { ...(body.event || {}), id: positiveId(request.params.id, 'event id') },
      update_mask: fieldMask(...fields),
    });
  });

  app.post('/api/events/:id/status', async (request) =>
    as(request).organizer.setEventStatus({
      event_id: positiveId(request.params.id, 'event id'),
      status: String((request.body && request.body.status) || ''),
    }),
  );

  // ?q= filters by name, external id, email, organisation or role (case-insensitive), reading at
  // most SEARCH_SCAN_LIMIT attendees per request; the page token resumes where it stopped.
  app.get('/api/events/:id/attendees', async (request) => {
    const client = as(request);
    const eventId = positiveId(request.params.id, 'event id');
    const pageSize = Math.min(Math.max(Number(request.query.page_size) || 25, 1), 1000);
    const needle = String(request.query.q || '').trim().toLowerCase();
    let pageToken = String(request.query.page_token || '');
    if (!needle) {
      return client.organizer.listAttendees({
        event_id: eventId,
        page_size: pageSize,
        page_token: pageToken,
      });
    }
    const found = [];
    let scanned = 0;
    do {
      const page = await client.organizer.listAttendees({
        event_id: eventId,
        page_size: Math.min(1000, SEARCH_SCAN_LIMIT - scanned),
        page_token: pageToken,
      });
      scanned += page.attendees.length;
      pageToken = page.next_page_token;
      for (const attendee of page.attendees) {
        if (attendeeMatches(attendee, needle)) found.push(attendee);
      }
    } while (pageToken && found.length < pageSize && scanned < SEARCH_SCAN_LIMIT);
    // A page may hold a few more than page_size: the scan works in whole server pages.
    return { attendees: found, next_page_token: pageToken, scanned };
  });

  // A registration export (the attendee CSV, clients/CLI.md "The attendee CSV") as the request
  // body, text/csv or application/octet-stream, uploaded as it is to ImportAttendeesCsv: parleyd
  // reads it. Query: dry_run=1 (store nothing), sync=1 (also remove attendees absent from the
  // file), strict=1 (refuse unknown columns), map.FIELD=Column (or "Column A+Column B"),
  // sep.FIELD=; or , or |, cancelled=Value (repeatable). The answer: the counts, the rejected
  // rows (row, line, error) and removed attendees (the first IMPORT_LIST_LIMIT of each), and the
  // summary's columns and warnings. A header parleyd cannot map is a 400 and stores nothing.
  app.post('/api/events/:id/import', { bodyLimit: MAX_CSV_IMPORT_BYTES }, async (request) => {
    const client = as(request);
    const eventId = positiveId(request.params.id, 'event id');
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'send the CSV file as the body (text/csv)');
    }
    const query = request.query;
    const cancelled = query.cancelled === undefined ? [] : [].concat(query.cancelled);
    const response = await client.importAttendeesCsv(eventId, request.body, {
      dryRun: flag(query, 'dry_run'),
      sync: flag(query, 'sync'),
      strict: flag(query, 'strict'),
      mapping: prefixed(query, 'map.'),
      separators: prefixed(query, 'sep.'),
      cancelledValues: cancelled.map(String),
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const summary = response.summary || {};
    return {
      dry_run: response.dry_run,
      rows: summary.rows,
      created: response.created,
      updated: response.updated,
      unchanged: response.unchanged,
      rejected: response.rejected,
      cancelled: response.cancelled,
      removed: response.removed.length,
      rejected_rows: response.results
        .filter((r) => r.outcome === 'REJECTED')
        .slice(0, IMPORT_LIST_LIMIT)
        .map((r) => ({ row_number: r.row_number, line: r.line, external_id: r.external_id, error: r.error })),
      removed_attendees: response.removed.slice(0, IMPORT_LIST_LIMIT),
      columns: summary.columns || [],
      ignored_columns: summary.ignored_columns || [],
      warnings: summary.warnings || [],
    };
  });

  app.post('/api/events/:id/runs', async (request, reply) => {
    const client = as(request);
    const eventId = positiveId(request.params.id, 'event id');
    const seed = Number((request.body && request.body.seed) || 0);
    const stream = client.matching.startMatchingRun(
      { event_id: eventId, seed },
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    // The first message (or the refusal) decides the HTTP status; then progress streams.
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    const sse = sseStart(reply);
    try {
      if (!first.done) sse.write('progress', first.value);
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        sse.write('progress', next.value);
      }
    } catch (error) {
      const body = errorBody(error);
      sse.write('error', body ? { error: body.error, message: body.message } : { error: 'INTERNAL' });
    } finally {
      sse.end();
    }
  });

  app.get('/api/events/:id/report', async (request) =>
    as(request).matching.getQualityReport({
      event_id: positiveId(request.params.id, 'event id'),
      page_size: Math.min(Math.max(Number(request.query.page_size) || 50, 1), 1000),
      page_token: String(request.query.page_token || ''),
    }),
  );

  app.get('/api/events/:id/analytics', async (request) =>
    as(request).relationship.getAnalytics({ event_id: positiveId(request.params.id, 'event id') }),
  );

  app.post('/api/events/:id/publish', async (request) =>
    as(request).matching.publishSchedule({ event_id: positiveId(request.params.id, 'event id') }),
  );

  app.get('/api/events/:id/meetings.csv', async (request, reply) => {
    const csv = await as(request).exportMeetingsCsv(positiveId(request.params.id, 'event id'), {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    reply.type('text/csv; charset=utf-8');
    reply.header('content-disposition', 'attachment; filename="meetings.csv"');
    return csv;
  });

  // The mail-merge: every attendee with a new magic link (IssueAttendeeTokens per page), as CSV
  // (external_id,name,email,link). With {only_new: true}, only attendees without a token.
  app.post('/api/events/:id/magic-links', async (request, reply) => {
    const client = as(request);
    const eventId = positiveId(request.params.id, 'event id');
    const onlyNew = Boolean(request.body && request.body.only_new);
    const lines = ['external_id,name,email,link'];
    let pageToken = '';
    do {
      const page = await client.organizer.listAttendees({
        event_id: eventId,
        page_size: 1000,
        page_token: pageToken,
      });
      pageToken = page.next_page_token;
      if (page.attendees.length === 0) continue;
      const issued = await client.organizer.issueAttendeeTokens({
        event_id: eventId,
        attendee_ids: page.attendees.map((a) => a.id),
        label: 'web mail-merge',
        only_without_token: onlyNew,
      });
      const byId = new Map(page.attendees.map((a) => [a.id, a]));
      for (const token of issued.tokens) {
        const attendee = byId.get(token.info.attendee_id);
        if (!attendee) continue;
        lines.push(
          [attendee.external_id, attendee.display_name, attendee.email, `${origin(request)}/a#t=${token.token}`]
            .map(csvField)
            .join(','),
        );
      }
    } while (pageToken);
    reply.type('text/csv; charset=utf-8');
    reply.header('content-disposition', 'attachment; filename="magic-links.csv"');
    return `${lines.join('\r\n')}\r\n`;
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  return app;
}

module.exports = { buildServer, HTTP_STATUS, PROFILE_FIELDS };
