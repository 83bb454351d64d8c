#include "services/domain/field_mask.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/domain/validation.h"

namespace parley::services {

absl::Status ApplyFieldMask(const google::protobuf::Message& source,
                            const google::protobuf::FieldMask& mask,
                            const absl::flat_hash_set<std::string>& allowed,
                            google::protobuf::Message* target) {
  if (mask.paths().empty()) {
    return absl::InvalidArgumentError("update_mask: name at least one field to change");
  }
  const google::protobuf::Descriptor* descriptor = source.GetDescriptor();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  for (const std::string& path : mask.paths()) {
    const google::protobuf::FieldDescriptor* field = descriptor->FindFieldByName(path);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: ", Quoted(path), " is not a field of ", descriptor->name()));
    }
    if (!allowed.contains(path)) {
      std::vector<std::string> sorted(allowed.begin(), allowed.end());
      std::sort(sorted.begin(), sorted.end());
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: ", Quoted(path),
                       " cannot be changed here; allowed: ", absl::StrJoin(sorted, ", ")));
    }
    // A field swapped twice would be swapped back.
    if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
  }
  // Swapping the named fields out of a copy replaces them whole, presence included.
  std::unique_ptr<google::protobuf::Message> copy(source.New());
  copy->CopyFrom(source);
  target->GetReflection()->SwapFields(copy.get(), target, fields);
  return absl::OkStatus();
}

}  // namespace parley::services
