// Shared by the attendee and organiser pages: a DOM builder (no innerHTML: every text is a text
// node, so nothing the server returns can inject markup), the JSON API with the token from
// sessionStorage, and Server-Sent Events read with fetch (EventSource cannot send a header, and
// the token must not go into a URL).

// h('li', {class: 'card'}, 'text', child) -> element. Attributes starting with "on" are listeners.
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name in element && typeof value !== 'string') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// The token of this tab: taken from the link's fragment (#t=TOKEN, never sent to a server) into
// sessionStorage, and the fragment removed from the address bar and history.
export function takeToken(storageKey) {
  const match = /(?:^#|&)t=([^&#]+)/.exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(storageKey, decodeURIComponent(match[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(storageKey) || '';
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// The ApiError for a failed response: the server's {error, message}, or the status line.
async function failure(response) {
  let detail = { error: `HTTP ${response.status}`, message: response.statusText };
  try {
    detail = await response.json();
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, detail.error, detail.message || detail.error);
}

export function makeApi(token) {
  const headers = (extra = {}) => ({ authorization: `Bearer ${token}`, ...extra });

  async function call(method, path, body, { raw = false, contentType } = {}) {
    const init = { method, headers: headers(), cache: 'no-store' };
    if (body !== undefined) {
      if (contentType) {
        init.headers['content-type'] = contentType;
        init.body = body;
      } else {
        init.headers['content-type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
    }
    const response = await fetch(path, init);
    if (!response.ok) throw await failure(response);
    return raw ? response : response.json();
  }

  // Reads a text/event-stream response; onEvent(name, data) per event. Resolves when it ends.
  async function stream(method, path, body, onEvent, signal) {
    const init = { method, headers: headers({ accept: 'text/event-stream' }), signal, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (!response.ok) throw await failure(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) name = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length > 0) onEvent(name, JSON.parse(data.join('\n')));
      }
    }
  }

  // Fetches a file with the token and hands it to the browser as a download.
  async function download(method, path, filename, body) {
    const response = await call(method, path, body, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = h('a', { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  return {
    get: (path) => call('GET', path),
    post: (path, body = {}) => call('POST', path, body),
    patch: (path, body) => call('PATCH', path, body),
    del: (path) => call('DELETE', path),
    upload: (path, text, contentType) => call('POST', path, text, { contentType }),
    stream,
    download,
  };
}

// A short message for screen readers and eyes (the page's role=status region).
export function announce(text) {
  const status = document.getElementById('status');
  replace(status, text);
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => replace(status), 6000);
}

export function errorText(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'This link is no longer valid. Ask the organiser for a new one.';
    return `${error.message}`;
  }
  return String(error.message || error);
}

// Formats seconds since the epoch in the event's time zone: "Tue 15 Jan, 10:00".
export function when(seconds, timeZone = 'UTC') {
  const date = new Date(Number(seconds) * 1000);
  try {
    return new Intl.DateTimeFormat(undefined, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
    }).format(date);
  } catch {
    return date.toISOString().slice(0, 16).replace('T', ' ');
  }
}

export function span(start, end, timeZone) {
  const to = new Intl.DateTimeFormat(undefined, { timeZone, hour: '2-digit', minute: '2-digit' });
  try {
    return `${when(start, timeZone)} – ${to.format(new Date(Number(end) * 1000))}`;
  } catch {
    return when(start, timeZone);
  }
}

// The navigation: [{id, label}] as links to #id, the current one marked.
export function renderNav(items, current) {
  replace(
    document.getElementById('nav'),
    h(
      'ul',
      {},
      items.map((item) =>
        h('li', {}, h('a', { href: `#${item.id}`, 'aria-current': item.id === current ? 'page' : false }, item.label)),
      ),
    ),
  );
}

// Puts a view into <main>, titles the page after its h1 and moves focus there for keyboard and
// screen-reader users (a new view is a new page to them).
export function showView(title, ...children) {
  const main = document.getElementById('main');
  replace(main, h('h1', {}, title), ...children);
  document.title = `${title} · Parley`;
  main.focus({ preventScroll: false });
  return main;
}

// Guards a button while its action runs; reports errors in `where` (an element) and the status.
export function action(button, where, fn) {
  return async (event) => {
    if (event) event.preventDefault();
    button.disabled = true;
    if (where) replace(where);
    try {
      await fn();
    } catch (error) {
      const text = errorText(error);
      if (where) replace(where, text);
      announce(text);
    } finally {
      button.disabled = false;
    }
  };
}

// "books:3; bicycles" <-> [{tag, weight}]
// The rule of services/domain/interest_text.h (the server's CSV import and the CLI read it
// there): only a trailing ":1", ":2" or ":3", spaces allowed around it, is a weight; any other
// colon is part of the tag. attendee.browser.test.js checks it against the shared cases in
// tests/clients/data/interest_weights.tsv. An empty tag comes back as '' for the server to refuse.
export function parseInterests(text) {
  return splitList(text).map((item) => {
    const match = /^(.*):\s*([123])$/s.exec(item);
    return match ? { tag: match[1].trim(), weight: Number(match[2]) } : { tag: item, weight: 1 };
  });
}

export function formatInterests(interests) {
  return (interests || []).map((i) => (i.weight > 1 ? `${i.tag}:${i.weight}` : i.tag)).join('; ');
}

export function splitList(text) {
  return String(text || '')
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
