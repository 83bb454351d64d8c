#include "services/domain/empty_run.h"

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace parley::domain {
namespace {

// Tags are stored in their holder's spelling; ASCII case is enough to tell whether two match
// at all (the engine folds fully).
std::string Key(const std::string& tag) { return absl::AsciiStrToLower(tag); }

// Whether two different attendees could score each other: a shared interest, or one's offer
// the other's seek. Attendees with neither interests, offers nor seeks meet in open pairings.
bool AnyPairShares(const std::vector<const v1::Attendee*>& people) {
  absl::flat_hash_map<std::string, size_t> interest_holder;  // tag -> first holder
  absl::flat_hash_map<std::string, size_t> offer_holder, seek_holder;
  size_t bare = 0;
  for (size_t i = 0; i < people.size(); ++i) {
    const v1::Attendee& a = *people[i];
    if (a.interests().empty() && a.offers().empty() && a.seeks().empty() && ++bare >= 2) {
      return true;
    }
    absl::flat_hash_set<std::string> own;
    for (const v1::Interest& interest : a.interests()) {
      const std::string key = Key(interest.tag());
      if (!own.insert(key).second) continue;
      auto [it, inserted] = interest_holder.try_emplace(key, i);
      if (!inserted) return true;
    }
    for (const std::string& offer : a.offers()) {
      auto seek = seek_holder.find(Key(offer));
      if (seek != seek_holder.end() && seek->second != i) return true;
      offer_holder.try_emplace(Key(offer), i);
    }
    for (const std::string& wish : a.seeks()) {
      auto offer = offer_holder.find(Key(wish));
      if (offer != offer_holder.end() && offer->second != i) return true;
      seek_holder.try_emplace(Key(wish), i);
    }
  }
  return false;
}

}  // namespace

std::string WhyNoMeetings(const std::vector<v1::Attendee>& attendees) {
  std::vector<const v1::Attendee*> available;
  for (const v1::Attendee& a : attendees) {
    if (!a.has_budget() || a.budget() > 0) available.push_back(&a);
  }
  if (attendees.size() < 2) return "fewer than two attendees";
  if (available.empty()) return "every attendee opted out (budget 0)";
  if (available.size() < 2) return "only one attendee has not opted out (budget 0)";
  if (AnyPairShares(available)) return "";
  std::string why = "no two attendees share an interest, offer or seek";
  size_t one_with_commas = 0;
  for (const v1::Attendee* a : available) {
    if (a->interests_size() == 1 && absl::StrContains(a->interests(0).tag(), ',')) {
      ++one_with_commas;
    }
  }
  if (one_with_commas > 0) {
    absl::StrAppend(&why, "; ", one_with_commas, " of ", available.size(),
                    " have one interest containing commas: a wrong list separator in the "
                    "import? (parley attendees import --separator 'interests=,')");
  }
  return why;
}

}  // namespace parley::domain
