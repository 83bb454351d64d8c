#include "tools/match/real_event.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/domain/import_csv.h"
#include "services/domain/validation.h"
#include "storage/store.h"

namespace parley::tools {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

// A temporary directory, removed with everything in it when this goes out of scope.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(base != nullptr && *base ? base : "/tmp", "/parley-real-XXXXXX");
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;  // a leftover temp dir is not worth failing a benchmark for
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The event a benchmark matches: `slots` one-hour slots, tables that never bind (one table per
// two attendees in every slot, in locations of at most services::kMaxTables), the policy given.
v1::Event MakeEvent(const RealEventOptions& options, size_t attendees) {
  v1::Event event;
  event.set_name("real event benchmark");
  constexpr int64_t kStart = 1767225600;  // 2026-01-01T00:00:00Z
  for (int s = 0; s < options.slots; ++s) {
    v1::Slot* slot = event.add_slots();
    slot->set_id(absl::StrCat("s", s + 1));
    slot->set_start_time(kStart + int64_t{3600} * s);
    slot->set_end_time(kStart + int64_t{3600} * (s + 1));
  }
  size_t tables = attendees / 2 + 1;
  for (int l = 0; tables > 0; ++l) {
    const uint32_t here = static_cast<uint32_t>(std::min<size_t>(tables, services::kMaxTables));
    v1::Location* location = event.add_locations();
    location->set_id(absl::StrCat("hall-", l + 1));
    location->set_tables(here);
    tables -= here;
  }
  event.mutable_policy()->set_avoid_same_organisation(options.avoid_same_organisation);
  return event;
}

}  // namespace

std::string SharedDataFile(absl::string_view repo_root, absl::string_view name) {
  const std::filesystem::path path =
      std::filesystem::path(std::string(repo_root)) / ".." / "shared" / "data" / std::string(name);
  std::error_code error;
  return std::filesystem::is_regular_file(path, error) ? path.lexically_normal().string() : "";
}

absl::StatusOr<RealEvent> LoadRealEvent(const RealEventOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RealEvent out;
  absl::StatusOr<std::string> data = ReadFile(options.csv_path);
  if (!data.ok()) return data.status();
  absl::StatusOr<domain::CsvImport> csv = domain::ReadAttendeeCsv(*data, v1::CsvImportOptions());
  if (!csv.ok()) return csv.status();
  data->clear();
  out.rows = static_cast<int64_t>(csv->rows.size());
  for (const domain::CsvImportRow& row : csv->rows) {
    if (row.error.empty()) continue;
    ++out.rejected_rows;
    if (out.first_rejection.empty()) out.first_rejection = row.error;
  }

  v1::Event event = MakeEvent(options, csv->rows.size());
  absl::Status s = services::NormalizeEvent(&event);
  if (!s.ok()) return s;
  TempDir dir;
  if (dir.path().empty()) return absl::InternalError("cannot create a temporary directory");
  storage::StoreOptions store_options;
  store_options.path = dir.path() + "/db";
  store_options.sync_writes = false;  // a benchmark's scratch store: durability is not measured
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(store_options);
  if (!store.ok()) return store.status();
  v1::Community community;
  community.set_name("benchmark");
  absl::StatusOr<v1::Community> stored_community = (*store)->CreateCommunity(community);
  if (!stored_community.ok()) return stored_community.status();
  event.set_community_id(stored_community->id());
  absl::StatusOr<v1::Event> stored_event = (*store)->CreateEvent(event);
  if (!stored_event.ok()) return stored_event.status();

  // Validated as an import validates each row; stored in batches as the import commits them.
  std::vector<v1::Attendee*> batch;
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    absl::StatusOr<std::vector<storage::UpsertResult>> stored =
        (*store)->UpsertAttendeesInPlace(stored_event->id(), batch);
    batch.clear();
    return stored.status();
  };
  for (domain::CsvImportRow& row : csv->rows) {
    // Rejected by the reader (counted above), or a cancelled registration: not in the event.
    if (!row.error.empty() || row.cancelled) continue;
    v1::Attendee* attendee = &row.attendee;
    absl::Status valid = services::NormalizeAttendee(*stored_event, attendee);
    if (!valid.ok()) {
      if (out.first_rejection.empty()) {
        out.first_rejection = csv->DescribeError(row, valid.message());
      }
      ++out.rejected_rows;
      continue;
    }
    batch.push_back(attendee);
    if (batch.size() == 1000) {
      s = flush();
      if (!s.ok()) return s;
    }
  }
  s = flush();
  if (!s.ok()) return s;
  absl::StatusOr<matching::EngineEvent> loaded =
      matching::LoadEngineEvent(**store, stored_event->id());
  if (!loaded.ok()) return loaded.status();
  out.event = *std::move(loaded);
  s = (*store)->Close();
  if (!s.ok()) return s;

  if (!options.known_pairs_path.empty()) {
    absl::StatusOr<std::string> pairs = ReadFile(options.known_pairs_path);
    if (!pairs.ok()) return pairs.status();
    absl::flat_hash_map<std::string, match::Index> by_external_id;
    for (match::Index i = 0; i < out.event.attendees.size(); ++i) {
      by_external_id.emplace(out.event.attendees[i].external_id(), i);
    }
    int line_number = 0;
    for (absl::string_view line : absl::StrSplit(*pairs, '\n')) {
      ++line_number;
      line = absl::StripSuffix(line, "\r");
      if (line.empty()) continue;
      std::vector<absl::string_view> ids = absl::StrSplit(line, '\t');
      if (ids.size() != 2) {
        return absl::InvalidArgumentError(
            absl::StrCat(options.known_pairs_path, ": line ", line_number, ": expected two ids"));
      }
      ++out.known_pairs_read;
      auto a = by_external_id.find(ids[0]);
      auto b = by_external_id.find(ids[1]);
      if (a == by_external_id.end() || b == by_external_id.end() || a->second == b->second) {
        continue;
      }
      out.known_pairs.emplace_back(std::min(a->second, b->second), std::max(a->second, b->second));
    }
    std::sort(out.known_pairs.begin(), out.known_pairs.end());
    out.known_pairs.erase(std::unique(out.known_pairs.begin(), out.known_pairs.end()),
                          out.known_pairs.end());
    out.event.input.excluded_pairs.insert(out.event.input.excluded_pairs.end(),
                                          out.known_pairs.begin(), out.known_pairs.end());
  }
  out.import_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace parley::tools
