'use strict';
// parley-client: the Node client of the Parley matchmaking server. See clients/README.md and
// clients/API.md.

const client = require('./client');
const attendeeCsv = require('./attendee_csv');
const reasons = require('./reasons');

module.exports = {
  ...client,
  parseAttendeeCsv: attendeeCsv.parseAttendeeCsv,
  readAttendeeCsv: attendeeCsv.readAttendeeCsv,
  CSV_COLUMNS: attendeeCsv.COLUMNS,
  describeReason: reasons.describeReason,
  describeProposalStatus: reasons.describeProposalStatus,
};
