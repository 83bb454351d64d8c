#include "services/api/grpc_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace parley::services {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  absl::string_view message = status.message();
  std::string bounded;
  if (message.size() > kMaxStatusMessageBytes) {
    // Echoed input is quoted short where it is echoed (domain::Quoted); this is the backstop
    // for a message nobody bounded (a store error naming a long key, say).
    size_t keep = kMaxStatusMessageBytes;
    while (keep > 0 && (static_cast<unsigned char>(message[keep]) & 0xC0) == 0x80) --keep;
    bounded = absl::StrCat(message.substr(0, keep), "... (message cut at ", keep, " of ",
                           message.size(), " bytes)");
    message = bounded;
  }
  // absl::StatusCode and grpc::StatusCode share the canonical numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(message));
}

}  // namespace parley::services
