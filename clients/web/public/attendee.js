// The attendee's app (/a#t=TOKEN): meetings (suggestions with reasons, answers, the live
// agenda), profile, people (who else, wishes, introductions), feedback and calendar feeds.
// Every wording of a reason comes from the server (reason.text, status_text).
import {
  action,
  announce,
  errorText,
  formatInterests,
  h,
  makeApi,
  parseInterests,
  renderNav,
  replace,
  showView,
  span,
  splitList,
  takeToken,
} from './lib.js';

const VIEWS = [
  { id: 'meetings', label: 'Meetings' },
  { id: 'profile', label: 'Profile' },
  { id: 'people', label: 'People' },
  { id: 'feedback', label: 'Feedback' },
  { id: 'calendar', label: 'Calendar' },
];

let api = null;
let me = null; // MyProfile: {attendee, event}
let agenda = null; // the latest Agenda from the live stream
let view = 'meetings';

export async function start() {
  const token = takeToken('parley.attendee');
  if (!token) {
    showView(
      'Your personal link is needed',
      h('p', {}, 'Open the link from your invitation e-mail. It signs you in to this tab only.'),
    );
    return;
  }
  api = makeApi(token);
  try {
    me = await api.get('/api/me');
  } catch (error) {
    showView('Your page cannot be opened', h('p', { class: 'error' }, errorText(error)));
    return;
  }
  replace(document.getElementById('who'), `${me.attendee.display_name} · ${me.event.name}`);
  window.addEventListener('hashchange', route);
  watchAgenda();
  route();
}

function zone() {
  return (me && me.event.time_zone) || 'UTC';
}

function route() {
  const id = window.location.hash.replace(/^#/, '');
  view = VIEWS.some((v) => v.id === id) ? id : 'meetings';
  renderNav(VIEWS, view);
  ({ meetings, profile, people, feedback, calendar })[view]();
}

// --- The live agenda: WatchMyAgenda through the web server's event stream. Reconnects with a
// growing pause; stops on a dead link.
async function watchAgenda() {
  let pause = 1000;
  for (;;) {
    try {
      await api.stream('GET', '/api/me/agenda/stream', undefined, (name, data) => {
        if (name === 'agenda') {
          pause = 1000;
          onAgenda(data);
        } else if (name === 'error' && data.error === 'UNAUTHENTICATED') {
          throw new Error('UNAUTHENTICATED');
        }
      });
    } catch (error) {
      if (error.status === 401 || error.message === 'UNAUTHENTICATED') {
        announce(errorText({ status: 401 }));
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 30000);
  }
}

function onAgenda(next) {
  const before = new Map(((agenda && agenda.items) || []).map((i) => [i.meeting_id, i.status]));
  agenda = next;
  for (const item of next.items) {
    const was = before.get(item.meeting_id);
    if (was && was !== item.status && item.status === 'CONFIRMED') {
      announce(`Your meeting with ${item.partner.display_name} is confirmed.`);
    }
  }
  if (view === 'meetings') renderMeetingLists();
}

// --- Meetings.
function meetings() {
  showView(
    'Your meetings',
    h('p', { id: 'agenda-summary' }),
    h('h2', { id: 'open-heading' }, 'Suggestions'),
    h('ul', { class: 'cards', id: 'open-list', 'aria-labelledby': 'open-heading' }),
    h('h2', { id: 'confirmed-heading' }, 'Confirmed'),
    h('ul', { class: 'cards', id: 'confirmed-list', 'aria-labelledby': 'confirmed-heading' }),
    moreSection(),
  );
  renderMeetingLists();
}

function moreSection() {
  const out = h('p', { id: 'more-result' });
  const button = h('button', { type: 'button', class: 'secondary' }, 'Ask for more suggestions');
  button.addEventListener(
    'click',
    action(button, out, async () => {
      const response = await api.post('/api/me/suggestions/more', { count: 0 });
      const n = response.proposals.length;
      replace(out, n === 0 ? 'No one else is free in your open slots right now.' : `${n} new suggestion${n === 1 ? '' : 's'}.`);
    }),
  );
  return h('section', { 'aria-labelledby': 'more-heading' }, h('h2', { id: 'more-heading' }, 'More'),
    h('p', {}, 'Free slots left? Ask for more suggestions, up to your budget.'), h('div', { class: 'actions' }, button), out);
}

function renderMeetingLists() {
  const openList = document.getElementById('open-list');
  const confirmedList = document.getElementById('confirmed-list');
  if (!openList || !confirmedList) return;
  const focused = document.activeElement && document.activeElement.id;
  if (!agenda) {
    replace(document.getElementById('agenda-summary'), 'Loading your agenda…');
    return;
  }
  replace(
    document.getElementById('agenda-summary'),
    `${agenda.confirmed} confirmed and ${agenda.open} open of the ${agenda.budget} meeting${agenda.budget === 1 ? '' : 's'} you asked for.`,
  );
  const open = agenda.items.filter((i) => i.status === 'AWAITING_ME' || i.status === 'AWAITING_THEM');
  const confirmed = agenda.items.filter((i) => i.status === 'CONFIRMED');
  replace(openList, open.length ? open.map(card) : h('li', {}, 'No open suggestions right now.'));
  replace(confirmedList, confirmed.length ? confirmed.map(card) : h('li', {}, 'Nothing confirmed yet.'));
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
}

function card(item) {
  const partner = item.partner;
  const about = [partner.role, partner.organisation].filter(Boolean).join(', ');
  const where = [item.location_name || item.location_id, item.table ? `table ${item.table}` : ''].filter(Boolean).join(', ');
  const out = h('p', { class: 'error', id: `out-${item.meeting_id}` });
  const buttons = [];
  const titleId = `m-${item.meeting_id}-title`;
  if (item.status === 'AWAITING_ME') {
    const accept = h('button', { type: 'button', id: `accept-${item.meeting_id}`, 'aria-describedby': titleId }, 'Accept');
    const decline = h('button', { type: 'button', class: 'secondary', id: `decline-${item.meeting_id}`, 'aria-describedby': titleId }, 'Decline');
    accept.addEventListener('click', action(accept, out, () => respond(item, true)));
    decline.addEventListener('click', action(decline, out, () => respond(item, false)));
    buttons.push(accept, decline);
  } else if (item.status === 'AWAITING_THEM' || item.status === 'CONFIRMED') {
    const cancel = h('button', { type: 'button', class: 'secondary', id: `cancel-${item.meeting_id}`, 'aria-describedby': titleId },
      item.status === 'CONFIRMED' ? 'Cancel meeting' : 'Withdraw');
    cancel.addEventListener('click', action(cancel, out, async () => {
      if (!window.confirm(`Cancel the meeting with ${partner.display_name}? You will not be suggested to each other again.`)) return;
      await api.post(`/api/me/meetings/${item.meeting_id}/cancel`);
      announce('Cancelled.');
    }));
    buttons.push(cancel);
  }
  return h(
    'li',
    { class: 'card', id: `meeting-${item.meeting_id}`, 'data-status': item.status },
    h('h3', { id: titleId }, partner.display_name),
    about && h('p', { class: 'meta' }, about),
    partner.bio && h('p', { class: 'meta' }, partner.bio),
    h('p', {}, h('strong', {}, 'When: '), span(item.start_time, item.end_time, zone())),
    h('p', {}, h('strong', {}, 'Where: '), where,
      item.virtual_link && [' · ', h('a', { href: item.virtual_link, rel: 'noopener' }, 'join online')]),
    item.reasons.length > 0 && [h('p', {}, h('strong', {}, 'Why: ')), h('ul', { class: 'reasons' }, item.reasons.map((r) => h('li', {}, r.text)))],
    item.conversation_starter && h('blockquote', {}, item.conversation_starter),
    contact(item, partner),
    h('p', {}, h('span', { class: `state state-${item.status}` }, item.status_text)),
    buttons.length > 0 && h('div', { class: 'actions' }, buttons),
    out,
  );
}

// The partner's e-mail and phone: the server sends them only for a meeting both confirmed, and
// only what the partner chose to share.
function contact(item, partner) {
  const links = [];
  if (item.partner_email) links.push(h('a', { href: `mailto:${item.partner_email}` }, item.partner_email));
  if (item.partner_phone) links.push(h('a', { href: `tel:${item.partner_phone.replace(/[^0-9+]/g, '')}` }, item.partner_phone));
  if (links.length === 0) return null;
  return h('p', { class: 'contact' }, h('strong', {}, `Reach ${partner.display_name}: `),
    links.flatMap((link, i) => (i === 0 ? [link] : [' · ', link])));
}

async function respond(item, accept) {
  const updated = await api.post(`/api/me/proposals/${item.meeting_id}/respond`, { accept });
  announce(accept ? `Accepted: ${updated.status_text}.` : 'Declined. They will not be told.');
}

// --- Profile.
function profile() {
  const a = me.attendee;
  const policy = me.event.policy || {};
  const slots = me.event.slots || [];
  const available = new Set(a.availability && a.availability.length ? a.availability : slots.map((s) => s.id));
  const out = h('p', { id: 'profile-result' });
  const field = (id, label, hint, input) =>
    h('div', { class: 'field' }, h('label', { for: id }, label, hint && h('span', { class: 'hint' }, ` (${hint})`)), input);
  const text = (id, value) => h('input', { type: 'text', id, name: id, value: value || '' });
  const save = h('button', { type: 'submit' }, 'Save profile');
  const form = h(
    'form',
    { class: 'stack', id: 'profile-form' },
    field('bio', 'About me', 'a sentence or two', h('textarea', { id: 'bio', name: 'bio' }, a.bio || '')),
    field('interests', 'Interests', 'separate with ";", add :2 or :3 for what you love most', text('interests', formatInterests(a.interests))),
    field('offers', 'I can help with', 'separate with ";"', text('offers', (a.offers || []).join('; '))),
    field('seeks', 'I am looking for', 'separate with ";"', text('seeks', (a.seeks || []).join('; '))),
    field('languages', 'Languages', 'separate with ";"', text('languages', (a.languages || []).join('; '))),
    field('budget', 'How many meetings I want', `0 to ${policy.max_meetings || 6}; 0 opts out`,
      h('input', { type: 'number', id: 'budget', name: 'budget', min: 0, max: policy.max_meetings || 6, value: a.budget ?? '' })),
    h('fieldset', {}, h('legend', {}, 'When I am available'),
      h('div', { class: 'inline' }, slots.map((s) => h('label', {}, h('input', { type: 'checkbox', name: 'slot', value: s.id, checked: available.has(s.id) }), ` ${s.name || s.id} (${span(s.start_time, s.end_time, zone())})`)))),
    h('div', { class: 'inline' }, h('label', {}, h('input', { type: 'checkbox', id: 'quiet', name: 'quiet', checked: Boolean(a.prefers_quiet) }), ' I prefer quiet places')),
    h('fieldset', {}, h('legend', {}, 'Contact details for confirmed meetings'),
      h('p', { class: 'hint' }, 'Someone sees these only once you have both accepted a meeting with each other.'),
      h('div', { class: 'inline' },
        h('label', {}, h('input', { type: 'checkbox', id: 'share-email', name: 'share_email', checked: Boolean(a.share_email) }),
          ` Show my e-mail${a.email ? ` (${a.email})` : ''}`),
        h('label', {}, h('input', { type: 'checkbox', id: 'share-phone', name: 'share_phone', checked: Boolean(a.share_phone) }),
          ` Show my phone${a.phone ? ` (${a.phone})` : ''}`))),
    h('div', { class: 'actions' }, save),
    out,
  );
  form.addEventListener('submit', action(save, out, async () => {
    const checked = [...form.querySelectorAll('input[name=slot]:checked')].map((i) => i.value);
    const attendee = {
      bio: form.bio.value,
      interests: parseInterests(form.interests.value),
      offers: splitList(form.offers.value),
      seeks: splitList(form.seeks.value),
      languages: splitList(form.languages.value),
      availability: checked.length === slots.length ? [] : checked,
      prefers_quiet: form.quiet.checked,
      share_email: form.share_email.checked,
      share_phone: form.share_phone.checked,
    };
    const fields = ['bio', 'interests', 'offers', 'seeks', 'languages', 'availability', 'prefers_quiet', 'share_email', 'share_phone'];
    if (form.budget.value !== '') {
      attendee.budget = Number(form.budget.value);
      fields.push('budget');
    }
    me = await api.patch('/api/me', { attendee, fields });
    replace(out, h('span', { class: 'ok' }, 'Saved. Your suggestions follow within a second.'));
  }));
  showView('Your profile', h('p', {}, 'Your e-mail and phone are shown to nobody but the organiser, unless you choose below to show them to the people you have a confirmed meeting with.'), form);
}

// --- People: who else, wishes, introductions.
async function people() {
  const main = showView(
    'People',
    h('h2', {}, 'Who else should I meet?'),
    h('div', { id: 'who-else' }, 'Loading…'),
    h('h2', {}, 'People I would like to meet'),
    h('p', { class: 'hint' }, 'A wish raises your chance of meeting them. They are never told.'),
    h('div', { id: 'wishes' }, 'Loading…'),
    h('h2', {}, 'Introductions'),
    h('div', { id: 'introductions' }, 'Loading…'),
    h('h2', {}, 'Introduce two people'),
    h('div', { id: 'introduce' }),
  );
  const [whoElse, wishes, intros] = await Promise.allSettled([
    api.get('/api/me/who-else'),
    api.get('/api/me/wishes'),
    api.get('/api/me/introductions'),
  ]);
  if (!main.isConnected) return;
  const known = new Map();
  for (const item of (agenda && agenda.items) || []) known.set(item.partner.attendee_id, item.partner);

  const wishButton = (person) => {
    const out = h('span', { class: 'error' });
    const button = h('button', { type: 'button', class: 'secondary' }, `I'd like to meet ${person.display_name}`);
    button.addEventListener('click', action(button, out, async () => {
      await api.post('/api/me/wishes', { attendee_id: person.attendee_id });
      announce(`Wish saved: ${person.display_name}.`);
      people();
    }));
    return [button, out];
  };

  if (whoElse.status === 'fulfilled') {
    const list = whoElse.value.people;
    for (const p of list) known.set(p.person.attendee_id, p.person);
    replace(document.getElementById('who-else'), list.length === 0
      ? h('p', {}, 'Nobody yet: suggestions come through people you met and rated 4 or 5.')
      : h('ul', { class: 'cards' }, list.map((p) => h('li', { class: 'card' },
        h('h3', {}, p.person.display_name),
        h('p', { class: 'meta' }, [p.person.role, p.person.organisation].filter(Boolean).join(', ')),
        h('ul', { class: 'reasons' }, p.reasons.map((r) => h('li', {}, r.text))),
        h('div', { class: 'actions' }, wishButton(p.person))))));
  } else {
    replace(document.getElementById('who-else'), h('p', { class: 'error' }, errorText(whoElse.reason)));
  }

  if (wishes.status === 'fulfilled') {
    const list = wishes.value.wishes;
    replace(document.getElementById('wishes'), list.length === 0 ? h('p', {}, 'No wishes yet.') : h('ul', {}, list.map((w) => {
      const out = h('span', { class: 'error' });
      const remove = h('button', { type: 'button', class: 'secondary' }, `Remove ${w.person.display_name}`);
      remove.addEventListener('click', action(remove, out, async () => {
        await api.del(`/api/me/wishes/${w.person.attendee_id}`);
        people();
      }));
      return h('li', {}, `${w.person.display_name} `, remove, out);
    })));
  } else {
    replace(document.getElementById('wishes'), h('p', { class: 'error' }, errorText(wishes.reason)));
  }

  if (intros.status === 'fulfilled') {
    const list = intros.value.introductions;
    for (const i of list) for (const p of [i.person, i.other_person, i.introducer]) if (p && p.attendee_id !== '0') known.set(p.attendee_id, p);
    replace(document.getElementById('introductions'), list.length === 0 ? h('p', {}, 'No introductions yet.') : h('ul', { class: 'cards' }, list.map(introCard)));
  } else {
    replace(document.getElementById('introductions'), h('p', { class: 'error' }, errorText(intros.reason)));
  }
  known.delete(me.attendee.id);
  replace(document.getElementById('introduce'), introduceForm([...known.values()]));
}

function introCard(i) {
  const out = h('p', { class: 'error' });
  const status = { PENDING: 'waiting for answers', ACCEPTED: 'both accepted', DECLINED_BY_ME: 'you declined' }[i.status] || i.status;
  const title = i.made_by_me
    ? `You introduced ${i.person.display_name} and ${i.other_person.display_name}`
    : `${i.introducer.display_name} introduces you to ${i.person.display_name}`;
  const buttons = [];
  if (!i.made_by_me && i.status === 'PENDING' && i.my_answer === 'ANSWER_UNSPECIFIED') {
    for (const accept of [true, false]) {
      const b = h('button', { type: 'button', class: accept ? '' : 'secondary' }, accept ? 'Accept' : 'Decline');
      b.addEventListener('click', action(b, out, async () => {
        await api.post(`/api/me/introductions/${i.id}/respond`, { accept });
        people();
      }));
      buttons.push(b);
    }
  }
  return h('li', { class: 'card' }, h('h3', {}, title), h('blockquote', {}, i.note), h('p', {}, status),
    buttons.length > 0 && h('div', { class: 'actions' }, buttons), out);
}

function introduceForm(known) {
  if (known.length < 2) return h('p', {}, 'Once you have met people, you can introduce two of them to each other here.');
  const options = () => known.map((p) => h('option', { value: p.attendee_id }, p.display_name));
  const out = h('p', { id: 'introduce-result' });
  const submit = h('button', { type: 'submit' }, 'Introduce them');
  const form = h('form', { class: 'stack' },
    h('div', { class: 'field' }, h('label', { for: 'intro-a' }, 'First person'), h('select', { id: 'intro-a', name: 'a' }, options())),
    h('div', { class: 'field' }, h('label', { for: 'intro-b' }, 'Second person'), h('select', { id: 'intro-b', name: 'b' }, options())),
    h('div', { class: 'field' }, h('label', { for: 'intro-note' }, 'Why they should talk'), h('textarea', { id: 'intro-note', name: 'note', required: true, maxlength: 500 })),
    h('div', { class: 'actions' }, submit), out);
  form.b.selectedIndex = 1;
  form.addEventListener('submit', action(submit, out, async () => {
    await api.post('/api/me/introductions', { attendee_a: form.a.value, attendee_b: form.b.value, note: form.note.value });
    announce('Introduction sent.');
    people();
  }));
  return form;
}

// --- Feedback after a meeting's slot has ended.
async function feedback() {
  const main = showView('Feedback', h('p', {}, 'Only you and the organiser’s totals ever see this.'), h('div', { id: 'feedback-list' }, 'Loading…'));
  let given;
  try {
    given = await api.get('/api/me/feedback');
  } catch (error) {
    replace(document.getElementById('feedback-list'), h('p', { class: 'error' }, errorText(error)));
    return;
  }
  if (!main.isConnected) return;
  const byMeeting = new Map(given.feedback.map((f) => [f.meeting_id, f]));
  const now = Date.now() / 1000;
  const past = ((agenda && agenda.items) || []).filter((i) => i.status === 'CONFIRMED' && Number(i.end_time) <= now);
  replace(document.getElementById('feedback-list'), past.length === 0
    ? h('p', {}, 'After a confirmed meeting has taken place, tell us how it went here.')
    : h('ul', { class: 'cards' }, past.map((item) => feedbackForm(item, byMeeting.get(item.meeting_id)))));
}

function feedbackForm(item, previous) {
  const id = item.meeting_id;
  const out = h('p', {});
  const submit = h('button', { type: 'submit' }, previous ? 'Update feedback' : 'Send feedback');
  const form = h('form', { class: 'stack' },
    h('fieldset', {}, h('legend', {}, 'Did it happen?'), h('div', { class: 'inline' },
      h('label', {}, h('input', { type: 'radio', name: 'outcome', value: 'HAPPENED', checked: !previous || previous.outcome === 'HAPPENED' }), ' We met'),
      h('label', {}, h('input', { type: 'radio', name: 'outcome', value: 'NO_SHOW', checked: previous && previous.outcome === 'NO_SHOW' }), ' It did not happen'))),
    h('div', { class: 'field' }, h('label', { for: `rating-${id}` }, 'How was it? (1-5)'),
      h('select', { id: `rating-${id}`, name: 'rating' }, [5, 4, 3, 2, 1].map((r) => h('option', { value: r, selected: previous && previous.rating === r }, String(r))))),
    h('label', {}, h('input', { type: 'checkbox', name: 'follow_up', checked: previous && previous.follow_up }), ' I would like to meet them again'),
    h('div', { class: 'actions' }, submit), out);
  form.addEventListener('submit', action(submit, out, async () => {
    const outcome = form.querySelector('input[name=outcome]:checked').value;
    await api.post('/api/me/feedback', { meeting_id: id, outcome, rating: outcome === 'NO_SHOW' ? 0 : Number(form.rating.value), follow_up: form.follow_up.checked });
    replace(out, h('span', { class: 'ok' }, 'Thank you.'));
  }));
  return h('li', { class: 'card' }, h('h3', {}, `${item.partner.display_name}, ${span(item.start_time, item.end_time, zone())}`), form);
}

// --- Calendar: feed links a calendar app subscribes to, and a one-off download.
async function calendar() {
  const out = h('p', { id: 'feed-result' });
  const create = h('button', { type: 'button', id: 'create-feed' }, 'Create a calendar link');
  create.addEventListener('click', action(create, out, async () => {
    const feed = await api.post('/api/me/feeds', { label: navigator.userAgent.slice(0, 60) });
    replace(out, feedLinks(feed.url), h('p', { class: 'hint' }, 'Copy it now: it is shown only once. Anyone with it can read your meetings; revoke it below if it leaks.'));
    listFeeds();
  }));
  const download = h('button', { type: 'button', class: 'secondary' }, 'Download my meetings (.ics)');
  download.addEventListener('click', action(download, out, () => api.download('GET', '/api/me/calendar.ics', 'parley.ics')));
  showView('Add to my calendar',
    h('p', {}, 'Subscribe your calendar (Google, Apple, Outlook) to a private link: confirmed meetings appear with a reminder 10 minutes before, and cancellations disappear by themselves.'),
    h('div', { class: 'actions' }, create, download), out,
    h('h2', {}, 'My calendar links'), h('div', { id: 'feeds' }, 'Loading…'));
  listFeeds();
}

function feedLinks(url) {
  const webcal = url.replace(/^https?:/, 'webcal:');
  return h('div', {},
    h('p', {}, h('strong', {}, 'Your link: '), h('span', { class: 'feed', id: 'feed-url' }, url)),
    h('ul', {},
      h('li', {}, h('a', { href: webcal }, 'Open in Apple Calendar or Outlook')),
      h('li', {}, h('a', { href: `https://calendar.google.com/calendar/r?cid=${encodeURIComponent(webcal)}`, rel: 'noopener' }, 'Add to Google Calendar'))));
}

async function listFeeds() {
  const where = document.getElementById('feeds');
  if (!where) return;
  try {
    const { feeds } = await api.get('/api/me/feeds');
    const live = feeds.filter((f) => f.revoke_time === '0');
    replace(where, live.length === 0 ? h('p', {}, 'None.') : h('ul', {}, live.map((f) => {
      const out = h('span', { class: 'error' });
      const revoke = h('button', { type: 'button', class: 'secondary' }, `Revoke ${f.label || f.token_id}`);
      revoke.addEventListener('click', action(revoke, out, async () => {
        await api.del(`/api/me/feeds/${f.token_id}`);
        announce('Revoked: that link no longer works.');
        listFeeds();
      }));
      return h('li', {}, `${f.label || 'calendar link'}, created ${new Date(Number(f.create_time) * 1000).toLocaleDateString()} `, revoke, out);
    })));
  } catch (error) {
    replace(where, h('p', { class: 'error' }, errorText(error)));
  }
}
