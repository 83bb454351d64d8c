#include "services/domain/constraints.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace parley::domain {

std::string OrganisationKey(absl::string_view organisation) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(organisation));
}

bool Avoids(const v1::Attendee& x, const v1::Attendee& y) {
  if (std::find(x.avoid().begin(), x.avoid().end(), y.external_id()) != x.avoid().end()) {
    return true;
  }
  const std::string org = OrganisationKey(y.organisation());
  if (org.empty()) return false;
  return std::any_of(x.avoid_organisations().begin(), x.avoid_organisations().end(),
                     [&](const std::string& o) { return OrganisationKey(o) == org; });
}

bool NoCommonLanguage(const v1::Attendee& x, const v1::Attendee& y) {
  if (x.languages().empty() || y.languages().empty()) return false;
  for (const std::string& a : x.languages()) {
    if (std::find(y.languages().begin(), y.languages().end(), a) != y.languages().end()) {
      return false;
    }
  }
  return true;
}

PairBlock BlockedPair(const v1::Event& event, const v1::Attendee& x, const v1::Attendee& y) {
  if ((x.has_budget() && x.budget() == 0) || (y.has_budget() && y.budget() == 0)) {
    return PairBlock::kOptedOut;
  }
  if (Avoids(x, y) || Avoids(y, x)) return PairBlock::kAvoided;
  if (event.policy().avoid_same_organisation()) {
    const std::string org = OrganisationKey(x.organisation());
    if (!org.empty() && org == OrganisationKey(y.organisation())) {
      return PairBlock::kSameOrganisation;
    }
  }
  if (NoCommonLanguage(x, y)) return PairBlock::kNoCommonLanguage;
  return PairBlock::kNone;
}

absl::string_view PairBlockName(PairBlock block) {
  switch (block) {
    case PairBlock::kNone:
      return "allowed";
    case PairBlock::kOptedOut:
      return "one of them opted out of meetings";
    case PairBlock::kAvoided:
      return "one of them avoids the other";
    case PairBlock::kSameOrganisation:
      return "same organisation";
    case PairBlock::kNoCommonLanguage:
      return "no common language";
  }
  return "unknown";
}

}  // namespace parley::domain
