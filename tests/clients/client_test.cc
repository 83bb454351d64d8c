#include "clients/client.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace parley::client {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(FromGrpcStatusTest, KeepsEveryCodeAndTheMessage) {
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
  for (int code = 1; code <= 16; ++code) {
    absl::Status status =
        FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(code), "event 7: not found"));
    EXPECT_EQ(static_cast<int>(status.code()), code);
    EXPECT_EQ(status.message(), "event 7: not found");
  }
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "x")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "x")).code(),
            absl::StatusCode::kUnauthenticated);
}

std::vector<v1::ImportRow> Rows(int count, size_t bio_bytes = 0) {
  std::vector<v1::ImportRow> rows(count);
  for (int i = 0; i < count; ++i) {
    rows[i].set_row_number(i + 1);
    rows[i].mutable_attendee()->set_external_id("x" + std::to_string(i + 1));
    rows[i].mutable_attendee()->set_bio(std::string(bio_bytes, 'b'));
  }
  return rows;
}

TEST(BatchImportRowsTest, CutsAtTheBatchSizeKeepingOrder) {
  std::vector<v1::ImportAttendeesRequest> batches = BatchImportRows(9, Rows(2500), ImportOptions());
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].rows_size(), 1000);
  EXPECT_EQ(batches[1].rows_size(), 1000);
  EXPECT_EQ(batches[2].rows_size(), 500);
  uint32_t next = 1;
  for (const v1::ImportAttendeesRequest& batch : batches) {
    EXPECT_EQ(batch.event_id(), 9u);
    for (const v1::ImportRow& row : batch.rows()) EXPECT_EQ(row.row_number(), next++);
  }
}

TEST(BatchImportRowsTest, ConfigurableBatchSize) {
  ImportOptions options;
  options.batch_size = 7;
  std::vector<v1::ImportAttendeesRequest> batches = BatchImportRows(1, Rows(21), options);
  ASSERT_EQ(batches.size(), 3u);
  for (const auto& batch : batches) EXPECT_EQ(batch.rows_size(), 7);
}

TEST(BatchImportRowsTest, CutsBeforeTheByteLimit) {
  ImportOptions options;
  options.max_batch_bytes = 10'000;
  std::vector<v1::ImportAttendeesRequest> batches = BatchImportRows(1, Rows(10, 3000), options);
  for (const auto& batch : batches) {
    EXPECT_LE(batch.ByteSizeLong(), 10'000u + 64);
    EXPECT_GE(batch.rows_size(), 1);
  }
  EXPECT_EQ(batches.size(), 4u);  // 3 + 3 + 3 + 1 rows of ~3 KB
}

TEST(BatchImportRowsTest, AnOversizedRowTravelsAlone) {
  ImportOptions options;
  options.max_batch_bytes = 100;
  std::vector<v1::ImportAttendeesRequest> batches = BatchImportRows(1, Rows(2, 500), options);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].rows_size(), 1);
}

TEST(BatchImportRowsTest, MessagesParseToExactlyTheRowsGiven) {
  // RowBatcher writes the wire bytes itself: they must parse to the rows and event given.
  std::vector<v1::ImportRow> rows = Rows(25, 40);
  rows[3].mutable_attendee()->add_interests()->set_tag("go");
  rows[3].mutable_attendee()->mutable_interests(0)->set_weight(3);
  rows[4].mutable_attendee()->add_offers("\xC3\xA9t\xC3\xA9");
  rows[5].set_row_number(0);
  rows[6].mutable_attendee()->set_bio(std::string(300, 'x'));  // a length over one varint byte
  ImportOptions options;
  options.batch_size = 10;
  std::vector<v1::ImportAttendeesRequest> batches = BatchImportRows(300, rows, options);
  ASSERT_EQ(batches.size(), 3u);
  size_t next = 0;
  for (const v1::ImportAttendeesRequest& batch : batches) {
    v1::ImportAttendeesRequest expected;
    expected.set_event_id(300);
    for (int i = 0; i < batch.rows_size(); ++i) *expected.add_rows() = rows[next++];
    EXPECT_EQ(batch.SerializeAsString(), expected.SerializeAsString());
  }
  EXPECT_EQ(next, rows.size());
}

TEST(BatchImportRowsTest, NoRowsNoMessages) {
  EXPECT_THAT(BatchImportRows(1, {}, ImportOptions()), IsEmpty());
}

TEST(ClientConnectTest, ValidatesOptions) {
  ClientOptions options;
  options.target = "";
  EXPECT_EQ(Client::Connect(options).status().code(), absl::StatusCode::kInvalidArgument);

  options.target = "127.0.0.1:1";
  options.token = "has space";
  EXPECT_THAT(std::string(Client::Connect(options).status().message()), HasSubstr("token"));
  options.token = "line\n";
  EXPECT_FALSE(Client::Connect(options).ok());

  options.token = "abc";
  options.deadline = absl::ZeroDuration();
  EXPECT_EQ(Client::Connect(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ClientConnectTest, MissingCaCertIsNotFound) {
  testutil::ScopedTempDir dir;
  ClientOptions options;
  options.use_tls = true;
  options.ca_cert_file = dir.Sub("missing.pem");
  EXPECT_EQ(Client::Connect(options).status().code(), absl::StatusCode::kNotFound);
}

TEST(ClientConnectTest, ConnectIsLazy) {
  ClientOptions options;
  options.target = "127.0.0.1:1";
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(options);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ((*client)->options().target, "127.0.0.1:1");
}

TEST(ReadFileToStringTest, ReadsBytesExactly) {
  testutil::ScopedTempDir dir;
  const std::string path = dir.Sub("f");
  std::ofstream(path, std::ios::binary) << std::string("a\0b\r\n", 5);
  absl::StatusOr<std::string> contents = ReadFileToString(path);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(*contents, std::string("a\0b\r\n", 5));
  EXPECT_EQ(ReadFileToString(dir.Sub("none")).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace parley::client
