#include "services/domain/validation.h"

#include <gmock/gmock.h>
#include <google/protobuf/arena.h>
#include <gtest/gtest.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace parley::services {
namespace {

TEST(NormalizeTagTest, FoldsCaseComposesAndCollapsesWhitespace) {
  EXPECT_EQ(*NormalizeTag("  Bicycles ", "t"), "bicycles");
  EXPECT_EQ(*NormalizeTag("Machine \t  Learning", "t"), "machine learning");
  EXPECT_EQ(*NormalizeTag("STRASSE", "t"), "strasse");
  EXPECT_EQ(*NormalizeTag("Stra\xC3\x9F"
                          "e",
                          "t"),
            "strasse");                                               // ß folds to ss
  EXPECT_EQ(*NormalizeTag("Cafe\xCC\x81", "t"), "caf\xC3\xA9");       // NFC
  EXPECT_EQ(*NormalizeTag("\xE3\x80\x80Go\xE3\x80\x80", "t"), "go");  // ideographic space
}

TEST(NormalizeTagTest, RejectsWithTheFieldName) {
  EXPECT_THAT(NormalizeTag("", "interests[2]").status().message(),
              ::testing::HasSubstr("interests[2]: empty"));
  EXPECT_THAT(NormalizeTag("a\x01", "f").status().message(), ::testing::HasSubstr("control"));
  EXPECT_THAT(NormalizeTag("\xC0\x80", "f").status().message(), ::testing::HasSubstr("UTF-8"));
  EXPECT_THAT(NormalizeTag(std::string(65, 'a'), "f").status().message(),
              ::testing::HasSubstr("longer than 64"));
  EXPECT_TRUE(NormalizeTag(std::string(64, 'a'), "f").ok());
}

TEST(NormalizeTagTest, IsIdempotentOnRandomInput) {
  std::mt19937 rng(42);
  const std::vector<std::string> pieces = {"a",        "B",
                                           " ",        "\t",
                                           "\xC3\x9F", "e\xCC\x81",
                                           "\xC3\x89", "\xE2\x80\x83",
                                           "Z",        "\xF0\x9F\x9A\xB2"};
  for (int round = 0; round < 2000; ++round) {
    std::string tag;
    const int n = 1 + rng() % 12;
    for (int i = 0; i < n; ++i) tag += pieces[rng() % pieces.size()];
    auto once = NormalizeTag(tag, "t");
    if (!once.ok()) continue;
    auto twice = NormalizeTag(*once, "t");
    ASSERT_TRUE(twice.ok()) << *once;
    EXPECT_EQ(*once, *twice);
  }
}

TEST(IsValidUtf8Test, AcceptsValidAndRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x9A\xB2"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
}

TEST(NormalizeAttendeeTest, MergesDuplicateInterestsKeepingTheFirstSpellingAndStrongestWeight) {
  v1::Event event;
  ASSERT_TRUE([&] {
    event.set_name("e");
    return NormalizeEvent(&event);
  }()
                  .ok());
  v1::Attendee a;
  a.set_external_id("x");
  a.set_display_name("X");
  v1::Interest* first = a.add_interests();
  first->set_tag("Books");
  a.add_interests()->set_tag("Go");
  v1::Interest* again = a.add_interests();
  again->set_tag("books ");
  again->set_weight(3);
  a.add_offers("Rust");
  a.add_offers("rust");
  ASSERT_TRUE(NormalizeAttendee(event, &a).ok());
  ASSERT_EQ(a.interests_size(), 2);
  // Stored as the holder wrote it (issue 12: reasons show "VLA", not "vla"), compared folded.
  EXPECT_EQ(a.interests(0).tag(), "Books");
  EXPECT_EQ(a.interests(0).weight(), 3u);
  ASSERT_EQ(a.offers_size(), 1);
  EXPECT_EQ(a.offers(0), "Rust");
}

TEST(NormalizeTagTest, SpellingKeepsTheCaseAndSameTagComparesFolded) {
  EXPECT_EQ(*SpellTag("  VLA \t models ", "t"), "VLA models");
  EXPECT_EQ(*SpellTag("Cafe\xCC\x81 AI", "t"), "Caf\xC3\xA9 AI");  // NFC, case kept
  EXPECT_THAT(SpellTag("", "interests[2]").status().message(), ::testing::HasSubstr("empty"));
  EXPECT_TRUE(SameTag("VLA", "vla"));
  EXPECT_TRUE(SameTag("OOD Detection", "ood detection"));
  EXPECT_TRUE(SameTag("\xC3\x84rzte", "\xC3\xA4rzte"));  // Ä / ä
  EXPECT_FALSE(SameTag("VLA", "VLAs"));
}

// The lists of a profile, normalised as PRODUCT.md says, written the plain way: each entry on
// its own (NormalizeTag, trimming, lower-casing slot ids), repeats dropped at their first
// position. NormalizeAttendee works in place and must agree with it on results and errors.
// Offers and seeks keep the first spelling of each tag (SpellTag), repeats compared on the
// normal form (NormalizeTag).
absl::StatusOr<std::vector<std::string>> ReferenceTags(absl::string_view list,
                                                       const std::vector<std::string>& tags) {
  std::vector<std::string> out, normal;
  for (size_t i = 0; i < tags.size(); ++i) {
    absl::StatusOr<std::string> tag = SpellTag(tags[i], absl::StrCat(list, "[", i, "]"));
    if (!tag.ok()) return tag.status();
    absl::StatusOr<std::string> key = NormalizeTag(*tag, "");
    if (!key.ok()) return key.status();
    if (std::find(normal.begin(), normal.end(), *key) != normal.end()) continue;
    out.push_back(*tag);
    normal.push_back(*key);
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, uint32_t>>> ReferenceInterests(
    const std::vector<std::pair<std::string, uint32_t>>& interests) {
  std::vector<std::pair<std::string, uint32_t>> out;
  for (size_t i = 0; i < interests.size(); ++i) {
    const std::string field = absl::StrCat("interests[", i, "]");
    absl::StatusOr<std::string> tag = SpellTag(interests[i].first, field);
    if (!tag.ok()) return tag.status();
    const uint32_t weight = interests[i].second == 0 ? 1 : interests[i].second;
    if (weight > 3) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".weight: must be 1..3, got ", weight));
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const auto& e) {
      return *NormalizeTag(e.first, "") == *NormalizeTag(*tag, "");
    });
    if (same == out.end()) {
      out.emplace_back(*tag, weight);
    } else {
      same->second = std::max(same->second, weight);
    }
  }
  return out;
}

std::vector<std::string> ToVector(const google::protobuf::RepeatedPtrField<std::string>& list) {
  return std::vector<std::string>(list.begin(), list.end());
}

TEST(NormalizeAttendeeTest, InPlaceListsAgreeWithEntryByEntryNormalisation) {
  v1::Event event;
  event.set_name("e");
  for (const char* id : {"s1", "s2"}) {
    v1::Slot* slot = event.add_slots();
    slot->set_id(id);
    slot->set_start_time(100);
    slot->set_end_time(200);
  }
  ASSERT_TRUE(NormalizeEvent(&event).ok());
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"a",        "b",    "B",    " ",    "  ",
                                           "\t",       "\n",   "\x01", "\x7f", "\xC3\x9F",
                                           "\xC3\x89", "\xC0", "ab",   "A b"};
  const std::vector<std::string> good = {"a", "b", "B", " ", "ab", "A b", "go", "\xC3\x89"};
  auto random_tag = [&] {
    std::string tag;
    const int n = 1 + rng() % 3;
    for (int i = 0; i < n; ++i) {
      // Mostly entries that are fine (already normal or not), now and then a bad one.
      tag += rng() % 8 == 0 ? pieces[rng() % pieces.size()] : good[rng() % good.size()];
    }
    return tag;
  };
  const std::vector<std::string> slot_refs = {"s1", " S1", "s2 ", "S2", "s1", "s2", "s3"};
  const std::vector<std::string> id_refs = {"a", " a", "b", "B", "c", "a", "b ", "me", "", "c\x01"};
  google::protobuf::Arena arena;  // as an import's rows are
  int accepted = 0, rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    auto* a = google::protobuf::Arena::CreateMessage<v1::Attendee>(&arena);
    a->set_external_id("me");
    a->set_display_name("Me");
    std::vector<std::pair<std::string, uint32_t>> interests(rng() % 5);
    for (auto& [tag, weight] : interests) {
      tag = random_tag();
      weight = rng() % 20 == 0 ? 4 : rng() % 4;
      v1::Interest* in = a->add_interests();
      in->set_tag(tag);
      in->set_weight(weight);
    }
    std::vector<std::string> offers(rng() % 6), availability(rng() % 4), wants(rng() % 4);
    for (std::string& tag : offers) *a->add_offers() = tag = random_tag();
    for (std::string& id : availability)
      *a->add_availability() = id = slot_refs[rng() % slot_refs.size()];
    for (std::string& id : wants) *a->add_wants() = id = id_refs[rng() % id_refs.size()];

    // The reference, in NormalizeAttendee's order: interests, offers, availability, wants.
    absl::Status expected_error;
    auto want_interests = ReferenceInterests(interests);
    auto want_offers = ReferenceTags("offers", offers);
    std::vector<std::string> want_availability, want_wants;
    if (!want_interests.ok()) {
      expected_error = want_interests.status();
    } else if (!want_offers.ok()) {
      expected_error = want_offers.status();
    } else {
      for (size_t i = 0; i < availability.size() && expected_error.ok(); ++i) {
        std::string id = absl::AsciiStrToLower(absl::StripAsciiWhitespace(availability[i]));
        if (id != "s1" && id != "s2") {
          expected_error = absl::InvalidArgumentError(
              absl::StrCat("availability[", i, "]: no slot \"", id, "\" in event ", event.id()));
        } else if (std::find(want_availability.begin(), want_availability.end(), id) ==
                   want_availability.end()) {
          want_availability.push_back(id);
        }
      }
      for (size_t i = 0; i < wants.size() && expected_error.ok(); ++i) {
        std::string id = std::string(absl::StripAsciiWhitespace(wants[i]));
        const std::string field = absl::StrCat("wants[", i, "]");
        if (id.empty()) {
          expected_error = absl::InvalidArgumentError(field + ": required");
        } else if (id.find('\x01') != std::string::npos) {
          expected_error = absl::InvalidArgumentError(field + ": contains control characters");
        } else if (id == "me") {
          expected_error = absl::InvalidArgumentError(field + ": names the attendee themselves");
        } else if (std::find(want_wants.begin(), want_wants.end(), id) == want_wants.end()) {
          want_wants.push_back(id);
        }
      }
    }

    const absl::Status got = NormalizeAttendee(event, a);
    ASSERT_EQ(got, expected_error) << "round " << round;
    if (!got.ok()) {
      ++rejected;
      continue;
    }
    ++accepted;
    ASSERT_EQ(a->interests_size(), static_cast<int>(want_interests->size())) << "round " << round;
    for (int i = 0; i < a->interests_size(); ++i) {
      EXPECT_EQ(a->interests(i).tag(), (*want_interests)[i].first) << "round " << round;
      EXPECT_EQ(a->interests(i).weight(), (*want_interests)[i].second) << "round " << round;
    }
    EXPECT_EQ(ToVector(a->offers()), *want_offers) << "round " << round;
    EXPECT_EQ(ToVector(a->availability()), want_availability) << "round " << round;
    EXPECT_EQ(ToVector(a->wants()), want_wants) << "round " << round;
  }
  // Both outcomes were exercised, with enough of each to mean something.
  EXPECT_GT(accepted, 300);
  EXPECT_GT(rejected, 300);
}

// ICU's strict UTF-8 decoder (no overlong forms, no surrogates, nothing above U+10FFFF).
bool IcuIsValidUtf8(const std::string& text) {
  std::vector<UChar> out(text.size() + 1);
  int32_t length = 0;
  UErrorCode error = U_ZERO_ERROR;
  u_strFromUTF8(out.data(), static_cast<int32_t>(out.size()), &length, text.data(),
                static_cast<int32_t>(text.size()), &error);
  return U_SUCCESS(error);
}

TEST(IsValidUtf8Test, AgreesWithIcuAtEveryOffset) {
  std::mt19937 rng(11);
  const std::vector<std::string> pieces = {
      "a",    "bcdefgh", "\xC3\x9F",     "\xE2\x80\x83",    "\xF0\x9F\x9A\xB2",
      "\xC3", "\x80",    "\xED\xA0\x80", "0123456789abcdef"};
  int valid = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const int n = rng() % 8;
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    const bool expected = IcuIsValidUtf8(text);
    valid += expected;
    ASSERT_EQ(IsValidUtf8(text), expected) << absl::CEscape(text);
  }
  EXPECT_GT(valid, 500);
  EXPECT_LT(valid, 4500);
}

// Names and free text cannot reorder or hide what others read: bidirectional controls and
// zero-width characters go at validation; joiners stay where they join letters or emoji.
TEST(CheckTextTest, StripsBidiOverridesAndZeroWidthCharacters) {
  std::string name = "\u202Eevil\u202C Bob\u200B";  // RLO "evil" PDF, Bob, zero-width space
  ASSERT_TRUE(CheckText("display_name", &name, kMaxNameBytes, true).ok());
  EXPECT_EQ(name, "evil Bob");
  std::string isolates = "\u2066Ana\u2069\u200F \uFEFFLi\u2060";
  ASSERT_TRUE(CheckText("display_name", &isolates, kMaxNameBytes, true).ok());
  EXPECT_EQ(isolates, "Ana Li");
  // Persian "mi-khaham" needs its ZWNJ; a family emoji needs its ZWJs.
  std::string persian = "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645";
  const std::string persian_before = persian;
  ASSERT_TRUE(CheckText("bio", &persian, kMaxBioBytes, false).ok());
  EXPECT_EQ(persian, persian_before);
  std::string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
  const std::string family_before = family;
  ASSERT_TRUE(CheckText("bio", &family, kMaxBioBytes, false).ok());
  EXPECT_EQ(family, family_before);
  // A joiner that joins nothing: at an edge or beside a space.
  std::string edges = "\u200DJo \u200CKim\u200D";
  ASSERT_TRUE(CheckText("display_name", &edges, kMaxNameBytes, true).ok());
  EXPECT_EQ(edges, "Jo Kim");
}

TEST(CheckTextTest, ANameOfOnlyInvisibleCharactersIsEmpty) {
  std::string blank = "\u200B\u3164\u202E\u200D";
  const absl::Status s = CheckText("display_name", &blank, kMaxNameBytes, true);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), ::testing::HasSubstr("display_name: required"));
}

// The text checks read eight bytes at a time: a control character, DEL or an invisible
// character is found at every offset of a long field, and bytes around the limits (0x1f/0x20,
// 0x7e/0x7f/0x80) are told apart.
TEST(CheckTextTest, FindsControlAndInvisibleCharactersAtEveryOffset) {
  const std::string printable = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ~!";
  for (size_t at = 1; at + 1 < printable.size(); ++at) {
    for (char bad : {'\x01', '\x1f', '\x7f', '\x0b'}) {
      std::string text = printable;
      text[at] = bad;
      const absl::Status s = CheckText("bio", &text, kMaxBioBytes, false, /*multiline=*/true);
      EXPECT_THAT(s.message(), ::testing::HasSubstr("bio: contains control characters"))
          << "offset " << at << " byte " << static_cast<int>(bad);
    }
    for (char allowed : {'\n', '\t', ' ', '\x7e'}) {
      std::string text = printable;
      text[at] = allowed;
      EXPECT_TRUE(CheckText("bio", &text, kMaxBioBytes, false, /*multiline=*/true).ok())
          << "offset " << at << " byte " << static_cast<int>(allowed);
    }
    std::string name = printable;
    name[at] = '\n';
    EXPECT_FALSE(CheckText("display_name", &name, kMaxNameBytes, true).ok()) << "offset " << at;
    std::string hidden = printable;
    hidden.insert(at, "\u200B");  // zero width space, after an ASCII prefix of `at` bytes
    ASSERT_TRUE(CheckText("display_name", &hidden, kMaxNameBytes, true).ok());
    EXPECT_EQ(hidden, printable) << "offset " << at;
    std::string a = printable;
    std::string b = absl::AsciiStrToUpper(printable);
    a.insert(at, "\xC3\x84");  // Ä in one, ä in the other: equal only once folded
    b.insert(at, "\xC3\xA4");
    EXPECT_TRUE(SameTag(a, b)) << "offset " << at;
    b[b.size() - 1 - (at % 3)] = '#';
    EXPECT_FALSE(SameTag(a, b)) << "offset " << at;
  }
}

TEST(NormalizeTagTest, StripsInvisibleCharactersToo) {
  EXPECT_EQ(*NormalizeTag("Ru\u200Bst", "t"), "rust");
  EXPECT_EQ(*NormalizeTag("\u202ECaf\u00E9", "t"), "caf\u00E9");
}

TEST(NormalizeAttendeeTest, StripsInvisibleCharactersFromEveryTextField) {
  v1::Event event;
  ASSERT_TRUE(NormalizeEvent((event.set_name("E"), &event)).ok());
  v1::Attendee a;
  a.set_external_id("x");
  a.set_display_name("\u202EAdmin");
  a.set_organisation("\u200BAcme");
  a.set_bio("hi\u2067 there");
  ASSERT_TRUE(NormalizeAttendee(event, &a).ok());
  EXPECT_EQ(a.display_name(), "Admin");
  EXPECT_EQ(a.organisation(), "Acme");
  EXPECT_EQ(a.bio(), "hi there");
}

TEST(QuotedTest, EchoesShortInputWholeAndLongInputCut) {
  EXPECT_EQ(Quoted("abc"), "\"abc\"");
  EXPECT_EQ(Quoted("a\nb"), "\"a?b\"");
  const std::string big(100000, 'p');
  const std::string quoted = Quoted(big);
  EXPECT_LE(quoted.size(), kMaxEchoBytes + 32);
  EXPECT_THAT(quoted, ::testing::HasSubstr("(100000 bytes)"));
  // Never cut inside a character: 40 two-byte characters.
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\u00E9";
  const std::string cut = Quoted(accents);
  EXPECT_TRUE(IsValidUtf8(cut)) << cut;
}

TEST(QuotedTest, ALongFieldMaskPathIsNotEchoedWhole) {
  v1::Attendee patch;
  google::protobuf::FieldMask mask;
  mask.add_paths(std::string(100000, 'x'));
  v1::Event event;
  ASSERT_TRUE(NormalizeEvent((event.set_name("E"), &event)).ok());
  v1::Attendee target;
  const absl::Status s = PatchAttendee(event, patch, mask, {"bio"}, &target);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_LT(s.message().size(), 300u) << s.message().substr(0, 300);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("update_mask"));
}

}  // namespace
}  // namespace parley::services
