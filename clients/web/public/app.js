// The single-page app's entry: /a is the attendee's app, /o the organiser's; both are opened by
// a magic link whose fragment (#t=TOKEN) carries the token. / explains that.
import { h, showView } from './lib.js';

const path = window.location.pathname;
if (path === '/a') {
  import('./attendee.js').then((m) => m.start());
} else if (path === '/o') {
  import('./organizer.js').then((m) => m.start());
} else {
  showView(
    'Parley',
    h('p', {}, 'Parley gives every attendee of an event a few well-chosen one-to-one conversations.'),
    h(
      'p',
      {},
      'Open the personal link from your invitation to see your suggestions and agenda. ',
      'Organisers open the link their operator gave them.',
    ),
  );
}
