#!/usr/bin/env node
'use strict';
// Attendee example: list my suggestions with the reasons, then accept one.
//
//   PARLEY_TOKEN=<attendee token> node attendee.js                # accepts the first one
//   PARLEY_TOKEN=<attendee token> node attendee.js --meeting 12   # accepts meeting 12
//   PARLEY_TOKEN=<attendee token> node attendee.js --list         # only lists
//
// A meeting is CONFIRMED once both people accept (double opt-in); until then my side shows
// AWAITING_THEM. The other person never sees a decline.

const { parseArgs } = require('node:util');
const { describeReason } = require('..');
const { CONNECTION_OPTIONS, connect, run } = require('./common');

function when(seconds) {
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function printProposal(p) {
  const partner = p.partner;
  console.log(`meeting ${p.meeting_id}  [${p.status}]`);
  console.log(`  when:  ${p.slot_id}  ${when(p.start_time)} - ${when(p.end_time)}`);
  console.log(`  where: ${p.location_name || p.location_id}, table ${p.table}`);
  const about = [partner.role, partner.organisation].filter(Boolean).join(', ');
  console.log(`  with:  ${partner.display_name}${about ? ` (${about})` : ''}`);
  console.log('  why:');
  for (const reason of p.reasons)
    console.log(`    - ${describeReason(reason, partner.display_name)}`);
  if (p.conversation_starter) console.log(`  starter: ${p.conversation_starter}`);
}

async function main(argv) {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      meeting: { type: 'string', default: '' },
      list: { type: 'boolean', default: false },
    },
  });
  const client = connect(args, 'attendee');
  try {
    const me = await client.attendee.getMyProfile();
    console.log(`${me.attendee.display_name} at ${me.event.name}`);
    const { proposals } = await client.agenda.listMySuggestions();
    console.log(`${proposals.length} suggestions`);
    proposals.forEach(printProposal);
    if (args.list) return 0;
    let meetingId = args.meeting;
    if (!meetingId) {
      const waiting = proposals.find((p) => p.status === 'AWAITING_ME');
      if (!waiting) {
        console.log('nothing awaits my answer');
        return 0;
      }
      meetingId = waiting.meeting_id;
    }
    const answered = await client.agenda.respondToProposal({ meeting_id: meetingId, accept: true });
    console.log(`accepted meeting ${answered.meeting_id}: now ${answered.status}`);
    const agenda = await client.agenda.getMyAgenda();
    console.log(
      `agenda: ${agenda.confirmed} confirmed, ${agenda.open} open, budget ${agenda.budget}`,
    );
    return 0;
  } finally {
    client.close();
  }
}

if (require.main === module) run('attendee', main);

module.exports = { main };
