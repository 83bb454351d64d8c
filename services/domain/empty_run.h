#ifndef PARLEY_SERVICES_DOMAIN_EMPTY_RUN_H_
#define PARLEY_SERVICES_DOMAIN_EMPTY_RUN_H_

#include <string>
#include <vector>

#include "parley/v1/attendee.pb.h"

// Issue 15: a run that makes no meetings says why for the event as a whole, instead of a
// "quality 1.0000 of 0" that looks like success.
namespace parley::domain {

// Why a matching run of these attendees (normalised, as stored) can make no meeting, in one line
// for a person: "fewer than two attendees", "every attendee opted out (budget 0)", or "no two
// attendees share an interest, offer or seek", followed by the likely cause when there is one
// ("; 30 of 30 have one interest containing commas: a wrong list separator in the import?").
// Empty when the attendees alone do not explain it (then slots, languages, avoid lists or the
// policy do). Pure; thread-compatible.
std::string WhyNoMeetings(const std::vector<v1::Attendee>& attendees);

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_EMPTY_RUN_H_
