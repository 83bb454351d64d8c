#include "clients/attendee_fields.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/domain/interest_text.h"

namespace parley::client {

std::vector<std::string> ParseList(absl::string_view text) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(text, ';')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

absl::StatusOr<std::vector<v1::Interest>> ParseInterests(absl::string_view text) {
  std::vector<v1::Interest> interests;
  for (const std::string& item : ParseList(text)) {
    const auto [tag, weight] = domain::SplitInterestWeight(item);
    if (tag.empty()) return absl::InvalidArgumentError(absl::StrCat("empty tag in \"", item, "\""));
    v1::Interest interest;
    interest.set_tag(std::string(tag));
    if (weight != 0) interest.set_weight(weight);
    interests.push_back(std::move(interest));
  }
  return interests;
}

absl::StatusOr<std::optional<uint32_t>> ParseBudget(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return std::optional<uint32_t>();
  uint32_t budget = 0;
  if (!absl::SimpleAtoi(text, &budget) || text[0] == '-' || text[0] == '+') {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a non-negative integer"));
  }
  return std::optional<uint32_t>(budget);
}

absl::StatusOr<bool> ParseBool(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (lower.empty() || lower == "false" || lower == "no" || lower == "0") return false;
  if (lower == "true" || lower == "yes" || lower == "1") return true;
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not true or false"));
}

const std::vector<std::string>& AttendeeTextFields() {
  static const auto* fields = new std::vector<std::string>{
      "external_id",  "display_name", "email",  "phone", "organisation",        "role",
      "bio",          "interests",    "offers", "seeks", "languages",           "budget",
      "availability", "person_ref",   "wants",  "avoid", "avoid_organisations", "prefers_quiet",
      "share_email",  "share_phone"};
  return *fields;
}

absl::Status SetAttendeeField(absl::string_view field, absl::string_view text,
                              v1::Attendee* attendee) {
  if (field == "interests") {
    absl::StatusOr<std::vector<v1::Interest>> interests = ParseInterests(text);
    if (!interests.ok()) return interests.status();
    for (v1::Interest& interest : *interests) *attendee->add_interests() = std::move(interest);
    return absl::OkStatus();
  }
  if (field == "budget") {
    absl::StatusOr<std::optional<uint32_t>> budget = ParseBudget(text);
    if (!budget.ok()) return budget.status();
    if (budget->has_value()) attendee->set_budget(**budget);
    return absl::OkStatus();
  }
  const std::vector<std::string>& known = AttendeeTextFields();
  const google::protobuf::FieldDescriptor* descriptor =
      std::find(known.begin(), known.end(), field) == known.end()
          ? nullptr
          : v1::Attendee::descriptor()->FindFieldByName(std::string(field));
  if (descriptor != nullptr && descriptor->type() == google::protobuf::FieldDescriptor::TYPE_BOOL) {
    absl::StatusOr<bool> value = ParseBool(text);
    if (!value.ok()) return value.status();
    attendee->GetReflection()->SetBool(attendee, descriptor, *value);
    return absl::OkStatus();
  }
  if (descriptor == nullptr ||
      descriptor->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return absl::InvalidArgumentError(
        absl::StrCat("attendee field \"", field, "\" has no text form"));
  }
  const google::protobuf::Reflection* reflection = attendee->GetReflection();
  if (descriptor->is_repeated()) {
    for (std::string& item : ParseList(text)) {
      reflection->AddString(attendee, descriptor, std::move(item));
    }
  } else {
    reflection->SetString(attendee, descriptor, std::string(text));
  }
  return absl::OkStatus();
}

std::string FormatInterests(const google::protobuf::RepeatedPtrField<v1::Interest>& interests) {
  return absl::StrJoin(interests, "; ", [](std::string* out, const v1::Interest& interest) {
    absl::StrAppend(out, interest.tag());
    if (interest.weight() > 1) absl::StrAppend(out, ":", interest.weight());
  });
}

std::string FormatList(const google::protobuf::RepeatedPtrField<std::string>& items) {
  return absl::StrJoin(items, "; ");
}

}  // namespace parley::client
