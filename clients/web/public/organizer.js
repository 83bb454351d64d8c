// The organiser's app (/o#t=TOKEN): events (create, slots, locations, policy, status), attendees
// (search, paging, CSV import), matching (a run with live progress, the quality report with
// charts, publish, exports), analytics and the mail-merge of magic links.
import {
  action,
  announce,
  errorText,
  h,
  makeApi,
  renderNav,
  replace,
  showView,
  takeToken,
} from './lib.js';

let api = null;
const PHASES = ['LOADING', 'CANDIDATES', 'SCHEDULING', 'WRITING', 'DONE'];
const PHASE_TEXT = {
  LOADING: 'Loading attendees',
  CANDIDATES: 'Finding candidate partners',
  SCHEDULING: 'Scheduling meetings',
  WRITING: 'Writing the schedule',
  DONE: 'Done',
  FAILED: 'Failed',
};
const CAUSE_TEXT = {
  OPTED_OUT: 'opted out (budget 0)',
  NO_AVAILABILITY: 'available in no slot',
  NO_FEASIBLE_PARTNER: 'nobody they can be matched with',
  LEFT_OUT: 'no room left in the schedule',
};
const COLOURS = ['#0b5cad', '#1d6b33', '#8a4b00', '#a4161a', '#5b3f99', '#4a4a4a'];

export async function start() {
  const token = takeToken('parley.organizer');
  if (!token) {
    showView('Your organiser link is needed', h('p', {}, 'Open the organiser link your Parley operator gave you.'));
    return;
  }
  api = makeApi(token);
  window.addEventListener('hashchange', route);
  route();
}

function route() {
  const hash = window.location.hash.replace(/^#/, '');
  const match = /^event\/([0-9]+)(?:\/(attendees|matching|analytics|links))?$/.exec(hash);
  if (!match) {
    renderNav([{ id: 'events', label: 'Events' }], 'events');
    events();
    return;
  }
  const id = match[1];
  const section = match[2] || 'setup';
  const current = section === 'setup' ? `event/${id}` : `event/${id}/${section}`;
  renderNav(
    [
      { id: 'events', label: 'Events' },
      { id: `event/${id}`, label: 'Setup' },
      { id: `event/${id}/attendees`, label: 'Attendees' },
      { id: `event/${id}/matching`, label: 'Matching' },
      { id: `event/${id}/analytics`, label: 'Analytics' },
      { id: `event/${id}/links`, label: 'Links' },
    ],
    current,
  );
  loadEvent(id).then(
    (event) => {
      if (!event) return;
      replace(document.getElementById('who'), event.name);
      ({ setup, attendees, matching, analytics, links })[section](event);
    },
    () => {},
  );
}

async function loadEvent(id) {
  try {
    return await api.get(`/api/events/${id}`);
  } catch (error) {
    showView('Event not found', h('p', { class: 'error' }, errorText(error)));
    return null;
  }
}

// --- Events.
async function events() {
  replace(document.getElementById('who'), 'Organiser');
  const list = h('div', { id: 'event-list' }, 'Loading…');
  const out = h('p', { id: 'create-result' });
  const submit = h('button', { type: 'submit' }, 'Create event');
  const form = h('form', { class: 'stack' },
    h('div', { class: 'field' }, h('label', { for: 'event-name' }, 'Name'), h('input', { type: 'text', id: 'event-name', name: 'name', required: true, maxlength: 200 })),
    h('div', { class: 'field' }, h('label', { for: 'event-zone' }, 'Time zone', h('span', { class: 'hint' }, ' (IANA, e.g. Europe/Berlin)')),
      h('input', { type: 'text', id: 'event-zone', name: 'zone', value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' })),
    h('div', { class: 'actions' }, submit), out);
  form.addEventListener('submit', action(submit, out, async () => {
    const event = await api.post('/api/events', { event: { name: form.name.value, time_zone: form.zone.value } });
    window.location.hash = `event/${event.id}`;
  }));
  const main = showView('Events', list, h('h2', {}, 'New event'), form);
  try {
    const { events: all } = await api.get('/api/events');
    if (!main.isConnected) return;
    replace(list, all.length === 0 ? h('p', {}, 'No events yet.') : h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', { class: 'visually-hidden' }, 'Your events'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Event'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Slots'), h('th', { scope: 'col' }, 'Locations'))),
      h('tbody', {}, all.map((e) => h('tr', {},
        h('td', {}, h('a', { href: `#event/${e.id}` }, e.name)), h('td', {}, e.status),
        h('td', {}, String(e.slots.length)), h('td', {}, String(e.locations.length))))))));
  } catch (error) {
    replace(list, h('p', { class: 'error' }, errorText(error)));
  }
}

// --- Setup: status, name, slots, locations, policy.
const isoMinute = (seconds) => new Date(Number(seconds) * 1000).toISOString().slice(0, 16);
const fromIsoMinute = (text) => Math.floor(Date.parse(`${text}:00Z`) / 1000);

function setup(event) {
  const statusOut = h('p', {});
  const transitions = {
    DRAFT: [['OPEN', 'Open the event']],
    OPEN: [['CLOSED', 'Close the event']],
    SCHEDULED: [['OPEN', 'Reopen for planning'], ['CLOSED', 'Close the event']],
    CLOSED: [],
  }[event.status] || [];
  const statusButtons = transitions.map(([status, label]) => {
    const b = h('button', { type: 'button', class: status === 'CLOSED' ? 'secondary' : '' }, label);
    b.addEventListener('click', action(b, statusOut, async () => {
      if (status === 'CLOSED' && !window.confirm('Close the event? Attendees can no longer change anything.')) return;
      await api.post(`/api/events/${event.id}/status`, { status });
      announce(`The event is ${status}.`);
      route();
    }));
    return b;
  });

  const slotRows = h('tbody', {}, event.slots.map(slotRow));
  const locationRows = h('tbody', {}, event.locations.map(locationRow));
  const addSlot = h('button', { type: 'button', class: 'secondary' }, 'Add a slot');
  addSlot.addEventListener('click', () => {
    const last = event.slots.length ? Number(event.slots[event.slots.length - 1].end_time) : Math.ceil(Date.now() / 3600000) * 3600;
    const row = slotRow({ id: `s${slotRows.children.length + 1}`, name: '', start_time: last + 900, end_time: last + 900 + 1800 });
    slotRows.append(row);
    row.querySelector('input').focus();
  });
  const addLocation = h('button', { type: 'button', class: 'secondary' }, 'Add a location');
  addLocation.addEventListener('click', () => {
    const row = locationRow({ id: `room${locationRows.children.length + 1}`, name: '', tables: 10, quiet: false, virtual_link: '' });
    locationRows.append(row);
    row.querySelector('input').focus();
  });

  const p = event.policy;
  const out = h('p', { id: 'setup-result' });
  const save = h('button', { type: 'submit' }, 'Save event');
  const num = (id, label, value, min, max) => h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { type: 'number', id, name: id, min, max, value }));
  const box = (id, label, checked) => h('label', {}, h('input', { type: 'checkbox', id, name: id, checked }), ` ${label}`);
  const form = h('form', { class: 'stack wide', id: 'setup-form' },
    h('div', { class: 'field' }, h('label', { for: 'name' }, 'Name'), h('input', { type: 'text', id: 'name', name: 'name', value: event.name, required: true })),
    h('div', { class: 'field' }, h('label', { for: 'time_zone' }, 'Time zone'), h('input', { type: 'text', id: 'time_zone', name: 'time_zone', value: event.time_zone })),
    h('h2', {}, 'Slots ', h('span', { class: 'hint' }, '(times in UTC)')),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Id', 'Name', 'Start (UTC)', 'End (UTC)', ''].map((t) => h('th', { scope: 'col' }, t)))), slotRows)),
    h('div', { class: 'actions' }, addSlot),
    h('h2', {}, 'Locations'),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Id', 'Name', 'Tables', 'Quiet', 'Virtual link', ''].map((t) => h('th', { scope: 'col' }, t)))), locationRows)),
    h('div', { class: 'actions' }, addLocation),
    h('h2', {}, 'Policy'),
    num('default_meetings', 'Meetings per attendee unless they choose', p.default_meetings, 1, 64),
    num('max_meetings', 'Most meetings an attendee may choose', p.max_meetings, 1, 64),
    num('proposal_expiry_minutes', 'Proposals expire after (minutes; 0 = never)', p.proposal_expiry_minutes ?? 1440, 0, 1000000),
    num('rematch_freeze_days', 'Do not rematch pairs who met within (days; 0 = off)', p.rematch_freeze_days ?? 365, 0, 100000),
    h('div', { class: 'inline' },
      box('avoid_same_organisation', 'Never match people of the same organisation', p.avoid_same_organisation),
      box('auto_confirm', 'Confirm meetings without asking', p.auto_confirm),
      box('allow_any_introductions', 'Anyone may introduce anyone', p.allow_any_introductions)),
    h('div', { class: 'actions' }, save), out);
  form.addEventListener('submit', action(save, out, async () => {
    const slots = [...slotRows.children].map((row) => {
      const [id, name, start, end] = row.querySelectorAll('input');
      return { id: id.value, name: name.value, start_time: fromIsoMinute(start.value), end_time: fromIsoMinute(end.value) };
    });
    const locations = [...locationRows.children].map((row) => {
      const [id, name, tables, quiet, link] = row.querySelectorAll('input');
      return { id: id.value, name: name.value, tables: Number(tables.value), quiet: quiet.checked, virtual_link: link.value };
    });
    const policy = {
      default_meetings: Number(form.default_meetings.value),
      max_meetings: Number(form.max_meetings.value),
      proposal_expiry_minutes: Number(form.proposal_expiry_minutes.value),
      rematch_freeze_days: Number(form.rematch_freeze_days.value),
      avoid_same_organisation: form.avoid_same_organisation.checked,
      auto_confirm: form.auto_confirm.checked,
      allow_any_introductions: form.allow_any_introductions.checked,
    };
    await api.patch(`/api/events/${event.id}`, {
      event: { name: form.name.value, time_zone: form.time_zone.value, slots, locations, policy },
      fields: ['name', 'time_zone', 'slots', 'locations', 'policy'],
    });
    replace(out, h('span', { class: 'ok' }, 'Saved.'));
  }));

  showView(event.name,
    h('p', {}, 'Status: ', h('strong', { id: 'event-status' }, event.status)),
    statusButtons.length > 0 && h('div', { class: 'actions' }, statusButtons), statusOut,
    form);
}

function removeButton(label) {
  const b = h('button', { type: 'button', class: 'secondary', 'aria-label': label }, 'Remove');
  b.addEventListener('click', () => b.closest('tr').remove());
  return b;
}

function cellInput(label, attrs) {
  return h('td', {}, h('input', { 'aria-label': label, ...attrs }));
}

function slotRow(slot) {
  return h('tr', {},
    cellInput('Slot id', { type: 'text', value: slot.id, size: 6, required: true }),
    cellInput('Slot name', { type: 'text', value: slot.name, size: 12 }),
    cellInput('Start (UTC)', { type: 'datetime-local', value: isoMinute(slot.start_time), required: true }),
    cellInput('End (UTC)', { type: 'datetime-local', value: isoMinute(slot.end_time), required: true }),
    h('td', {}, removeButton(`Remove slot ${slot.id}`)));
}

function locationRow(location) {
  return h('tr', {},
    cellInput('Location id', { type: 'text', value: location.id, size: 8, required: true }),
    cellInput('Location name', { type: 'text', value: location.name, size: 12 }),
    cellInput('Tables', { type: 'number', value: location.tables, min: 1, max: 10000 }),
    cellInput('Quiet', { type: 'checkbox', checked: location.quiet }),
    cellInput('Virtual link', { type: 'url', value: location.virtual_link, size: 14 }),
    h('td', {}, removeButton(`Remove location ${location.id}`)));
}

// --- Attendees: search, paging, CSV import.
function attendees(event) {
  const results = h('div', { id: 'attendee-results' });
  const more = h('div', { class: 'actions' });
  const search = h('input', { type: 'search', id: 'attendee-search', name: 'q', placeholder: 'name, e-mail, organisation…' });
  const go = h('button', { type: 'submit' }, 'Search');
  const searchForm = h('form', { class: 'inline', role: 'search' }, h('label', { for: 'attendee-search' }, 'Find attendees'), search, go);
  let rows = [];
  const load = async (pageToken) => {
    const q = encodeURIComponent(search.value);
    const page = await api.get(`/api/events/${event.id}/attendees?q=${q}&page_size=25&page_token=${encodeURIComponent(pageToken)}`);
    rows = pageToken ? rows.concat(page.attendees) : page.attendees;
    replace(results, rows.length === 0 ? h('p', {}, 'No attendees found.') : h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, `${rows.length} attendee${rows.length === 1 ? '' : 's'} shown`),
      h('thead', {}, h('tr', {}, ['Name', 'Id', 'Organisation', 'E-mail', 'Meetings wanted'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((a) => h('tr', {}, h('td', {}, a.display_name), h('td', {}, a.external_id), h('td', {}, a.organisation), h('td', {}, a.email), h('td', {}, a.budget ?? 'default')))))));
    replace(more);
    if (page.next_page_token) {
      const next = h('button', { type: 'button', class: 'secondary' }, 'Show more');
      next.addEventListener('click', action(next, results, () => load(page.next_page_token)));
      more.append(next);
    }
  };
  searchForm.addEventListener('submit', action(go, results, () => load('')));

  const importOut = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const file = h('input', { type: 'file', id: 'csv-file', name: 'csv', accept: '.csv,text/csv', required: true });
  const dryRun = h('input', { type: 'checkbox', id: 'csv-dry-run', name: 'dry_run' });
  const sync = h('input', { type: 'checkbox', id: 'csv-sync', name: 'sync' });
  const upload = h('button', { type: 'submit', id: 'csv-import' }, 'Import');
  const importForm = h('form', { class: 'stack' },
    h('div', { class: 'field' }, h('label', { for: 'csv-file' }, 'Registration export (CSV)', h('span', { class: 'hint' }, ' (Eventbrite, Tito, a form or a spreadsheet: a header row, then one attendee per row; Parley recognises columns such as external_id or Attendee #, name or First Name + Last Name, email, organisation, interests)')), file),
    h('div', { class: 'inline' },
      h('label', {}, dryRun, ' Dry run: check the file, store nothing'),
      h('label', {}, sync, ' Remove attendees who are not in the file')),
    h('div', { class: 'actions' }, upload), importOut);
  importForm.addEventListener('submit', action(upload, importOut, async () => {
    if (!file.files.length) throw new Error('Choose a CSV file first.');
    if (sync.checked && !dryRun.checked && !window.confirm('Remove every attendee who is not in this file, with their meetings and links?')) return;
    replace(importOut, dryRun.checked ? 'Checking…' : 'Importing…');
    const query = new URLSearchParams();
    if (dryRun.checked) query.set('dry_run', '1');
    if (sync.checked) query.set('sync', '1');
    // The file goes as it is: parleyd reads it (encoding, quoting, columns).
    const r = await api.upload(`/api/events/${event.id}/import?${query}`, file.files[0], 'text/csv');
    replace(importOut, ...importResult(r));
    if (!r.dry_run) await load('');
  }));

  showView('Attendees', searchForm, results, more, h('h2', {}, 'Import from CSV'), importForm);
  load('').catch((error) => replace(results, h('p', { class: 'error' }, errorText(error))));
}

// What parleyd made of an uploaded file: counts, warnings, rejected rows with their file lines,
// removed attendees, and (for a dry run) how the columns were read.
function importResult(r) {
  const counts = `${r.created} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected${r.removed ? `, ${r.removed} removed` : ''}`;
  const headline = r.dry_run ? `Dry run, nothing stored. The import would give: ${counts}.` : `Imported: ${counts}.`;
  const rows = r.rejected_rows;
  return [
    h('p', { class: r.rejected ? 'error' : 'ok' }, headline),
    r.warnings.length > 0 && [h('h3', {}, 'Warnings'), h('ul', { id: 'import-warnings' }, r.warnings.map((w) => h('li', {}, w)))],
    rows.length > 0 && h('div', { class: 'table-wrap' }, h('table', { id: 'import-rejected' },
      h('caption', {}, rows.length < r.rejected ? `The first ${rows.length} of ${r.rejected} rejected rows` : 'Rejected rows'),
      h('thead', {}, h('tr', {}, ['Row', 'Line', 'Id', 'Problem'].map((t) => h('th', { scope: 'col' }, t)))),
      // The message starts with "row N (line L)", already in the first columns.
      h('tbody', {}, rows.map((row) => h('tr', {}, h('td', {}, String(row.row_number)), h('td', {}, String(row.line)),
        h('td', {}, row.external_id), h('td', {}, row.error.replace(/^row \d+ \(line \d+\)(, |: )?/, ''))))))),
    r.removed_attendees.length > 0 && [h('h3', {}, r.dry_run ? 'Would be removed' : 'Removed'),
      h('ul', { id: 'import-removed' }, r.removed_attendees.map((a) => h('li', {}, `${a.display_name} (${a.external_id}): ${a.reason}`)))],
    r.dry_run && h('details', {}, h('summary', {}, 'How the columns were read'),
      h('ul', {}, r.columns.map((c) => h('li', {}, c)), r.ignored_columns.map((c) => h('li', {}, `${c}: ignored`)))),
  ];
}

// --- Matching: run with progress, report with charts, publish, exports.
function matching(event) {
  const progress = h('progress', { id: 'run-progress', max: PHASES.length, value: 0, 'aria-labelledby': 'run-phase' });
  const phase = h('p', { id: 'run-phase' }, 'No run in progress.');
  const out = h('p', { class: 'error' });
  const run = h('button', { type: 'button', id: 'start-run' }, 'Start matching');
  const report = h('div', { id: 'report' }, 'Loading the latest report…');
  run.addEventListener('click', action(run, out, async () => {
    progress.value = 0;
    replace(phase, 'Starting…');
    let last = null;
    await api.stream('POST', `/api/events/${event.id}/runs`, { seed: 0 }, (name, data) => {
      if (name === 'progress') {
        last = data;
        const step = PHASES.indexOf(data.phase) + 1;
        if (step > 0) progress.value = step;
        replace(phase, `${PHASE_TEXT[data.phase] || data.phase}${data.attendees ? ` · ${data.attendees} attendees` : ''}${data.candidate_edges !== '0' ? ` · ${data.candidate_edges} candidate pairs` : ''}`);
      } else if (name === 'error') {
        throw new Error(data.message || data.error);
      }
    });
    if (last && last.phase === 'FAILED') throw new Error(`The run failed: ${last.error}`);
    announce('Matching is done.');
    await showReport(event, report);
  }));

  const publishOut = h('p', {});
  const publish = h('button', { type: 'button', id: 'publish' }, 'Publish the schedule');
  publish.addEventListener('click', action(publish, publishOut, async () => {
    const updated = await api.post(`/api/events/${event.id}/publish`);
    replace(publishOut, h('span', { class: 'ok' }, `Published: the event is ${updated.status}.`));
  }));
  const exportCsv = h('button', { type: 'button', class: 'secondary' }, 'Export meetings (CSV)');
  exportCsv.addEventListener('click', action(exportCsv, publishOut, () => api.download('GET', `/api/events/${event.id}/meetings.csv`, `meetings-event-${event.id}.csv`)));

  showView('Matching',
    h('p', {}, 'A run keeps confirmed meetings and replaces every open proposal. Attendees see the new suggestions at once.'),
    h('div', { class: 'actions' }, run), phase, progress, out,
    h('h2', {}, 'Quality report'), report,
    h('h2', {}, 'Publish and export'), h('div', { class: 'actions' }, publish, exportCsv), publishOut);
  showReport(event, report);
}

async function showReport(event, where, pageToken = '') {
  let response;
  try {
    response = await api.get(`/api/events/${event.id}/report?page_size=50&page_token=${encodeURIComponent(pageToken)}`);
  } catch (error) {
    replace(where, h('p', {}, error.status === 404 ? 'No matching run yet.' : errorText(error)));
    return;
  }
  const run = response.run;
  const r = run.report || {};
  const histogram = r.meetings_per_attendee || [];
  const withMeeting = histogram.slice(1).reduce((a, b) => a + b, 0);
  const zero = { 'opted out': r.zero_opted_out, 'no availability': r.zero_no_availability, 'no feasible partner': r.zero_no_feasible_partner, 'left out': r.zero_left_out };
  const bound = r.bound_status === 'BOUND_PENDING' ? 'being computed' : r.bound_status === 'BOUND_FAILED' ? `unavailable (${r.bound_error})` : Number(r.upper_bound).toLocaleString();
  const quality = Number(r.quality) > 0 ? `${(Number(r.quality) * 100).toFixed(1)}%` : 'not known yet';
  const summary = h('dl', { class: 'summary' },
    h('dt', {}, 'Run'), h('dd', {}, `${run.id} · ${run.phase}`),
    h('dt', {}, 'Meetings'), h('dd', {}, `${r.meetings} (${run.meetings_kept} kept, ${run.meetings_proposed} proposed)`),
    h('dt', {}, 'Quality'), h('dd', {}, `${quality} of the upper bound`),
    h('dt', {}, 'Attendees with a meeting'), h('dd', {}, `${withMeeting} of ${run.attendees}`));
  const charts = h('div', { class: 'charts' },
    chart('chart-histogram', 'Meetings per attendee', 'bar', histogram.map((_, k) => String(k)), [{ label: 'attendees', data: histogram }],
      `Attendees by number of meetings: ${histogram.map((n, k) => `${n} with ${k}`).join(', ')}.`),
    chart('chart-coverage', 'Coverage', 'doughnut', ['with a meeting', ...Object.keys(zero)], [{ label: 'attendees', data: [withMeeting, ...Object.values(zero)] }],
      `${withMeeting} with a meeting; without: ${Object.entries(zero).map(([k, v]) => `${v} ${k}`).join(', ')}.`),
    chart('chart-quality', 'Quality vs upper bound', 'bar', ['schedule weight', 'upper bound'], [{ label: 'weight', data: [Number(r.weight), Number(r.upper_bound)] }],
      `Schedule weight ${Number(r.weight).toLocaleString()}, upper bound ${bound}: ${quality}.`, { indexAxis: 'y' }));
  const diagnostics = response.without_meeting;
  const why = diagnostics.length === 0 ? h('p', {}, 'Everyone has a meeting.') : h('div', { class: 'table-wrap' }, h('table', { id: 'why-nothing' },
    h('caption', {}, 'Attendees without a meeting, and why'),
    h('thead', {}, h('tr', {}, ['Attendee', 'Id', 'Why', 'What to do'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, diagnostics.map((d) => h('tr', {}, h('td', {}, d.display_name), h('td', {}, d.external_id), h('td', {}, CAUSE_TEXT[d.cause] || d.cause), h('td', {}, d.hint))))));
  const nextPage = response.next_page_token && h('button', { type: 'button', class: 'secondary' }, 'Next page of attendees without a meeting');
  if (nextPage) nextPage.addEventListener('click', () => showReport(event, where, response.next_page_token));
  replace(where, summary, charts, h('h3', {}, 'Why nothing?'), why, nextPage && h('div', { class: 'actions' }, nextPage));
}

// A Chart.js chart in a figure: the canvas is an image described by `summary` for screen
// readers; the numbers are also in a table under it.
function chart(id, title, type, labels, datasets, summary, extra = {}) {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': `${title}. ${summary}` });
  const figure = h('figure', { class: 'chart' }, h('figcaption', {}, title), h('div', { class: 'canvas' }, canvas),
    h('details', {}, h('summary', {}, 'Numbers'), h('p', {}, summary)));
  requestAnimationFrame(() => {
    if (!window.Chart || !canvas.isConnected) return;
    // eslint-disable-next-line no-new
    new window.Chart(canvas, {
      type,
      data: {
        labels,
        datasets: datasets.map((d) => ({ ...d, backgroundColor: type === 'doughnut' ? COLOURS : COLOURS[0] })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: type === 'doughnut' } },
        ...extra,
      },
    });
    canvas.dataset.rendered = 'true';
  });
  return figure;
}

// --- Analytics.
async function analytics(event) {
  const where = h('div', { id: 'analytics' }, 'Loading…');
  const main = showView('Analytics', where);
  let response;
  try {
    response = await api.get(`/api/events/${event.id}/analytics`);
  } catch (error) {
    replace(where, h('p', { class: 'error' }, errorText(error)));
    return;
  }
  if (!main.isConnected) return;
  const a = response.events[0] || response.total;
  const pct = (x) => `${(Number(x) * 100).toFixed(0)}%`;
  replace(where,
    h('dl', { class: 'summary' },
      h('dt', {}, 'Proposals'), h('dd', {}, String(a.proposals)),
      h('dt', {}, 'Acceptance'), h('dd', {}, pct(a.acceptance_rate)),
      h('dt', {}, 'Held'), h('dd', {}, `${a.held} (${pct(a.held_rate)} of confirmed)`),
      h('dt', {}, 'Mean rating'), h('dd', {}, a.feedback ? Number(a.mean_rating).toFixed(2) : 'no feedback yet'),
      h('dt', {}, 'Follow-ups'), h('dd', {}, `${a.follow_ups} (${pct(a.follow_up_rate)})`),
      h('dt', {}, 'Introductions'), h('dd', {}, `${a.introductions_made} made, ${a.introductions_accepted} accepted`)),
    h('div', { class: 'charts' },
      chart('chart-outcomes', 'What became of proposals', 'bar', ['confirmed', 'declined', 'expired', 'cancelled', 'held', 'no-show'],
        [{ label: 'proposals', data: [a.confirmed, a.declined, a.expired, a.cancelled, a.held, a.no_show] }],
        `${a.confirmed} confirmed, ${a.declined} declined, ${a.expired} expired, ${a.cancelled} cancelled, ${a.held} held, ${a.no_show} no-shows.`),
      chart('chart-ratings', 'Ratings', 'bar', ['1', '2', '3', '4', '5'], [{ label: 'feedback', data: a.rating_counts.length ? a.rating_counts : [0, 0, 0, 0, 0] }],
        `Ratings 1 to 5: ${(a.rating_counts.length ? a.rating_counts : [0, 0, 0, 0, 0]).join(', ')}.`)));
}

// --- Links: the mail-merge of magic links.
function links(event) {
  const out = h('p', {});
  const onlyNew = h('input', { type: 'checkbox', id: 'only-new', checked: true });
  const download = h('button', { type: 'button', id: 'magic-links' }, 'Download magic links (CSV)');
  download.addEventListener('click', action(download, out, async () => {
    await api.download('POST', `/api/events/${event.id}/magic-links`, `magic-links-event-${event.id}.csv`, { only_new: onlyNew.checked });
    replace(out, h('span', { class: 'ok' }, 'Downloaded. Keep the file safe: each link signs its attendee in.'));
  }));
  showView('Magic links',
    h('p', {}, 'A CSV file with every attendee’s personal link (external_id, name, email, link) for your mail-merge. Each download issues new links; earlier links keep working.'),
    h('div', { class: 'inline' }, h('label', { for: 'only-new' }, onlyNew, ' Only attendees who have no link yet')),
    h('div', { class: 'actions' }, download), out);
}
