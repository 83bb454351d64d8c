'use strict';
// The words for a proposal's structured reasons (Reason.kind + tag, other_tag, introducer_name)
// and for its status, as the attendee reads them: "you" is the reader, `partner` the other side.
// The same wording as the CLI (clients/cli_print.cc DescribeReason); the Node example and the web
// app both take it from here.

function describeReason(reason, partner = 'they') {
  switch (reason.kind) {
    case 'SHARED_INTEREST':
      return `you both list ${reason.tag}`;
    case 'THEY_OFFER_WHAT_YOU_SEEK':
      return `${partner} offers ${reason.tag}, which you seek`;
    case 'YOU_OFFER_WHAT_THEY_SEEK':
      return `you offer ${reason.tag}, which ${partner} seeks`;
    case 'YOU_ASKED_TO_MEET':
      return `you asked to meet ${partner}`;
    case 'INTRODUCED':
      return `introduced by ${reason.introducer_name}`;
    case 'BRIDGES_ORGANISATIONS':
      return reason.tag ? `from another organisation (${reason.tag})` : 'from another organisation';
    case 'BRIDGES_CIRCLES':
      return `a different circle: ${reason.tag}${reason.other_tag ? ` (yours: ${reason.other_tag})` : ''}`;
    case 'FOLLOW_UP':
      return `you met at ${reason.tag} and both asked to follow up`;
    case 'VIA_CONTACT':
      return `through ${reason.introducer_name}, whom you rated highly`;
    case 'MUTUAL_WISH':
      return 'you both asked to meet each other';
    case 'OPEN_PAIRING':
      return 'an open pairing: neither of you listed interests';
    case 'ADD_INTERESTS':
      return 'add a few interests to your profile for better matches';
    default:
      return reason.tag || '(a reason this client does not know)';
  }
}

// Proposal.Status as the attendee reads it.
const PROPOSAL_STATUS_TEXT = {
  AWAITING_ME: 'waiting for your answer',
  AWAITING_THEM: 'you accepted; waiting for them',
  CONFIRMED: 'confirmed',
  DECLINED_BY_ME: 'you declined',
  WITHDRAWN: 'replaced',
  CANCELLED: 'cancelled',
};

function describeProposalStatus(status) {
  return PROPOSAL_STATUS_TEXT[status] || 'unknown';
}

module.exports = { describeReason, describeProposalStatus };
