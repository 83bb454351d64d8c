#ifndef PARLEY_CLIENTS_CLI_ATTENDEE_FLAGS_H_
#define PARLEY_CLIENTS_CLI_ATTENDEE_FLAGS_H_

#include <vector>

#include "absl/status/status.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"
#include "google/protobuf/field_mask.pb.h"
#include "parley/v1/attendee.pb.h"

// The flags that set attendee fields, shared by `attendees update` (organiser) and `me update`
// (attendee). What a value means is the client library's (SetAttendeeField in
// attendee_fields.h), the same as a cell of the import file.
namespace parley::client::cli {

struct AttendeeFlag {
  FlagSpec flag;
  const char* field;  // the Attendee field, by its .proto name
};

// Fields an attendee may change themselves.
const std::vector<AttendeeFlag>& SelfAttendeeFlags();
// Fields only the organiser may change.
const std::vector<AttendeeFlag>& OrganizerAttendeeFlags();

std::vector<FlagSpec> FlagSpecs(const std::vector<AttendeeFlag>& flags);

// Sets the fields of the `flags` given on the command line and names them in `mask`.
// `--budget default` restores the event's default (leaves budget unset, but in the mask).
// INVALID_ARGUMENT naming the flag for a bad value.
absl::Status ApplyAttendeeFlags(const Context& ctx, const std::vector<AttendeeFlag>& flags,
                                v1::Attendee* attendee, google::protobuf::FieldMask* mask);

}  // namespace parley::client::cli

#endif  // PARLEY_CLIENTS_CLI_ATTENDEE_FLAGS_H_
