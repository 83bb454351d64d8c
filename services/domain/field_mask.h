#ifndef PARLEY_SERVICES_FIELD_MASK_H_
#define PARLEY_SERVICES_FIELD_MASK_H_

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace parley::services {

// Copies the top-level fields named in `mask` from `source` to `target`, replacing them whole
// (repeated fields are replaced, not appended; an unset optional field is cleared).
// INVALID_ARGUMENT ("update_mask: ...") for an empty mask, a path that is not a top-level field
// of the message, or one not in `allowed`.
absl::Status ApplyFieldMask(const google::protobuf::Message& source,
                            const google::protobuf::FieldMask& mask,
                            const absl::flat_hash_set<std::string>& allowed,
                            google::protobuf::Message* target);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_FIELD_MASK_H_
