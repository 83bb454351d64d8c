#!/usr/bin/env node
'use strict';
// Organiser example: load an attendee CSV into an event, run matching, print the report.
//
//   PARLEY_TOKEN=<organiser token> node organizer.js --csv ../../examples/data/attendees.csv
//
// Without --event it creates a DRAFT event with three 30-minute slots and two locations. The CSV
// file is uploaded as it is and parleyd reads it (ImportAttendeesCsv: upsert by external_id, so
// running it twice changes nothing); the counts are printed, then each rejected row with its row
// and file line, and the server's warnings. With --dry-run it stops there and no row is stored
// (the event is still created when --event is not given). Otherwise the event is opened, a
// matching run is started and its progress printed phase by phase, then the quality report and
// who got no meeting, and why. The last line is "event <id>", for scripts.

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { CONNECTION_OPTIONS, connect, run } = require('./common');

function exampleEvent(name) {
  // Three rounds tomorrow from 10:00 UTC, 30 minutes each with 10-minute breaks.
  const tomorrow = new Date();
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  tomorrow.setUTCHours(10, 0, 0, 0);
  const start = Math.floor(tomorrow.getTime() / 1000);
  const slots = [0, 1, 2].map((i) => ({
    id: `s${i + 1}`,
    name: `Round ${i + 1}`,
    start_time: start + i * 40 * 60,
    end_time: start + i * 40 * 60 + 30 * 60,
  }));
  return {
    name,
    time_zone: 'UTC',
    slots,
    locations: [
      { id: 'hall', name: 'Main hall', tables: 10 },
      { id: 'library', name: 'Library', tables: 2, quiet: true },
    ],
  };
}

function printReport({ run, without_meeting: withoutMeeting }) {
  const report = run.report;
  console.log(
    `run ${run.id}: ${run.phase.toLowerCase()}: ${run.attendees} attendees, ` +
      `${run.candidate_edges} candidate edges, ${run.meetings_kept} kept, ` +
      `${run.meetings_proposed} proposed`,
  );
  console.log(
    `quality ${report.quality.toFixed(4)} (weight ${report.weight} of upper bound ` +
      `${report.upper_bound}), ${report.meetings} meetings, gini ${report.gini.toFixed(3)}`,
  );
  const histogram = report.meetings_per_attendee
    .map((n, k) => (n ? `${k}: ${n}` : ''))
    .filter(Boolean)
    .join('  ');
  console.log(`meetings per attendee: ${histogram}`);
  console.log(
    `without a meeting: ${report.zero_opted_out} opted out, ` +
      `${report.zero_no_availability} no availability, ` +
      `${report.zero_no_feasible_partner} no feasible partner, ${report.zero_left_out} left out`,
  );
  for (const d of withoutMeeting) {
    console.log(`  ${d.external_id} ${d.display_name} [${d.cause.toLowerCase()}] ${d.hint}`);
  }
}

function printImport(what, imported) {
  const removed = imported.removed.length ? `, ${imported.removed.length} removed` : '';
  console.log(
    `${what}${imported.dry_run ? ' (dry run, nothing stored)' : ''}: ` +
      `${imported.created} created, ${imported.updated} updated, ` +
      `${imported.unchanged} unchanged, ${imported.rejected} rejected${removed}`,
  );
  for (const result of imported.results) {
    // The server's error names the row, its line in the file and the column.
    if (result.outcome === 'REJECTED') console.log(`  ${result.error}`);
  }
  for (const r of imported.removed) console.log(`  removed ${r.external_id}: ${r.reason}`);
  for (const warning of imported.summary.warnings) console.log(`  warning: ${warning}`);
}

async function main(argv) {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      csv: { type: 'string' },
      event: { type: 'string', default: '' },
      name: { type: 'string', default: 'Parley example meetup' },
      seed: { type: 'string', default: '1' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (!args.csv) throw new Error('--csv FILE is required');

  const data = fs.readFileSync(args.csv);
  const client = connect(args, 'organiser');
  try {
    let event;
    if (args.event) {
      event = await client.organizer.getEvent({ event_id: args.event });
    } else {
      event = await client.organizer.createEvent({ event: exampleEvent(args.name) });
      console.log(`created event ${event.id} (${event.name}) with ${event.slots.length} slots`);
    }

    const dryRun = args['dry-run'];
    const imported = await client.importAttendeesCsv(event.id, data, { dryRun });
    printImport(`${args.csv} -> event ${event.id}`, imported);
    if (dryRun) {
      console.log(`event ${event.id}`);
      return 0;
    }

    if (event.status === 'DRAFT') {
      event = await client.organizer.setEventStatus({ event_id: event.id, status: 'OPEN' });
    }

    // A run may take longer than one call's deadline: ten minutes for the stream.
    const run = await client.runMatching(event.id, Number(args.seed), {
      timeoutMs: 600000,
      onProgress: (p) =>
        console.log(
          `run ${p.id}: ${p.phase.toLowerCase()}  ` +
            `${p.attendees} attendees, ${p.candidate_edges} candidate edges, ` +
            `${p.meetings_proposed} proposed`,
        ),
    });
    if (run.phase !== 'DONE') {
      console.error(`run ${run.id} failed: ${run.error}`);
      return 1;
    }
    printReport(await client.matching.getQualityReport({ event_id: event.id, page_size: 1000 }));
    console.log(`event ${event.id}`);
    return 0;
  } finally {
    client.close();
  }
}

if (require.main === module) run('organizer', main);

module.exports = { main };
