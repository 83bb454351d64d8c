#include "services/domain/import_csv.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/domain/csv_reader.h"
#include "services/domain/interest_text.h"
#include "services/domain/languages.h"
#include "services/domain/validation.h"

namespace parley::domain {
namespace {

using services::Quoted;

enum class Kind { kText, kList, kInterests, kBudget, kBool };

// Indexes into Fields(); never reordered without changing Fields().
enum F : size_t {
  kExternalId,
  kName,
  kEmail,
  kPhone,
  kOrganisation,
  kRole,
  kBio,
  kInterests,
  kOffers,
  kSeeks,
  kLanguages,
  kBudget,
  kAvailability,
  kPersonRef,
  kWants,
  kAvoid,
  kAvoidOrganisations,
  kPrefersQuiet,
  kWantsMeetings,
  kStatus,
  kFieldCount,
};

struct FieldInfo {
  std::string name;   // in mappings and the summary
  std::string proto;  // the Attendee field it fills; "" for wants_meetings and status
  Kind kind;
  // Header names (normalised as NormalizeHeader does) that mean this field.
  std::vector<std::string> aliases;
};

const std::vector<FieldInfo>& Fields() {
  static const auto* const fields = new std::vector<FieldInfo>{
      {"external_id",
       "external_id",
       Kind::kText,
       {"external id", "externalid", "id", "attendee #", "attendee id", "attendee no",
        "attendee number", "ticket reference", "ticket id", "registration id", "ticket #"}},
      {"name",
       "display_name",
       Kind::kText,
       {"name", "display name", "full name", "attendee name", "your name", "ticket full name",
        "participant name", "ticket name"}},
      {"email",
       "email",
       Kind::kText,
       {"email", "e mail", "email address", "e mail address", "ticket email", "your email",
        "attendee email", "ticket email address"}},
      {"phone",
       "phone",
       Kind::kText,
       {"phone", "phone number", "mobile", "mobile phone", "cell phone", "telephone",
        "ticket phone number"}},
      {"organisation",
       "organisation",
       Kind::kText,
       {"organisation", "organization", "company", "company name", "ticket company name",
        "employer", "affiliation", "org"}},
      {"role",
       "role",
       Kind::kText,
       {"role", "job title", "title", "position", "ticket job title", "job"}},
      {"bio",
       "bio",
       Kind::kText,
       {"bio", "about", "about you", "about me", "short bio", "biography"}},
      {"interests", "interests", Kind::kInterests, {"interests", "interest", "topics", "tags"}},
      {"offers", "offers", Kind::kList, {"offers", "offer", "can help with", "i can help with"}},
      {"seeks", "seeks", Kind::kList, {"seeks", "seek", "looking for", "i am looking for"}},
      {"languages",
       "languages",
       Kind::kList,
       {"languages", "language", "spoken languages", "languages spoken"}},
      {"budget", "budget", Kind::kBudget, {"budget", "meeting budget", "max meetings"}},
      {"availability", "availability", Kind::kList, {"availability", "available slots"}},
      {"person_ref", "person_ref", Kind::kText, {"person ref", "person id"}},
      {"wants", "wants", Kind::kList, {"wants"}},
      {"avoid", "avoid", Kind::kList, {"avoid"}},
      {"avoid_organisations",
       "avoid_organisations",
       Kind::kList,
       {"avoid organisations", "avoid organizations"}},
      {"prefers_quiet", "prefers_quiet", Kind::kBool, {"prefers quiet", "quiet"}},
      {"wants_meetings",
       "",
       Kind::kBool,
       {"wants meetings", "wants 1 1 meetings", "want 1 1 meetings", "1 1 meetings",
        "one to one meetings", "wants one to one meetings"}},
      {"status",
       "",
       Kind::kText,
       {"status", "attendee status", "ticket status", "registration status"}},
  };
  return *fields;
}

const std::vector<std::string>& FirstNameAliases() {
  static const auto* const a = new std::vector<std::string>{"first name", "firstname", "given name",
                                                            "first", "ticket first name"};
  return *a;
}
const std::vector<std::string>& LastNameAliases() {
  static const auto* const a = new std::vector<std::string>{
      "last name", "lastname", "surname", "family name", "last", "ticket last name"};
  return *a;
}

// Lower-cased, punctuation as spaces, runs of spaces as one, trimmed: "E-mail" -> "e mail",
// "Wants 1:1 meetings?" -> "wants 1 1 meetings". Bytes of non-ASCII characters are kept.
std::string NormalizeHeader(absl::string_view name) {
  std::string out;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(c) || c == '#' || u >= 0x80) {
      out.push_back(absl::ascii_tolower(c));
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::optional<size_t> FieldIndex(absl::string_view name) {
  std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  if (key == "display_name") key = "name";
  for (size_t f = 0; f < Fields().size(); ++f) {
    if (Fields()[f].name == key) return f;
  }
  return std::nullopt;
}

std::optional<bool> ParseYesNo(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "yes" || lower == "y" || lower == "true" || lower == "1") return true;
  if (lower == "no" || lower == "n" || lower == "false" || lower == "0") return false;
  return std::nullopt;
}

// A list cell: items trimmed, empty items skipped.
template <typename Add>
void SplitList(absl::string_view cell, char separator, Add add) {
  for (absl::string_view item : absl::StrSplit(cell, separator)) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) add(item);
  }
}

// `item` as an interest (interest_text.h). "" on success, else the problem.
std::string AddInterest(absl::string_view item, v1::Attendee* attendee) {
  const auto [tag, weight] = SplitInterestWeight(item);
  if (tag.empty()) return absl::StrCat("empty tag in ", Quoted(item));
  v1::Interest* interest = attendee->add_interests();
  interest->set_tag(std::string(tag));
  if (weight != 0) interest->set_weight(weight);
  return "";
}

std::string* MutableText(size_t field, v1::Attendee* a) {
  switch (field) {
    case kExternalId:
      return a->mutable_external_id();
    case kName:
      return a->mutable_display_name();
    case kEmail:
      return a->mutable_email();
    case kPhone:
      return a->mutable_phone();
    case kOrganisation:
      return a->mutable_organisation();
    case kRole:
      return a->mutable_role();
    case kBio:
      return a->mutable_bio();
    case kPersonRef:
      return a->mutable_person_ref();
    default:
      return nullptr;
  }
}

google::protobuf::RepeatedPtrField<std::string>* MutableList(size_t field, v1::Attendee* a) {
  switch (field) {
    case kOffers:
      return a->mutable_offers();
    case kSeeks:
      return a->mutable_seeks();
    case kLanguages:
      return a->mutable_languages();
    case kAvailability:
      return a->mutable_availability();
    case kWants:
      return a->mutable_wants();
    case kAvoid:
      return a->mutable_avoid();
    case kAvoidOrganisations:
      return a->mutable_avoid_organisations();
    default:
      return nullptr;
  }
}

// "A, B, C and 4 more", each quoted.
std::string ListSome(const std::vector<std::string>& items, size_t shown = 8) {
  std::vector<std::string> quoted;
  for (size_t i = 0; i < items.size() && i < shown; ++i) quoted.push_back(Quoted(items[i]));
  std::string out = absl::StrJoin(quoted, ", ");
  if (items.size() > shown) absl::StrAppend(&out, " and ", items.size() - shown, " more");
  return out;
}

// Everything ReadAttendeeCsv decides from the header and the options.
struct Plan {
  std::vector<std::string> header;
  uint32_t header_line = 1;
  // Per field: the columns it is read from (several are joined).
  std::vector<std::vector<size_t>> sources;
  std::vector<char> separators;
  bool external_id_from_email = false;
  absl::flat_hash_set<std::string> cancelled;  // lower-cased
};

std::string ColumnName(const Plan& plan, size_t column) {
  return absl::StrCat("column ", column + 1, " ", Quoted(plan.header[column]));
}

absl::Status HeaderError(const Plan& plan, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("header (line ", plan.header_line, "): ", problem));
}

// The column `name` names: the same text ignoring case and surrounding spaces, else the same
// after NormalizeHeader.
std::optional<size_t> FindColumn(const Plan& plan, absl::string_view name) {
  const std::string want = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  for (size_t c = 0; c < plan.header.size(); ++c) {
    if (absl::AsciiStrToLower(absl::StripAsciiWhitespace(plan.header[c])) == want) return c;
  }
  const std::string normal = NormalizeHeader(name);
  for (size_t c = 0; c < plan.header.size(); ++c) {
    if (NormalizeHeader(plan.header[c]) == normal) return c;
  }
  return std::nullopt;
}

absl::Status MapColumns(const v1::CsvImportOptions& options, Plan* plan, CsvImport* out) {
  const std::vector<FieldInfo>& fields = Fields();
  plan->sources.assign(fields.size(), {});
  std::vector<bool> used(plan->header.size(), false);
  std::vector<std::string> header_names;
  for (const std::string& h : plan->header) header_names.push_back(h);

  // Explicit mappings first, in field order (a protobuf map has none).
  std::map<std::string, std::string> mapping(options.mapping().begin(), options.mapping().end());
  for (const auto& [field, columns] : mapping) {
    std::optional<size_t> f = FieldIndex(field);
    if (!f.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("mapping: unknown field ", Quoted(field),
                                                     " (fields: ", absl::StrJoin(CsvFields(), ", "),
                                                     ")"));
    }
    std::vector<size_t> chosen;
    for (absl::string_view part : absl::StrSplit(columns, '+')) {
      std::optional<size_t> c = FindColumn(*plan, part);
      if (!c.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat("mapping: ", fields[*f].name, "=", Quoted(columns), ": no column ",
                         Quoted(absl::StripAsciiWhitespace(part)), " in the header (line ",
                         plan->header_line, "; columns: ", ListSome(header_names, 30), ")"));
      }
      chosen.push_back(*c);
      used[*c] = true;
    }
    plan->sources[*f] = std::move(chosen);
  }
  // Aliases: the first unused column whose name is one.
  std::vector<std::string> normal(plan->header.size());
  for (size_t c = 0; c < plan->header.size(); ++c) normal[c] = NormalizeHeader(plan->header[c]);
  auto find_alias = [&](const std::vector<std::string>& aliases) -> std::optional<size_t> {
    for (size_t c = 0; c < normal.size(); ++c) {
      if (used[c] || normal[c].empty()) continue;
      if (std::find(aliases.begin(), aliases.end(), normal[c]) != aliases.end()) return c;
    }
    return std::nullopt;
  };
  for (size_t f = 0; f < fields.size(); ++f) {
    if (!plan->sources[f].empty() || mapping.count(fields[f].name) > 0) continue;
    if (std::optional<size_t> c = find_alias(fields[f].aliases)) {
      plan->sources[f] = {*c};
      used[*c] = true;
    }
  }
  if (plan->sources[kName].empty()) {
    std::optional<size_t> first = find_alias(FirstNameAliases());
    if (first.has_value()) used[*first] = true;
    std::optional<size_t> last = find_alias(LastNameAliases());
    if (last.has_value()) used[*last] = true;
    if (first.has_value()) plan->sources[kName].push_back(*first);
    if (last.has_value()) plan->sources[kName].push_back(*last);
  }
  if (plan->sources[kExternalId].empty() && !plan->sources[kEmail].empty()) {
    plan->sources[kExternalId] = plan->sources[kEmail];
    plan->external_id_from_email = true;
    out->summary.add_warnings(
        absl::StrCat("no external_id column: attendees are identified by their email (",
                     ColumnName(*plan, plan->sources[kEmail][0]),
                     "); map a registration id with external_id=COLUMN to keep them apart "
                     "when an email changes"));
  }
  std::vector<std::string> missing;
  if (plan->sources[kExternalId].empty()) {
    missing.push_back(
        "external_id (map a per-person id column, e.g. external_id='Attendee #'; an "
        "'Order #' is shared by a group order)");
  }
  if (plan->sources[kName].empty()) {
    missing.push_back("name (map e.g. name='First Name+Last Name')");
  }
  if (!missing.empty()) {
    return HeaderError(*plan,
                       absl::StrCat("no column for ", absl::StrJoin(missing, "; no column for "),
                                    "; columns: ", ListSome(header_names, 30)));
  }

  std::vector<std::string> ignored;
  for (size_t c = 0; c < plan->header.size(); ++c) {
    if (used[c] || absl::StripAsciiWhitespace(plan->header[c]).empty()) continue;
    ignored.push_back(plan->header[c]);
    out->summary.add_ignored_columns(plan->header[c]);
  }
  if (!ignored.empty()) {
    if (options.strict()) {
      return HeaderError(
          *plan, absl::StrCat(ignored.size(), ignored.size() == 1 ? " column maps" : " columns map",
                              " to no field (strict): ", ListSome(ignored),
                              "; map them or leave out strict"));
    }
    out->summary.add_warnings(absl::StrCat("ignored ", ignored.size(), " column",
                                           ignored.size() == 1 ? " that maps" : "s that map",
                                           " to no field: ", ListSome(ignored)));
  }

  // Separators given for list fields.
  plan->separators.assign(fields.size(), 0);
  std::map<std::string, std::string> separators(options.separators().begin(),
                                                options.separators().end());
  for (const auto& [field, separator] : separators) {
    std::optional<size_t> f = FieldIndex(field);
    if (!f.has_value() || (fields[*f].kind != Kind::kList && fields[*f].kind != Kind::kInterests)) {
      return absl::InvalidArgumentError(absl::StrCat("separators: ", Quoted(field),
                                                     " is not a list field (interests, offers, "
                                                     "seeks, languages, availability, wants, "
                                                     "avoid, avoid_organisations)"));
    }
    if (separator != ";" && separator != "," && separator != "|") {
      return absl::InvalidArgumentError(absl::StrCat("separators: ", fields[*f].name, "=",
                                                     Quoted(separator),
                                                     ": one of \";\", \",\" and \"|\""));
    }
    plan->separators[*f] = separator[0];
  }

  for (size_t f = 0; f < fields.size(); ++f) {
    if (plan->sources[f].empty()) continue;
    std::vector<std::string> names;
    for (size_t c : plan->sources[f]) names.push_back(plan->header[c]);
    const std::string& key = fields[f].proto.empty() ? fields[f].name : fields[f].proto;
    std::vector<std::string> described;
    for (size_t c : plan->sources[f]) described.push_back(ColumnName(*plan, c));
    out->column_of_field[key] = absl::StrJoin(described, " + ");
  }
  plan->cancelled.clear();
  if (options.cancelled_values().empty()) {
    for (const std::string& v : DefaultCancelledValues()) {
      plan->cancelled.insert(absl::AsciiStrToLower(v));
    }
  } else {
    for (const std::string& v : options.cancelled_values()) {
      plan->cancelled.insert(absl::AsciiStrToLower(absl::StripAsciiWhitespace(v)));
    }
  }
  return absl::OkStatus();
}

bool IsBlank(const CsvRecord& record) {
  return record.error.empty() &&
         std::all_of(record.fields.begin(), record.fields.end(),
                     [](const std::string& f) { return absl::StripAsciiWhitespace(f).empty(); });
}

// Chooses the separator of every list column the options leave open: ',' when the column has
// commas and no semicolons, else ';'. Observe() each data record until it returns false (every
// open column has shown a ';': the rest cannot change the choice), then Finish().
//
// A cell with neither ',' nor ';' splits the same under either separator, so rows can be read
// while columns are still open, with ';': only a comma in an open column makes the rest of the
// file matter (CommaPending()), and only then is it read ahead. A file with ';' lists or with a
// list column that stays empty is read once.
class SeparatorDetector {
 public:
  explicit SeparatorDetector(const Plan& plan)
      : plan_(plan), semicolon_(Fields().size(), false), comma_(Fields().size(), false) {
    const std::vector<FieldInfo>& fields = Fields();
    for (size_t f = 0; f < fields.size(); ++f) {
      const bool list = fields[f].kind == Kind::kList || fields[f].kind == Kind::kInterests;
      if (list && plan.separators[f] == 0 && !plan.sources[f].empty()) open_.push_back(f);
    }
    undecided_ = open_.size();
  }

  // False once nothing read later can change the choice.
  bool Observe(const CsvRecord& record) {
    for (size_t f : open_) {
      if (semicolon_[f]) continue;
      for (size_t c : plan_.sources[f]) {
        if (c >= record.fields.size()) continue;
        const std::string& cell = record.fields[c];
        if (cell.find(';') != std::string::npos) {
          semicolon_[f] = true;
          --undecided_;
          break;
        }
        if (cell.find(',') != std::string::npos) comma_[f] = true;
      }
    }
    return undecided_ > 0;
  }

  bool Undecided() const { return undecided_ > 0; }

  // True if an open column has shown a comma and no semicolon yet: its choice depends on the
  // records not read yet.
  bool CommaPending() const {
    for (size_t f : open_) {
      if (comma_[f] && !semicolon_[f]) return true;
    }
    return false;
  }

  // Sets every open entry (0) of `separators` to its choice.
  void Decide(std::vector<char>* separators) const;

 private:
  const Plan& plan_;
  std::vector<size_t> open_;
  std::vector<bool> semicolon_, comma_;
  size_t undecided_ = 0;
};

void SeparatorDetector::Decide(std::vector<char>* separators) const {
  for (size_t f = 0; f < separators->size(); ++f) {
    if ((*separators)[f] != 0) continue;
    (*separators)[f] = ';';
    if (std::find(open_.begin(), open_.end(), f) != open_.end() && comma_[f] && !semicolon_[f]) {
      (*separators)[f] = ',';
    }
  }
}

// The summary's line per mapped field, and a warning per list column read as comma-separated
// without being told (`chosen` holds the options' separators, 0 where open).
void DescribeColumns(const Plan& plan, const std::vector<char>& chosen, CsvImport* out) {
  const std::vector<FieldInfo>& fields = Fields();
  for (size_t f = 0; f < fields.size(); ++f) {
    if (chosen[f] == 0 && plan.separators[f] == ',') {
      out->summary.add_warnings(
          absl::StrCat(fields[f].name,
                       ": read as comma-separated (the column has commas and no semicolons); "
                       "set a separator for ",
                       fields[f].name, " if that is wrong"));
    }
  }
  for (size_t f = 0; f < fields.size(); ++f) {
    if (plan.sources[f].empty()) continue;
    std::vector<std::string> names;
    for (size_t c : plan.sources[f]) names.push_back(plan.header[c]);
    std::string line = absl::StrCat(fields[f].proto.empty() ? fields[f].name : fields[f].proto,
                                    " <- ", absl::StrJoin(names, " + "));
    if (f == kExternalId && plan.external_id_from_email) absl::StrAppend(&line, " (email)");
    if (fields[f].kind == Kind::kList || fields[f].kind == Kind::kInterests) {
      absl::StrAppend(&line, " (separated by '", std::string(1, plan.separators[f]), "')");
    }
    out->summary.add_columns(line);
  }
}

// Reads one data record into `row`. Returns false if the row is rejected (row->error set).
bool ReadRow(const Plan& plan, const CsvRecord& record, CsvImportRow* row,
             absl::flat_hash_map<std::string, size_t>* unknown_languages) {
  const std::vector<FieldInfo>& fields = Fields();
  auto prefix = [&](std::optional<size_t> column) {
    std::string p = absl::StrCat("row ", row->row_number, " (line ", row->line, ")");
    if (column.has_value() && *column < plan.header.size()) {
      absl::StrAppend(&p, ", ", ColumnName(plan, *column));
    } else if (column.has_value()) {
      absl::StrAppend(&p, ", column ", *column + 1);
    }
    return p;
  };
  auto reject = [&](std::optional<size_t> column, absl::string_view problem) {
    row->error = absl::StrCat(prefix(column), ": ", problem);
    return false;
  };
  if (!record.error.empty()) return reject(record.error_field, record.error);
  for (size_t c = plan.header.size(); c < record.fields.size(); ++c) {
    if (!absl::StripAsciiWhitespace(record.fields[c]).empty()) {
      return reject(
          c, absl::StrCat("the row has ", record.fields.size(), " fields but the header only ",
                          plan.header.size(), " (an unquoted comma?)"));
    }
  }
  auto cell = [&](size_t c) -> absl::string_view {
    if (c >= record.fields.size()) return "";
    return absl::StripAsciiWhitespace(record.fields[c]);
  };
  auto text = [&](size_t f) {
    std::string joined;
    for (size_t c : plan.sources[f]) {
      absl::string_view v = cell(c);
      if (v.empty()) continue;
      if (!joined.empty()) joined.push_back(' ');
      absl::StrAppend(&joined, v);
    }
    return joined;
  };
  v1::Attendee* a = &row->attendee;
  if (!plan.sources[kStatus].empty()) {
    row->status = text(kStatus);
    row->cancelled = plan.cancelled.contains(absl::AsciiStrToLower(row->status));
  }
  *a->mutable_external_id() = text(kExternalId);
  if (plan.external_id_from_email) absl::AsciiStrToLower(a->mutable_external_id());
  if (row->cancelled) return true;
  if (a->external_id().empty()) return reject(plan.sources[kExternalId][0], "external_id: empty");

  bool no_meetings = false;
  for (size_t f = 0; f < fields.size(); ++f) {
    if (f == kExternalId || f == kStatus || plan.sources[f].empty()) continue;
    switch (fields[f].kind) {
      case Kind::kText:
        *MutableText(f, a) = text(f);
        break;
      case Kind::kList:
      case Kind::kInterests:
        for (size_t c : plan.sources[f]) {
          std::string problem;
          SplitList(cell(c), plan.separators[f], [&](absl::string_view item) {
            if (f == kInterests) {
              if (problem.empty()) problem = AddInterest(item, a);
              return;
            }
            if (f == kLanguages && !LanguageCode(item).has_value()) {
              ++(*unknown_languages)[std::string(item)];
            }
            MutableList(f, a)->Add(std::string(item));
          });
          if (!problem.empty()) return reject(c, absl::StrCat(fields[f].name, ": ", problem));
        }
        break;
      case Kind::kBudget: {
        const size_t c = plan.sources[f][0];
        const std::string value = text(f);
        if (value.empty()) break;
        uint32_t budget = 0;
        if (!absl::SimpleAtoi(value, &budget) || value[0] == '-' || value[0] == '+') {
          return reject(c, absl::StrCat("budget: ", Quoted(value),
                                        " is not a number of meetings (0 or more)"));
        }
        a->set_budget(budget);
        break;
      }
      case Kind::kBool: {
        const size_t c = plan.sources[f][0];
        const std::string value = text(f);
        if (value.empty()) break;
        std::optional<bool> yes = ParseYesNo(value);
        if (!yes.has_value()) {
          return reject(c, absl::StrCat(fields[f].name, ": ", Quoted(value),
                                        " is not yes or no (yes/no, true/false, 1/0)"));
        }
        if (f == kPrefersQuiet) a->set_prefers_quiet(*yes);
        if (f == kWantsMeetings) no_meetings = !*yes;
        break;
      }
    }
  }
  // "Do you want 1:1 meetings? No" is an opt-out, whatever a budget column says.
  if (no_meetings) a->set_budget(0);
  return true;
}

}  // namespace

const std::vector<std::string>& DefaultCancelledValues() {
  static const auto* const values =
      new std::vector<std::string>{"Not Attending", "Cancelled", "Canceled", "Refunded"};
  return *values;
}

const std::vector<std::string>& CsvFields() {
  static const auto* const names = [] {
    auto* v = new std::vector<std::string>;
    for (const FieldInfo& f : Fields()) v->push_back(f.name);
    return v;
  }();
  return *names;
}

std::string CsvImport::DescribeError(const CsvImportRow& row, absl::string_view message) const {
  std::string out = absl::StrCat("row ", row.row_number, " (line ", row.line, ")");
  const size_t end = message.find_first_of("[:.");
  if (end != absl::string_view::npos) {
    auto it = column_of_field.find(std::string(message.substr(0, end)));
    if (it != column_of_field.end()) absl::StrAppend(&out, ", ", it->second);
  }
  absl::StrAppend(&out, ": ", message);
  return out;
}

absl::StatusOr<CsvImport> ReadAttendeeCsv(absl::string_view data,
                                          const v1::CsvImportOptions& options) {
  return ReadAttendeeCsv(data, options, CsvRowSink());
}

absl::StatusOr<CsvImport> ReadAttendeeCsv(absl::string_view data,
                                          const v1::CsvImportOptions& options,
                                          const CsvRowSink& on_row) {
  if (data.size() > kMaxCsvImportBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("file: ", data.size(), " bytes, at most ", kMaxCsvImportBytes));
  }
  CsvImport out;
  Plan plan;
  CsvReader reader(data);
  CsvRecord record;
  // Blank lines before the header are skipped, as spreadsheets sometimes write them.
  bool have_header = false;
  while (reader.Next(&record)) {
    if (IsBlank(record)) continue;
    have_header = true;
    break;
  }
  if (!have_header) return absl::InvalidArgumentError("file: empty, expected a header row");
  plan.header_line = record.line;
  if (!record.error.empty()) return HeaderError(plan, record.error);
  plan.header = record.fields;
  absl::Status mapped = MapColumns(options, &plan, &out);
  if (!mapped.ok()) return mapped;
  // The separators depend on whole columns (SeparatorDetector): open columns are read with ';'
  // until one shows a comma, and then the rest of the file is read ahead once to decide. Records
  // are read into one reused record: holding every record of a large file cost more
  // (allocating and freeing every field) than reading it twice, and rows start validating and
  // storing at once.
  SeparatorDetector separators(plan);
  const std::vector<char> chosen_separators = plan.separators;
  for (char& separator : plan.separators) {
    if (separator == 0) separator = ';';
  }
  bool separators_final = !separators.Undecided();
  // The record after the current one is where a read-ahead starts.
  auto decide_separators = [&](const CsvRecord& current, const CsvReader& after) {
    separators.Observe(current);
    if (!separators.Undecided()) {
      separators_final = true;
      return;
    }
    if (!separators.CommaPending()) return;
    CsvReader scan = after;
    CsvRecord ahead;
    while (separators.Undecided() && scan.Next(&ahead)) {
      if (!IsBlank(ahead)) separators.Observe(ahead);
    }
    plan.separators = chosen_separators;
    separators.Decide(&plan.separators);
    separators_final = true;
  };

  // external_id -> (row, line) of its first row, to refuse a second person under one id.
  absl::flat_hash_map<std::string, std::pair<uint32_t, uint32_t>> first_row;
  std::vector<std::string> duplicates;
  absl::flat_hash_map<std::string, size_t> unknown_languages;
  uint32_t row_number = 0;
  // Sized once, for at most one record per line break: the rows handed to on_row keep their
  // addresses.
  out.rows.reserve(static_cast<size_t>(std::count(data.begin(), data.end(), '\n')) + 1);
  // The duplicate check of `row` (read and not cancelled).
  auto check_unique = [&](CsvImportRow& row) {
    auto [it, inserted] =
        first_row.try_emplace(row.attendee.external_id(), row.row_number, row.line);
    if (inserted) return;
    if (std::find(duplicates.begin(), duplicates.end(), row.attendee.external_id()) ==
        duplicates.end()) {
      duplicates.push_back(row.attendee.external_id());
      out.summary.add_duplicate_external_ids(row.attendee.external_id());
    }
    row.error = absl::StrCat(
        "row ", row.row_number, " (line ", row.line, "), ",
        ColumnName(plan, plan.sources[kExternalId][0]), ": external_id ",
        Quoted(row.attendee.external_id()), " is also on row ", it->second.first, " (line ",
        it->second.second, "); one id per person: ",
        plan.external_id_from_email ? "two people share this email"
                                    : "a group order? map a per-attendee column to external_id");
  };
  while (reader.Next(&record)) {
    if (IsBlank(record)) continue;
    if (!separators_final) decide_separators(record, reader);
    CsvImportRow& row = out.rows.emplace_back();
    row.row_number = ++row_number;
    row.line = record.line;
    if (ReadRow(plan, record, &row, &unknown_languages) && !row.cancelled) check_unique(row);
    if (on_row) on_row(out, row);
  }
  DescribeColumns(plan, chosen_separators, &out);
  out.summary.set_rows(row_number);
  if (!duplicates.empty()) {
    out.summary.add_warnings(absl::StrCat(
        duplicates.size(), " external id", duplicates.size() == 1 ? " is" : "s are",
        " on more than one row (only the first row of each is imported): ", ListSome(duplicates)));
  }
  if (!unknown_languages.empty()) {
    std::vector<std::pair<std::string, size_t>> sorted(unknown_languages.begin(),
                                                       unknown_languages.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) {
      return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    std::vector<std::string> shown;
    for (size_t i = 0; i < sorted.size() && i < 5; ++i) {
      shown.push_back(absl::StrCat(Quoted(sorted[i].first), " (", sorted[i].second, " row",
                                   sorted[i].second == 1 ? "" : "s", ")"));
    }
    out.summary.add_warnings(
        absl::StrCat("languages: ", sorted.size(), " value", sorted.size() == 1 ? " is" : "s are",
                     " not a language ICU knows, kept as written: ", absl::StrJoin(shown, ", "),
                     sorted.size() > shown.size() ? ", ..." : ""));
  }
  return out;
}

void AcceptedTally::Add(const v1::Attendee& a) {
  if (!a.email().empty()) ++emails_[a.email()];
  if (a.interests().empty()) {
    ++without_interests_;
    return;
  }
  ++with_interests_;
  if (a.interests_size() == 1 && absl::StrContains(a.interests(0).tag(), ',')) {
    ++one_with_commas_;
  }
  for (const v1::Interest& interest : a.interests()) {
    auto [it, inserted] = tags_.try_emplace(interest.tag());
    if (inserted) it->second.first_seen = tags_.size();
    ++it->second.rows;
  }
}

void AcceptedTally::Finish(v1::CsvImportSummary* summary) const {
  // Spellings that differ only in case are one email, one tag: folded here, over the distinct
  // spellings, rather than per row.
  absl::flat_hash_map<std::string, size_t> emails;
  for (const auto& [email, n] : emails_) emails[absl::AsciiStrToLower(email)] += n;
  std::vector<std::pair<std::string, size_t>> shared;
  for (const auto& [email, n] : emails) {
    if (n > 1) shared.emplace_back(email, n);
  }
  std::sort(shared.begin(), shared.end());
  std::vector<std::string> shown;
  for (const auto& [email, n] : shared) {
    summary->add_duplicate_emails(email);
    if (shown.size() < 5) shown.push_back(absl::StrCat(Quoted(email), " (", n, " rows)"));
  }
  if (!shared.empty()) {
    summary->add_warnings(
        absl::StrCat(shared.size(), " email", shared.size() == 1 ? " is" : "s are",
                     " on more than one row (imported anyway): ", absl::StrJoin(shown, ", "),
                     shared.size() > shown.size() ? ", ..." : ""));
  }
  struct Folded {
    absl::string_view spelling;  // the one seen first
    size_t first_seen = 0;
    size_t rows = 0;
  };
  absl::flat_hash_map<std::string, Folded> folded;
  for (const auto& [spelling, tally] : tags_) {
    Folded& f = folded[absl::AsciiStrToLower(spelling)];
    if (f.rows == 0 || tally.first_seen < f.first_seen) {
      f.spelling = spelling;
      f.first_seen = tally.first_seen;
    }
    f.rows += tally.rows;
  }
  std::vector<Folded> top;
  top.reserve(folded.size());
  for (const auto& [key, f] : folded) top.push_back(f);
  std::sort(top.begin(), top.end(), [](const Folded& x, const Folded& y) {
    return x.rows != y.rows ? x.rows > y.rows : x.spelling < y.spelling;
  });
  for (size_t i = 0; i < top.size() && i < 10; ++i) {
    v1::TagCount* t = summary->add_top_tags();
    t->set_tag(std::string(top[i].spelling));
    t->set_rows(static_cast<uint32_t>(top[i].rows));
  }
  summary->set_rows_without_interests(static_cast<uint32_t>(without_interests_));
  if (one_with_commas_ >= 2 && one_with_commas_ * 2 >= with_interests_) {
    summary->add_warnings(
        absl::StrCat(one_with_commas_ == with_interests_
                         ? std::string("every row has")
                         : absl::StrCat(one_with_commas_, " of ", with_interests_, " rows have"),
                     " exactly one interest containing commas: wrong separator? (set the interests "
                     "separator to ',')"));
  }
  if (without_interests_ > 0) {
    summary->add_warnings(absl::StrCat(without_interests_,
                                       without_interests_ == 1 ? " row has" : " rows have",
                                       " no interests: they will get weaker matches"));
  }
}

}  // namespace parley::domain
