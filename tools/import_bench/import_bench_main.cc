// parley-import-bench: bulk import through gRPC against raw RocksDB, in the same run.
//
// Both sides write the same rows with the same durability: the gRPC side streams generated
// attendees to OrganizerService.ImportAttendees of a real server on a loopback port (one fsync
// per committed batch); the raw side writes the same serialised Attendee bytes into a fresh
// RocksDB with WriteBatches of the same size and sync=true, under the same two keys the store
// writes per row (the record, and the external_id index entry that makes imports idempotent),
// so the ratio is what gRPC, validation, the upsert lookups and our bookkeeping cost on top of
// the bytes that must reach the disk anyway. Prints one JSON line.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "clients/client.h"
#include "services/domain/import_csv.h"
#include "services/server/server.h"
#include "tools/match/synth.h"

ABSL_FLAG(int, rows, 20000, "Attendees to import per run.");
ABSL_FLAG(int, batch, 1000, "Rows per stream message and per raw WriteBatch.");
ABSL_FLAG(int, repeats, 3, "Runs of each side; the median is reported.");
ABSL_FLAG(uint64_t, seed, 1, "Generator seed.");
ABSL_FLAG(std::string, dir, "/tmp", "Where the temporary databases go.");
ABSL_FLAG(bool, csv, false,
          "Upload the generated CSV file to ImportAttendeesCsv (the server reads it) instead of "
          "streaming parsed rows to ImportAttendees.");
ABSL_FLAG(std::string, side, "both",
          "both, grpc or raw: run only one side (for profiling; no ratio is printed).");

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds (user + system) of every thread of this process so far.
double ProcessCpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string TempDir(const std::string& base, const std::string& name) {
  std::string pattern = absl::StrCat(base, "/parley-", name, "-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    std::cerr << "parley-import-bench: cannot create a directory under " << base << "\n";
    std::exit(1);
  }
  return pattern;
}

void RemoveDir(const std::string& path) {
  std::string command = absl::StrCat("rm -rf '", path, "'");
  if (std::system(command.c_str()) != 0) std::cerr << "could not remove " << path << "\n";
}

template <typename T>
T OrDie(absl::StatusOr<T> value, absl::string_view what) {
  if (!value.ok()) {
    std::cerr << "parley-import-bench: " << what << ": " << value.status() << "\n";
    std::exit(1);
  }
  return *std::move(value);
}

// One run of one side: rows per second (wall clock) and CPU microseconds per row, counted over
// every thread of the process (client, server and RocksDB's background threads alike).
struct Rate {
  double rows_per_second = 0;
  double cpu_us_per_row = 0;
};

// Rows per second through a real server: a fresh store, community and event each run. With
// `csv` non-empty, the file is uploaded to ImportAttendeesCsv instead of `rows` streamed.
Rate GrpcRun(const std::vector<parley::v1::ImportRow>& rows, const std::string& csv, int batch) {
  const std::string dir = TempDir(absl::GetFlag(FLAGS_dir), "grpc");
  parley::services::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir + "/db";
  options.admin_token_file = dir + "/admin.token";
  auto server = OrDie(parley::services::Server::Start(options), "start server");
  std::ifstream token_in(options.admin_token_file);
  std::string admin_token;
  token_in >> admin_token;

  parley::client::ClientOptions client_options;
  client_options.target = absl::StrCat("127.0.0.1:", server->port());
  client_options.token = admin_token;
  client_options.deadline = absl::Seconds(600);
  auto admin = OrDie(parley::client::Client::Connect(client_options), "connect");
  parley::v1::CreateCommunityRequest community;
  community.set_name("bench");
  const uint64_t community_id = OrDie(admin->CreateCommunity(community), "community").id();
  parley::v1::IssueOrganizerTokenRequest issue;
  issue.set_community_id(community_id);
  client_options.token = OrDie(admin->IssueOrganizerToken(issue), "token").token();
  auto organizer = OrDie(parley::client::Client::Connect(client_options), "connect");
  parley::v1::CreateEventRequest create;
  create.mutable_event()->set_name("bench");
  for (int i = 1; i <= 6; ++i) {
    parley::v1::Slot* slot = create.mutable_event()->add_slots();
    slot->set_id(absl::StrCat("s", i));
    slot->set_start_time(1800000000 + i * 3600);
    slot->set_end_time(1800000000 + i * 3600 + 1800);
  }
  const uint64_t event_id = OrDie(organizer->CreateEvent(create), "event").id();

  parley::client::ImportOptions import_options;
  import_options.batch_size = batch;
  // A client that read the rows owns them and moves them into its messages; the copy for this
  // repeat is made before the clock starts.
  std::vector<parley::v1::ImportRow> owned = rows;
  const double cpu_start = ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  uint32_t created = 0;
  if (csv.empty()) {
    created =
        OrDie(organizer->ImportAttendees(event_id, std::move(owned), import_options), "import")
            .created();
  } else {
    created = OrDie(organizer->ImportAttendeesCsv(event_id, csv, parley::v1::CsvImportOptions(),
                                                  absl::Seconds(600)),
                    "import csv")
                  .created();
  }
  const double seconds = Seconds(start);
  const double cpu_seconds = ProcessCpuSeconds() - cpu_start;
  if (created != rows.size()) {
    std::cerr << "parley-import-bench: only " << created << " of " << rows.size()
              << " rows created\n";
    std::exit(1);
  }
  server->Shutdown(absl::Seconds(5));
  server.reset();
  RemoveDir(dir);
  return {rows.size() / seconds, cpu_seconds * 1e6 / rows.size()};
}

void AppendU64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

// Rows per second for the same bytes written straight into RocksDB.
Rate RawRun(const std::vector<std::string>& values, const std::vector<std::string>& external_ids,
            int batch) {
  const std::string dir = TempDir(absl::GetFlag(FLAGS_dir), "raw");
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir + "/db", &raw);
  if (!s.ok()) {
    std::cerr << "parley-import-bench: " << s.ToString() << "\n";
    std::exit(1);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  const double cpu_start = ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  for (size_t first = 0; first < values.size(); first += batch) {
    rocksdb::WriteBatch wb;
    for (size_t i = first; i < std::min(values.size(), first + batch); ++i) {
      std::string key;
      AppendU64(1, &key);
      AppendU64(i + 1, &key);
      wb.Put(key, values[i]);
      std::string index_key;
      AppendU64(1, &index_key);
      index_key += external_ids[i];
      wb.Put(index_key, key.substr(8));
    }
    s = db->Write(write_options, &wb);
    if (!s.ok()) {
      std::cerr << "parley-import-bench: " << s.ToString() << "\n";
      std::exit(1);
    }
  }
  const double seconds = Seconds(start);
  const double cpu_seconds = ProcessCpuSeconds() - cpu_start;
  s = db->Close();
  db.reset();
  RemoveDir(dir);
  return {values.size() / seconds, cpu_seconds * 1e6 / values.size()};
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "parley-import-bench [--rows N] [--batch B] [--repeats R]: rows/s through "
      "ImportAttendees vs raw RocksDB WriteBatch writes of the same bytes.");
  absl::ParseCommandLine(argc, argv);
  // As parleyd runs (services/server/parleyd_main.cc): without abseil's debug lock-order graph.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const int batch = absl::GetFlag(FLAGS_batch);

  parley::synth::SynthOptions synth;
  synth.attendees = absl::GetFlag(FLAGS_rows);
  synth.slots = 6;
  synth.seed = absl::GetFlag(FLAGS_seed);
  std::ostringstream csv;
  parley::synth::WriteCsv(parley::synth::GenerateEvent(synth), csv);
  // The row stream sends what the server's reader makes of the file (one reader: import_csv.h).
  parley::domain::CsvImport read = OrDie(parley::domain::ReadAttendeeCsv(csv.str(), {}), "csv");
  std::vector<parley::v1::ImportRow> rows;
  for (parley::domain::CsvImportRow& row : read.rows) {
    if (!row.error.empty()) {
      std::cerr << "parley-import-bench: the generator wrote a bad row: " << row.error << "\n";
      return 1;
    }
    parley::v1::ImportRow& imported = rows.emplace_back();
    imported.set_row_number(row.row_number);
    *imported.mutable_attendee() = std::move(row.attendee);
  }
  std::vector<std::string> values, external_ids;
  values.reserve(rows.size());
  for (const parley::v1::ImportRow& row : rows) {
    values.push_back(row.attendee().SerializeAsString());
    external_ids.push_back(row.attendee().external_id());
  }

  const std::string side = absl::GetFlag(FLAGS_side);
  if (side != "both" && side != "grpc" && side != "raw") {
    std::cerr << "parley-import-bench: --side must be both, grpc or raw\n";
    return 2;
  }
  std::vector<double> grpc_rates, raw_rates, grpc_cpu, raw_cpu;
  for (int r = 0; r < absl::GetFlag(FLAGS_repeats); ++r) {
    // Interleaved so that drift in the machine's state affects both sides alike.
    if (side != "grpc") {
      const Rate raw = RawRun(values, external_ids, batch);
      raw_rates.push_back(raw.rows_per_second);
      raw_cpu.push_back(raw.cpu_us_per_row);
    }
    if (side != "raw") {
      const Rate grpc = GrpcRun(rows, absl::GetFlag(FLAGS_csv) ? csv.str() : std::string(), batch);
      grpc_rates.push_back(grpc.rows_per_second);
      grpc_cpu.push_back(grpc.cpu_us_per_row);
    }
  }
  size_t value_bytes = 0;
  for (const std::string& value : values) value_bytes += value.size();
  std::string out = absl::StrFormat(
      "{\"path\":\"%s\",\"rows\":%d,\"batch\":%d,\"repeats\":%d,"
      "\"record_bytes_per_row\":%.0f",
      absl::GetFlag(FLAGS_csv) ? "csv" : "rows", static_cast<int>(rows.size()), batch,
      absl::GetFlag(FLAGS_repeats),
      static_cast<double>(value_bytes) / std::max<size_t>(1, values.size()));
  if (!grpc_rates.empty()) {
    absl::StrAppendFormat(&out, ",\"grpc_rows_per_second\":%.0f,\"grpc_cpu_us_per_row\":%.2f",
                          Median(grpc_rates), Median(grpc_cpu));
  }
  if (!raw_rates.empty()) {
    absl::StrAppendFormat(&out, ",\"raw_rows_per_second\":%.0f,\"raw_cpu_us_per_row\":%.2f",
                          Median(raw_rates), Median(raw_cpu));
  }
  if (side == "both") {
    absl::StrAppendFormat(&out, ",\"ratio\":%.3f", Median(grpc_rates) / Median(raw_rates));
  }
  std::cout << out << "}\n";
  return 0;
}
