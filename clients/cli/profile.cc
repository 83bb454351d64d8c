// parley me (attendee token) and parley health (no token).
#include <ostream>

#include "clients/cli/attendee_flags.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"

namespace parley::client::cli {
namespace {

void PrintProfile(std::ostream& out, const v1::MyProfile& profile) {
  PrintAttendee(out, profile.attendee());
  const v1::Event& event = profile.event();
  out << "event: " << event.name() << "  [" << v1::EventStatus_Name(event.status()) << "]\n";
  for (const v1::Slot& slot : event.slots()) {
    out << "  slot " << slot.id() << "  " << FormatTimestamp(slot.start_time(), event.time_zone())
        << "\n";
  }
}

int Me(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->GetMyProfile(v1::GetMyProfileRequest()),
                [&](const v1::MyProfile& profile) { PrintProfile(ctx.out, profile); });
}

int MeUpdate(Context& ctx) {
  int code = 0;
  v1::UpdateMyProfileRequest request;
  absl::Status applied = ApplyAttendeeFlags(ctx, SelfAttendeeFlags(), request.mutable_attendee(),
                                            request.mutable_update_mask());
  if (!applied.ok()) return LocalError(ctx, applied);
  if (request.update_mask().paths().empty()) {
    return UsageError(ctx, "nothing to update: give at least one profile flag");
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->UpdateMyProfile(request),
                [&](const v1::MyProfile& profile) { PrintProfile(ctx.out, profile); });
}

int Health(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(ctx.Get("service"));
  absl::StatusOr<grpc::health::v1::HealthCheckResponse> response = client->Check(request);
  code = Output(ctx, response, [&](const grpc::health::v1::HealthCheckResponse& r) {
    ctx.out << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(r.status()) << "\n";
  });
  if (code != kExitOk) return code;
  return response->status() == grpc::health::v1::HealthCheckResponse::SERVING ? kExitOk
                                                                              : kExitFailure;
}

}  // namespace

void AddProfileCommands(CommandTree& tree) {
  tree.Add({"me"}, "Shows my profile and event.", "Needs an attendee token.", Me);
  tree.Add({"me", "update"}, "Changes my profile.",
           "Needs an attendee token. Only the fields given are changed, e.g.\n"
           "parley me update --interests \"books:3;bicycles\" --budget 2 --availability \"s1;s2\"",
           MeUpdate)
      .Flags(FlagSpecs(SelfAttendeeFlags()));
  tree.Add({"health"}, "Checks that the server is serving.",
           "No token needed. Exit 0 if SERVING, 1 otherwise.", Health)
      .Flag({"service", "NAME", "service to ask about (default: the whole server)"});
}

}  // namespace parley::client::cli
