#ifndef PARLEY_SERVICES_ADMIN_SERVICE_H_
#define PARLEY_SERVICES_ADMIN_SERVICE_H_

#include "parley/v1/admin_service.grpc.pb.h"
#include "services/auth/auth.h"
#include "storage/store.h"

namespace parley::services {

// The operator's calls (see admin_service.proto). Thread-safe. `store` and `auth` are not owned
// and must outlive the server this service is registered with.
class AdminService final : public v1::AdminService::CallbackService {
 public:
  AdminService(storage::Store* store, const Authenticator* auth) : store_(store), auth_(auth) {}

  grpc::ServerUnaryReactor* CreateCommunity(grpc::CallbackServerContext* context,
                                            const v1::CreateCommunityRequest* request,
                                            v1::Community* response) override;
  grpc::ServerUnaryReactor* ListCommunities(grpc::CallbackServerContext* context,
                                            const v1::ListCommunitiesRequest* request,
                                            v1::ListCommunitiesResponse* response) override;
  grpc::ServerUnaryReactor* IssueOrganizerToken(grpc::CallbackServerContext* context,
                                                const v1::IssueOrganizerTokenRequest* request,
                                                v1::IssuedToken* response) override;
  grpc::ServerUnaryReactor* ListOrganizerTokens(grpc::CallbackServerContext* context,
                                                const v1::ListOrganizerTokensRequest* request,
                                                v1::ListOrganizerTokensResponse* response) override;
  grpc::ServerUnaryReactor* RevokeToken(grpc::CallbackServerContext* context,
                                        const v1::RevokeTokenRequest* request,
                                        v1::TokenInfo* response) override;

 private:
  storage::Store* store_;
  const Authenticator* auth_;
};

// Issues a token with the given metadata (token_id and create_time are filled in) and stores
// its hash. Returns the secret and the stored metadata. Shared by the admin and organiser
// services.
// IssueToken for many records in one durable write (all or none); secrets in the same order.
absl::StatusOr<std::vector<std::pair<std::string, v1::TokenInfo>>> IssueTokens(
    storage::Store* store, std::vector<v1::TokenInfo> infos);
absl::StatusOr<std::pair<std::string, v1::TokenInfo>> IssueToken(storage::Store* store,
                                                                 v1::TokenInfo info);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_ADMIN_SERVICE_H_
