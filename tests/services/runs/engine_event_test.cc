// The attendee directory a live state keeps: edits moved in place (UpdateDirectory) leave it
// equal to the directory made from scratch over the edited records.
#include "services/runs/engine_event.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/constraints.h"

namespace parley::matching {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

v1::Attendee Person(uint64_t id, const std::string& external_id, const std::string& org) {
  v1::Attendee a;
  a.set_id(id);
  a.set_external_id(external_id);
  a.set_organisation(org);
  return a;
}

// Both maps, ordered, so that a failure prints the difference.
std::map<std::string, match::Index> ById(const AttendeeDirectory& d) {
  return {d.by_external_id.begin(), d.by_external_id.end()};
}
std::map<std::string, std::vector<match::Index>> ByOrg(const AttendeeDirectory& d) {
  return {d.by_organisation.begin(), d.by_organisation.end()};
}

TEST(UpdateDirectoryTest, MovesTheExternalIdAndTheOrganisation) {
  std::vector<v1::Attendee> people = {Person(1, "a", "Acme"), Person(2, "b", "Acme"),
                                      Person(3, "c", "Globex")};
  AttendeeDirectory d = MakeDirectory(people);
  const v1::Attendee edited = Person(1, "a2", "Globex");
  UpdateDirectory(0, people[0], edited, &d);
  EXPECT_EQ(d.by_external_id.count("a"), 0u);
  EXPECT_EQ(d.by_external_id.at("a2"), 0u);
  EXPECT_THAT(d.by_organisation.at(domain::OrganisationKey("Acme")), ElementsAre(1));
  EXPECT_THAT(d.by_organisation.at(domain::OrganisationKey("Globex")), ElementsAre(0, 2));
}

TEST(UpdateDirectoryTest, TheLastMemberLeavingRemovesTheOrganisation) {
  std::vector<v1::Attendee> people = {Person(1, "a", "Acme"), Person(2, "b", "")};
  AttendeeDirectory d = MakeDirectory(people);
  UpdateDirectory(0, people[0], Person(1, "a", ""), &d);
  EXPECT_THAT(ByOrg(d), IsEmpty());
}

TEST(UpdateDirectoryTest, TwoAttendeesOfOneBatchSwapExternalIds) {
  std::vector<v1::Attendee> people = {Person(1, "x", ""), Person(2, "y", "")};
  AttendeeDirectory d = MakeDirectory(people);
  const v1::Attendee first = Person(1, "y", "");
  const v1::Attendee second = Person(2, "x", "");
  UpdateDirectory(0, people[0], first, &d);
  UpdateDirectory(1, people[1], second, &d);
  EXPECT_EQ(d.by_external_id.at("y"), 0u);
  EXPECT_EQ(d.by_external_id.at("x"), 1u);
}

TEST(UpdateDirectoryTest, RandomEditsEqualADirectoryMadeFromScratch) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    const std::vector<std::string> orgs = {"", "Acme", "ACME ltd", "Globex", "Initech", "acme"};
    std::vector<v1::Attendee> people;
    for (uint64_t i = 0; i < 50; ++i) {
      people.push_back(Person(i + 1, absl::StrCat("p", i), orgs[rng() % orgs.size()]));
    }
    AttendeeDirectory d = MakeDirectory(people);
    int next_id = 1000;
    for (int edit = 0; edit < 200; ++edit) {
      const match::Index i = static_cast<match::Index>(rng() % people.size());
      v1::Attendee after = people[i];
      if (rng() % 2 == 0) after.set_organisation(orgs[rng() % orgs.size()]);
      if (rng() % 3 == 0) after.set_external_id(absl::StrCat("p", next_id++));
      UpdateDirectory(i, people[i], after, &d);
      people[i] = after;
    }
    const AttendeeDirectory fresh = MakeDirectory(people);
    EXPECT_EQ(ById(d), ById(fresh)) << "seed " << seed;
    EXPECT_EQ(ByOrg(d), ByOrg(fresh)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace parley::matching
