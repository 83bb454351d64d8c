'use strict';
// parley-client: the Node client of the Parley matchmaking server. See clients/README.md and
// clients/API.md.

const client = require('./client');
const reasons = require('./reasons');

module.exports = {
  ...client,
  describeReason: reasons.describeReason,
  describeProposalStatus: reasons.describeProposalStatus,
};
