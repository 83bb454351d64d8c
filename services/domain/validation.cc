#include "services/domain/validation.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/domain/field_mask.h"
#include "services/domain/languages.h"

namespace parley::services {
namespace {

// A field name for error messages, "list[index]" formatted only when an error names it: the
// import path validates a dozen lists per row and must not build a string per entry.
struct Field {
  explicit Field(absl::string_view name) : name(name) {}
  Field(absl::string_view list, int index) : name(list), index(index) {}
  std::string str() const {
    return index < 0 ? std::string(name) : absl::StrCat(name, "[", index, "]");
  }
  absl::string_view name;
  int index = -1;
};

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}
absl::Status Invalid(const Field& field, absl::string_view what) {
  return Invalid(field.str(), what);
}

std::string Indexed(absl::string_view list, size_t i) { return absl::StrCat(list, "[", i, "]"); }

// Keeps the first `kept` entries of `list` and drops the rest (the entries a normalisation
// compacted away).
template <typename T>
void Truncate(google::protobuf::RepeatedPtrField<T>* list, int kept) {
  if (kept < list->size()) list->DeleteSubrange(kept, list->size() - kept);
}

// Eight bytes at a time: the import checks every field of every row, and most text is
// printable ASCII.
constexpr uint64_t kEveryByte = 0x0101010101010101ull;
constexpr uint64_t kHighBits = 0x8080808080808080ull;

uint64_t LoadWord(const char* s) {
  uint64_t word;
  std::memcpy(&word, s, 8);
  return word;
}

// Whether some byte of `word` is below `limit` (at most 0x80); exact, with no false positives.
bool HasByteBelow(uint64_t word, uint8_t limit) {
  return ((word - kEveryByte * limit) & ~word & kHighBits) != 0;
}

// The length of the ASCII prefix of `text`.
size_t AsciiPrefix(absl::string_view text) {
  const size_t n = text.size();
  size_t i = 0;
  while (i + 8 <= n && (LoadWord(text.data() + i) & kHighBits) == 0) i += 8;
  while (i < n && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  return i;
}

bool HasControl(absl::string_view text, bool multiline) {
  size_t i = 0;
  // Skips words with neither a byte below 0x20 nor 0x7f (0x7f ^ 0x7f is the only byte zero).
  while (i + 8 <= text.size()) {
    const uint64_t word = LoadWord(text.data() + i);
    if (HasByteBelow(word, 0x20) || HasByteBelow(word ^ (kEveryByte * 0x7f), 1)) break;
    i += 8;
  }
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x7f) return true;
    if (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) return true;
  }
  return false;
}

// Characters that change how text around them is shown while showing nothing themselves:
// bidirectional embeddings, overrides, isolates and marks (an RTL override makes "gpj.exe"
// read "exe.jpg"), zero-width spaces and joiners, and the fillers that make a name look blank.
bool IsInvisibleFormat(UChar32 cp) {
  switch (cp) {
    case 0x00AD:  // soft hyphen
    case 0x034F:  // combining grapheme joiner
    case 0x061C:  // Arabic letter mark
    case 0x115F:  // Hangul choseong filler
    case 0x1160:  // Hangul jungseong filler
    case 0x180E:  // Mongolian vowel separator
    case 0x200B:  // zero width space
    case 0x200E:  // left-to-right mark
    case 0x200F:  // right-to-left mark
    case 0x3164:  // Hangul filler
    case 0xFEFF:  // zero width no-break space (BOM)
    case 0xFFA0:  // halfwidth Hangul filler
      return true;
    default:
      return (cp >= 0x202A && cp <= 0x202E) ||  // embeddings and overrides
             (cp >= 0x2060 && cp <= 0x2064) ||  // word joiner, invisible operators
             (cp >= 0x2066 && cp <= 0x2069);    // isolates
  }
}

// Zero-width (non-)joiners shape the letters on both sides (Persian, Indic scripts, emoji
// sequences) and are kept there; anywhere else (an edge, beside a space or another
// invisible character) they only hide something.
bool IsJoiner(UChar32 cp) { return cp == 0x200C || cp == 0x200D; }

// Removes what IsInvisibleFormat names, and joiners that join nothing, from valid UTF-8. The
// one place this rule lives: CheckTextField (every name and free text) and tag normalisation
// call it.
void StripInvisible(std::string* text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text->data());
  const int32_t n = static_cast<int32_t>(text->size());
  auto i = static_cast<int32_t>(AsciiPrefix(*text));
  if (i == n) return;  // ASCII: nothing to strip
  // Most non-ASCII text has none of them either: look before copying.
  bool any = false;
  for (int32_t j = i; j < n && !any;) {
    UChar32 cp;
    U8_NEXT(s, j, n, cp);
    any = IsInvisibleFormat(cp) || IsJoiner(cp);
  }
  if (!any) return;
  std::string out(text->data(), i);
  UChar32 previous = i > 0 ? s[i - 1] : -1;  // last character kept
  while (i < n) {
    const int32_t start = i;
    UChar32 cp;
    U8_NEXT(s, i, n, cp);
    if (cp < 0) {  // invalid UTF-8: callers check first; keep the bytes as they are
      out.append(text->data() + start, i - start);
      continue;
    }
    if (IsInvisibleFormat(cp)) continue;
    if (IsJoiner(cp)) {
      UChar32 next = -1;
      if (i < n) {
        int32_t j = i;
        U8_NEXT(s, j, n, next);
      }
      const auto joinable = [](UChar32 c) {
        return c >= 0 && !u_isUWhiteSpace(c) && !IsInvisibleFormat(c) && !IsJoiner(c);
      };
      if (!joinable(previous) || !joinable(next)) continue;
    }
    out.append(text->data() + start, i - start);
    previous = cp;
  }
  *text = std::move(out);
}

// Ids of slots and locations: short, stable, safe in CSV files and URLs.
absl::Status NormalizeShortId(absl::string_view field, std::string* id) {
  std::string lowered = absl::AsciiStrToLower(absl::StripAsciiWhitespace(*id));
  if (lowered.empty()) return Invalid(field, "required");
  if (lowered.size() > 32) return Invalid(field, "longer than 32 bytes");
  for (char c : lowered) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return Invalid(field, absl::StrCat(Quoted(lowered), " may contain only a-z, 0-9, _ and -"));
    }
  }
  *id = std::move(lowered);
  return absl::OkStatus();
}

// Profile lists hold at most kMaxListEntries short entries: a linear scan beats hashing and
// allocates nothing, which matters on the import path (a dozen lists per row).
// Whether the first `n` entries of `list` hold `value`.
bool ContainsInFirst(const google::protobuf::RepeatedPtrField<std::string>& list, int n,
                     absl::string_view value) {
  return std::find(list.begin(), list.begin() + n, value) != list.begin() + n;
}

// True if NormalizeTag (SpellTag when `keep_case`) would return `tag` as it is and accept it:
// printable ASCII (without upper case unless `keep_case`), single spaces between words only, not
// empty. Most tags of an import already are, and need neither a copy nor ICU.
bool IsNormalAsciiTag(absl::string_view tag, bool keep_case) {
  char previous = ' ';  // so that a leading space is not normal
  for (char c : tag) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || (!keep_case && c >= 'A' && c <= 'Z')) return false;
    if (c == ' ' && previous == ' ') return false;
    previous = c;
  }
  return previous != ' ' && tag.size() <= kMaxTagBytes;
}

absl::StatusOr<std::string> NormalizeTagField(absl::string_view tag, const Field& field,
                                              bool keep_case = false);

// NormalizeTag (SpellTag when `keep_case`), in place.
absl::Status NormalizeTagInPlace(std::string* tag, const Field& field, bool keep_case) {
  if (IsNormalAsciiTag(*tag, keep_case)) return absl::OkStatus();
  absl::StatusOr<std::string> normal = NormalizeTagField(*tag, field, keep_case);
  if (!normal.ok()) return normal.status();
  *tag = *std::move(normal);
  return absl::OkStatus();
}

// The tags a list kept so far, for the repeat check of the next one (SameTag on each pair). Lists
// are deduplicated pairwise, dozens of comparisons per imported row: each tag's ASCII scan is
// done once, when it is kept, instead of once per comparison.
class KeptTags {
 public:
  // Whether `tag` is the same tag as one kept. If not, Keep(tag) may follow.
  bool Contains(absl::string_view tag) {
    ascii_ = AsciiPrefix(tag) == tag.size();
    for (size_t i = 0; i < size_; ++i) {
      const absl::string_view seen = kept_[i];
      if (ascii_ && kept_ascii_[i]) {
        // For ASCII, folding is tolower: no fold changes the length.
        if (seen.size() == tag.size() && absl::EqualsIgnoreCase(seen, tag)) return true;
      } else if (SameTag(seen, tag)) {
        return true;
      }
    }
    return false;
  }
  // `tag` must outlive this object, unchanged.
  void Keep(absl::string_view tag) {
    assert(size_ < kMaxListEntries);
    kept_[size_] = tag;
    kept_ascii_[size_] = ascii_;
    ++size_;
  }

 private:
  absl::string_view kept_[kMaxListEntries];
  bool kept_ascii_[kMaxListEntries];
  size_t size_ = 0;
  bool ascii_ = false;  // of the tag Contains() saw last
};

// Normalises every tag of `tags` in place (keeping the spelling when `keep_case`) and drops
// repeats of the same tag, keeping first positions.
absl::Status NormalizeTagList(absl::string_view list,
                              google::protobuf::RepeatedPtrField<std::string>* tags,
                              bool keep_case) {
  if (static_cast<size_t>(tags->size()) > kMaxListEntries) {
    return Invalid(list, absl::StrCat("more than ", kMaxListEntries, " entries"));
  }
  int kept = 0;
  KeptTags seen;  // with keep_case; without, the normal forms compare as bytes
  for (int i = 0; i < tags->size(); ++i) {
    absl::Status s = NormalizeTagInPlace(tags->Mutable(i), Field(list, i), keep_case);
    if (!s.ok()) return s;
    if (keep_case ? seen.Contains(tags->Get(i)) : ContainsInFirst(*tags, kept, tags->Get(i))) {
      continue;
    }
    if (kept != i) tags->SwapElements(kept, i);
    // After the swap: the kept string is the one at `kept` (swapping moves pointers, not bytes).
    if (keep_case) seen.Keep(tags->Get(kept));
    ++kept;
  }
  Truncate(tags, kept);
  return absl::OkStatus();
}

absl::Status CheckTextField(const Field& field, std::string* value, size_t max_bytes, bool required,
                            bool multiline = false);

absl::Status NormalizeIdList(absl::string_view list, absl::string_view self,
                             google::protobuf::RepeatedPtrField<std::string>* ids,
                             size_t max_entries = kMaxListEntries) {
  if (static_cast<size_t>(ids->size()) > max_entries) {
    return Invalid(list, absl::StrCat("more than ", max_entries, " entries"));
  }
  int kept = 0;
  for (int i = 0; i < ids->size(); ++i) {
    std::string* id = ids->Mutable(i);
    absl::Status s = CheckTextField(Field(list, i), id, kMaxExternalIdBytes, /*required=*/true);
    if (!s.ok()) return s;
    if (*id == self) return Invalid(Field(list, i), "names the attendee themselves");
    if (ContainsInFirst(*ids, kept, *id)) continue;
    if (kept != i) ids->SwapElements(kept, i);
    ++kept;
  }
  Truncate(ids, kept);
  return absl::OkStatus();
}

}  // namespace

std::string Quoted(absl::string_view input) {
  size_t keep = input.size();
  if (keep > kMaxEchoBytes) {
    keep = kMaxEchoBytes;
    // Back up to the start of a character.
    while (keep > 0 && (static_cast<unsigned char>(input[keep]) & 0xC0) == 0x80) --keep;
  }
  std::string out = "\"";
  for (char c : input.substr(0, keep)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  out.push_back('"');
  if (keep < input.size()) absl::StrAppend(&out, "... (", input.size(), " bytes)");
  return out;
}

bool IsValidUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Eight ASCII bytes at a time: most text is ASCII.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s + i, 8);
      if ((word & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// For ASCII, NFC is the identity and case folding is tolower, so most tags need no ICU.
std::optional<std::string> NormalizeAsciiTag(absl::string_view tag, bool keep_case) {
  std::string out;
  out.reserve(tag.size());
  bool pending_space = false;
  for (char c : tag) {
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(keep_case ? c : absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

absl::StatusOr<std::string> NormalizeTag(absl::string_view tag, absl::string_view field) {
  return NormalizeTagField(tag, Field(field));
}

absl::StatusOr<std::string> SpellTag(absl::string_view tag, absl::string_view field) {
  return NormalizeTagField(tag, Field(field), /*keep_case=*/true);
}

bool SameTag(absl::string_view a, absl::string_view b) {
  // Spellings have their whitespace normalised already; for ASCII, folding is tolower. Profile
  // lists are deduplicated pairwise, so this runs dozens of times per imported row.
  if (AsciiPrefix(a) == a.size() && AsciiPrefix(b) == b.size()) {
    return absl::EqualsIgnoreCase(a, b);
  }
  absl::StatusOr<std::string> x = NormalizeTag(a, ""), y = NormalizeTag(b, "");
  return x.ok() && y.ok() && *x == *y;
}

namespace {

absl::StatusOr<std::string> NormalizeTagField(absl::string_view tag, const Field& field,
                                              bool keep_case) {
  if (HasControl(tag, /*multiline=*/true)) return Invalid(field, "contains control characters");
  if (std::optional<std::string> ascii = NormalizeAsciiTag(tag, keep_case)) {
    if (ascii->empty()) return Invalid(field, "empty tag");
    if (ascii->size() > kMaxTagBytes) {
      return Invalid(field, absl::StrCat("tag longer than ", kMaxTagBytes, " bytes"));
    }
    return *std::move(ascii);
  }
  if (!IsValidUtf8(tag)) return Invalid(field, "not valid UTF-8");
  std::string visible(tag);
  StripInvisible(&visible);
  // Case folding can produce denormalised sequences, so fold first and compose after.
  icu::UnicodeString folded = icu::UnicodeString::fromUTF8(
      icu::StringPiece(visible.data(), static_cast<int32_t>(visible.size())));
  if (!keep_case) folded.foldCase();
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_FAILURE(error)) return absl::InternalError("ICU NFC normaliser unavailable");
  icu::UnicodeString composed = nfc->normalize(folded, error);
  if (U_FAILURE(error)) return Invalid(field, "cannot be normalised");
  icu::UnicodeString collapsed;
  bool pending_space = false;
  for (int32_t i = 0; i < composed.length();) {
    const UChar32 cp = composed.char32At(i);
    i += U16_LENGTH(cp);
    if (u_isUWhiteSpace(cp)) {
      pending_space = !collapsed.isEmpty();
      continue;
    }
    if (pending_space) collapsed.append(static_cast<UChar>(' '));
    pending_space = false;
    collapsed.append(cp);
  }
  std::string out;
  collapsed.toUTF8String(out);
  if (out.empty()) return Invalid(field, "empty tag");
  if (out.size() > kMaxTagBytes) {
    return Invalid(field, absl::StrCat("tag longer than ", kMaxTagBytes, " bytes"));
  }
  return out;
}

absl::Status CheckTextField(const Field& field, std::string* value, size_t max_bytes, bool required,
                            bool multiline) {
  if (!IsValidUtf8(*value)) return Invalid(field, "not valid UTF-8");
  StripInvisible(value);
  absl::string_view stripped = absl::StripAsciiWhitespace(*value);
  if (stripped.size() != value->size()) *value = std::string(stripped);
  if (required && value->empty()) return Invalid(field, "required");
  if (value->size() > max_bytes) {
    return Invalid(field, absl::StrCat("longer than ", max_bytes, " bytes"));
  }
  if (HasControl(*value, multiline)) return Invalid(field, "contains control characters");
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckText(absl::string_view field, std::string* value, size_t max_bytes, bool required,
                       bool multiline) {
  return CheckTextField(Field(field), value, max_bytes, required, multiline);
}

absl::Status NormalizeEvent(v1::Event* event) {
  absl::Status s = CheckText("name", event->mutable_name(), kMaxNameBytes, /*required=*/true);
  if (!s.ok()) return s;
  std::string* tz = event->mutable_time_zone();
  *tz = std::string(absl::StripAsciiWhitespace(*tz));
  if (tz->empty()) *tz = "UTC";
  if (tz->size() > 64) return Invalid("time_zone", "longer than 64 bytes");
  for (char c : *tz) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '/' && c != '+' &&
        c != '-') {
      return Invalid("time_zone", absl::StrCat(Quoted(*tz), " is not an IANA time zone name"));
    }
  }
  if (static_cast<size_t>(event->slots_size()) > kMaxSlots) {
    return Invalid("slots", absl::StrCat("more than ", kMaxSlots, " slots"));
  }
  absl::flat_hash_set<std::string> slot_ids;
  for (int i = 0; i < event->slots_size(); ++i) {
    v1::Slot* slot = event->mutable_slots(i);
    const std::string field = Indexed("slots", i);
    s = NormalizeShortId(absl::StrCat(field, ".id"), slot->mutable_id());
    if (!s.ok()) return s;
    if (!slot_ids.insert(slot->id()).second) {
      return Invalid(absl::StrCat(field, ".id"),
                     absl::StrCat("duplicate slot id ", Quoted(slot->id())));
    }
    s = CheckText(absl::StrCat(field, ".name"), slot->mutable_name(), kMaxNameBytes, false);
    if (!s.ok()) return s;
    if (slot->start_time() <= 0) return Invalid(absl::StrCat(field, ".start_time"), "required");
    if (slot->end_time() <= slot->start_time()) {
      return Invalid(absl::StrCat(field, ".end_time"), "must be after start_time");
    }
  }
  if (static_cast<size_t>(event->locations_size()) > kMaxLocations) {
    return Invalid("locations", absl::StrCat("more than ", kMaxLocations, " locations"));
  }
  absl::flat_hash_set<std::string> location_ids;
  for (int i = 0; i < event->locations_size(); ++i) {
    v1::Location* location = event->mutable_locations(i);
    const std::string field = Indexed("locations", i);
    s = NormalizeShortId(absl::StrCat(field, ".id"), location->mutable_id());
    if (!s.ok()) return s;
    if (!location_ids.insert(location->id()).second) {
      return Invalid(absl::StrCat(field, ".id"),
                     absl::StrCat("duplicate location id ", Quoted(location->id())));
    }
    s = CheckText(absl::StrCat(field, ".name"), location->mutable_name(), kMaxNameBytes, false);
    if (!s.ok()) return s;
    if (location->tables() < 1 || location->tables() > kMaxTables) {
      return Invalid(absl::StrCat(field, ".tables"), absl::StrCat("must be 1..", kMaxTables));
    }
    s = CheckText(absl::StrCat(field, ".virtual_link"), location->mutable_virtual_link(),
                  kMaxLinkBytes, false);
    if (!s.ok()) return s;
  }
  v1::EventPolicy* policy = event->mutable_policy();
  if (policy->max_meetings() == 0) policy->set_max_meetings(kDefaultMaxMeetings);
  if (policy->max_meetings() > kMaxMeetings) {
    return Invalid("policy.max_meetings", absl::StrCat("must be 1..", kMaxMeetings));
  }
  if (policy->default_meetings() == 0) {
    policy->set_default_meetings(std::min(kDefaultMeetings, policy->max_meetings()));
  }
  if (policy->default_meetings() > policy->max_meetings()) {
    return Invalid("policy.default_meetings",
                   absl::StrCat("must be at most max_meetings (", policy->max_meetings(), ")"));
  }
  if (!policy->has_rematch_freeze_days()) {
    policy->set_rematch_freeze_days(kDefaultRematchFreezeDays);
  }
  if (policy->rematch_freeze_days() > 36500) {
    return Invalid("policy.rematch_freeze_days", "must be at most 36500");
  }
  if (!policy->has_proposal_expiry_minutes()) {
    policy->set_proposal_expiry_minutes(kDefaultProposalExpiryMinutes);
  }
  if (policy->proposal_expiry_minutes() > 60 * 24 * 365) {
    return Invalid("policy.proposal_expiry_minutes", "must be at most 525600 (a year)");
  }
  return absl::OkStatus();
}

absl::Status NormalizeAttendee(const v1::Event& event, v1::Attendee* a) {
  absl::Status s = CheckText("external_id", a->mutable_external_id(), kMaxExternalIdBytes, true);
  if (!s.ok()) return s;
  s = CheckText("display_name", a->mutable_display_name(), kMaxNameBytes, true);
  if (!s.ok()) return s;
  s = CheckText("email", a->mutable_email(), kMaxEmailBytes, false);
  if (!s.ok()) return s;
  if (!a->email().empty() && a->email().find('@') == std::string::npos) {
    return Invalid("email", absl::StrCat(Quoted(a->email()), " is not an email address"));
  }
  s = CheckText("phone", a->mutable_phone(), kMaxPhoneBytes, false);
  if (!s.ok()) return s;
  s = CheckText("organisation", a->mutable_organisation(), kMaxNameBytes, false);
  if (!s.ok()) return s;
  s = CheckText("role", a->mutable_role(), kMaxNameBytes, false);
  if (!s.ok()) return s;
  s = CheckText("bio", a->mutable_bio(), kMaxBioBytes, false, /*multiline=*/true);
  if (!s.ok()) return s;
  s = CheckText("person_ref", a->mutable_person_ref(), kMaxExternalIdBytes, false);
  if (!s.ok()) return s;

  if (static_cast<size_t>(a->interests_size()) > kMaxListEntries) {
    return Invalid("interests", absl::StrCat("more than ", kMaxListEntries, " entries"));
  }
  // An interest listed twice keeps its strongest weight, at its first position. In place: the
  // first `kept` entries are the result so far.
  google::protobuf::RepeatedPtrField<v1::Interest>* interests = a->mutable_interests();
  int kept = 0;
  KeptTags seen;
  for (int i = 0; i < interests->size(); ++i) {
    v1::Interest* in = interests->Mutable(i);
    s = NormalizeTagInPlace(in->mutable_tag(), Field("interests", i), /*keep_case=*/true);
    if (!s.ok()) return s;
    const uint32_t weight = in->weight() == 0 ? 1 : in->weight();
    if (weight > 3) {
      return Invalid(absl::StrCat(Indexed("interests", i), ".weight"),
                     absl::StrCat("must be 1..3, got ", weight));
    }
    if (!seen.Contains(in->tag())) {
      in->set_weight(weight);
      if (kept != i) interests->SwapElements(kept, i);
      seen.Keep(interests->Get(kept).tag());
      ++kept;
    } else {
      // Rare: find which one, with the same rule.
      auto same =
          std::find_if(interests->begin(), interests->begin() + kept,
                       [&](const v1::Interest& other) { return SameTag(other.tag(), in->tag()); });
      same->set_weight(std::max(same->weight(), weight));
    }
  }
  Truncate(interests, kept);

  s = NormalizeTagList("offers", a->mutable_offers(), /*keep_case=*/true);
  if (!s.ok()) return s;
  s = NormalizeTagList("seeks", a->mutable_seeks(), /*keep_case=*/true);
  if (!s.ok()) return s;
  // "English", "eng" and "en" are one language (a hard constraint of matching): ISO 639-1
  // where ICU knows the language, else the text as written (normalised like a tag).
  for (std::string& language : *a->mutable_languages()) {
    if (std::optional<std::string> code = domain::LanguageCode(language)) language = *code;
  }
  s = NormalizeTagList("languages", a->mutable_languages(), /*keep_case=*/false);
  if (!s.ok()) return s;

  if (a->has_budget() && a->budget() > event.policy().max_meetings()) {
    return Invalid("budget", absl::StrCat("at most the event's max_meetings (",
                                          event.policy().max_meetings(), "), got ", a->budget()));
  }

  if (static_cast<size_t>(a->availability_size()) > kMaxSlots) {
    return Invalid("availability", absl::StrCat("more than ", kMaxSlots, " entries"));
  }
  google::protobuf::RepeatedPtrField<std::string>* availability = a->mutable_availability();
  kept = 0;
  for (int i = 0; i < availability->size(); ++i) {
    std::string* id = availability->Mutable(i);
    absl::string_view stripped = absl::StripAsciiWhitespace(*id);
    if (stripped.size() != id->size()) *id = std::string(stripped);
    absl::AsciiStrToLower(id);
    if (std::none_of(event.slots().begin(), event.slots().end(),
                     [&](const v1::Slot& slot) { return slot.id() == *id; })) {
      return Invalid(Field("availability", i),
                     absl::StrCat("no slot ", Quoted(*id), " in event ", event.id()));
    }
    if (ContainsInFirst(*availability, kept, *id)) continue;
    if (kept != i) availability->SwapElements(kept, i);
    ++kept;
  }
  Truncate(availability, kept);

  s = NormalizeIdList("wants", a->external_id(), a->mutable_wants(), kMaxWishes);
  if (!s.ok()) return s;
  s = NormalizeIdList("avoid", a->external_id(), a->mutable_avoid());
  if (!s.ok()) return s;
  if (static_cast<size_t>(a->avoid_organisations_size()) > kMaxListEntries) {
    return Invalid("avoid_organisations", absl::StrCat("more than ", kMaxListEntries, " entries"));
  }
  for (int i = 0; i < a->avoid_organisations_size(); ++i) {
    s = CheckTextField(Field("avoid_organisations", i), a->mutable_avoid_organisations(i),
                       kMaxNameBytes, true);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status PatchAttendee(const v1::Event& event, const v1::Attendee& patch,
                           const google::protobuf::FieldMask& mask,
                           const absl::flat_hash_set<std::string>& allowed,
                           v1::Attendee* attendee) {
  absl::Status s = ApplyFieldMask(patch, mask, allowed, attendee);
  if (!s.ok()) return s;
  s = NormalizeAttendee(event, attendee);
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("attendee.", s.message()));
  return absl::OkStatus();
}

}  // namespace parley::services
