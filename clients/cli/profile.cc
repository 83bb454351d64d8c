// parley me (attendee token) and parley health (no token).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
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

// Everything the server holds about me, as protobuf JSON (whatever --json says: it is the
// download format), on stdout or into --out: a file only I can read, written whole or not at all.
int MeExport(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  absl::StatusOr<v1::MyData> data = client->ExportMyData(v1::ExportMyDataRequest());
  if (!data.ok()) return Fail(ctx, data.status());
  if (!ctx.Has("out")) {
    PrintJson(ctx.out, *data);
    return kExitOk;
  }
  std::ostringstream json;
  PrintJson(json, *data);
  const std::string text = json.str();
  const std::string path = ctx.Get("out");
  const std::string partial = absl::StrCat(path, ".partial");
  const int fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    return Fail(ctx, absl::FailedPreconditionError(
                         absl::StrCat("cannot create ", partial, ": ", std::strerror(errno))));
  }
  // A partial file left by an earlier failure may have had other permissions.
  bool written = fchmod(fd, 0600) == 0;
  for (size_t done = 0; written && done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    written = n > 0;
    if (written) done += static_cast<size_t>(n);
  }
  written = close(fd) == 0 && written;
  if (!written || std::rename(partial.c_str(), path.c_str()) != 0) {
    std::remove(partial.c_str());
    return Fail(ctx, absl::DataLossError(absl::StrCat("writing ", path, " failed")));
  }
  ctx.out << "wrote " << path << ": " << data->meetings_size() << " meetings, "
          << data->feedback_size() << " feedback, " << data->introductions_size()
          << " introductions, " << data->wishes_size() << " wishes, " << data->memory_size()
          << " remembered meetings\n";
  return kExitOk;
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
  tree.Add({"me", "export"}, "Downloads everything the server holds about me, as JSON.",
           "Needs an attendee token. My profile (contact details and sharing consent), every\n"
           "meeting and proposal with my answers, the feedback I gave, introductions, wishes,\n"
           "the community's memory of my meetings and my tokens' metadata; never what others\n"
           "said about me. Protobuf JSON (MyData in attendee_service.proto) on standard output,\n"
           "or with --out into a file only I can read (mode 0600).",
           MeExport)
      .Flag(kOutFlag);
  tree.Add({"health"}, "Checks that the server is serving.",
           "No token needed. Exit 0 if SERVING, 1 otherwise.", Health)
      .Flag({"service", "NAME", "service to ask about (default: the whole server)"});
}

}  // namespace parley::client::cli
