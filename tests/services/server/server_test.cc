// parleyd's server object: listen-address policy, TLS, health and clean shutdown.

#include "services/server/server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testing/temp_dir.h"

namespace parley::services {
namespace {

TEST(IsLoopbackAddressTest, KnowsLoopbackFromTheRest) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3:0"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:1"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_TRUE(IsLoopbackAddress("unix:/tmp/parley.sock"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:50051"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.7:50051"));
  EXPECT_FALSE(IsLoopbackAddress("parley.example.org:443"));
}

class ServerTest : public ::testing::Test {
 protected:
  ServerOptions Options(const std::string& listen) {
    ServerOptions options;
    options.listen_address = listen;
    options.data_dir = dir_.Sub("db");
    options.admin_token_file = dir_.Sub("admin.token");
    return options;
  }

  static grpc::health::v1::HealthCheckResponse::ServingStatus Health(
      const std::shared_ptr<grpc::Channel>& channel, grpc::StatusCode* code) {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    *code = stub->Check(&context, request, &response).error_code();
    return response.status();
  }

  testutil::ScopedTempDir dir_;
};

TEST_F(ServerTest, RefusesPlaintextOnANonLoopbackAddress) {
  auto server = Server::Start(Options("0.0.0.0:0"));
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(server.status().message().find("--insecure"), absl::string_view::npos);
}

TEST_F(ServerTest, InsecureAllowsANonLoopbackAddress) {
  ServerOptions options = Options("0.0.0.0:0");
  options.insecure = true;
  auto server = Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_GT((*server)->port(), 0);
}

TEST_F(ServerTest, HalfATlsConfigurationIsRefused) {
  ServerOptions options = Options("127.0.0.1:0");
  options.tls_cert_file = dir_.Sub("cert.pem");
  auto server = Server::Start(options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ServerTest, HealthServesOnAPortChosenByTheOsAndStopsOnShutdown) {
  auto server = Server::Start(Options("127.0.0.1:0"));
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  grpc::StatusCode code;
  EXPECT_EQ(Health(channel, &code), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(code, grpc::StatusCode::OK);
  (*server)->Shutdown(absl::Seconds(1));
  Health(channel, &code);
  EXPECT_NE(code, grpc::StatusCode::OK);
}

TEST_F(ServerTest, SecondServerOnTheSameStoreIsRefused) {
  auto first = Server::Start(Options(""));
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Server::Start(Options(""));
  EXPECT_FALSE(second.ok());
}

// A self-signed certificate for "localhost", made with OpenSSL, written as PEM files.
void WriteSelfSignedCertificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  ASSERT_EQ(X509_set_version(cert, 2), 1);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, "DNS:localhost");
  ASSERT_NE(san, nullptr);
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  FILE* out = fopen(cert_path.c_str(), "w");
  PEM_write_X509(out, cert);
  fclose(out);
  out = fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  fclose(out);
  X509_free(cert);
  EVP_PKEY_free(key);
}

TEST_F(ServerTest, ServesTlsWithTheGivenCertificate) {
  const std::string cert = dir_.Sub("cert.pem");
  const std::string key = dir_.Sub("key.pem");
  WriteSelfSignedCertificate(cert, key);
  ServerOptions options = Options("127.0.0.1:0");
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  auto server = Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::ifstream in(cert);
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem;
  auto channel =
      grpc::CreateChannel(absl::StrCat("localhost:", (*server)->port()), grpc::SslCredentials(ssl));
  grpc::StatusCode code;
  EXPECT_EQ(Health(channel, &code), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(code, grpc::StatusCode::OK);
  // Plaintext to a TLS port fails.
  auto plain = grpc::CreateChannel(absl::StrCat("localhost:", (*server)->port()),
                                   grpc::InsecureChannelCredentials());
  Health(plain, &code);
  EXPECT_NE(code, grpc::StatusCode::OK);
}

}  // namespace
}  // namespace parley::services
