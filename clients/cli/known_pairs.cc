// parley known-pairs: pairs of attendees who already know each other (organiser token). Reading
// the file is the client library's (known_pairs_file.h), streamed as the pairs are sent.
#include <algorithm>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"
#include "clients/known_pairs_file.h"

namespace parley::client::cli {
namespace {

int KnownPairsImport(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  const std::string& path = ctx.operands[0];
  std::ifstream file(path, std::ios::binary);
  if (!file) return Fail(ctx, absl::NotFoundError(absl::StrCat("cannot open ", path)));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  KnownPairReader reader(&file);
  // A large file takes longer than one call: unless --timeout says otherwise, allow 10 minutes.
  const absl::Duration deadline =
      ctx.Has("timeout") ? client->options().deadline : absl::Minutes(10);
  absl::StatusOr<v1::ImportKnownPairsResponse> imported = client->ImportKnownPairs(
      event_id,
      [&](std::vector<v1::KnownPairRow>* batch, size_t max_rows) {
        return reader.Next(batch, max_rows);
      },
      deadline);
  if (!imported.ok()) {
    Fail(ctx, imported.status());
    ctx.err << "parley: the import did not finish; pairs sent before the failure may be "
               "stored. Importing the file again is safe.\n";
    return kExitFailure;
  }
  v1::ImportKnownPairsResponse response = *std::move(imported);
  // Lines the reader refused join the server's results, in row order.
  for (const RejectedRow& rejected : reader.rejected()) {
    v1::KnownPairResult* result = response.add_results();
    result->set_row_number(rejected.row_number);
    result->set_outcome(v1::KnownPairResult::REJECTED);
    result->set_error(rejected.error);
  }
  response.set_rejected(response.rejected() + static_cast<uint32_t>(reader.rejected().size()));
  std::stable_sort(response.mutable_results()->begin(), response.mutable_results()->end(),
                   [](const v1::KnownPairResult& a, const v1::KnownPairResult& b) {
                     return a.row_number() < b.row_number();
                   });
  std::vector<const v1::KnownPairResult*> rejected;
  for (const v1::KnownPairResult& result : response.results()) {
    if (result.outcome() == v1::KnownPairResult::REJECTED) rejected.push_back(&result);
  }
  if (ctx.json) {
    PrintJson(ctx.out, response);
  } else {
    ctx.out << path << " -> event " << event_id << ": " << reader.rows() << " pairs, "
            << response.added() << " added, " << response.unchanged() << " already known, "
            << response.rejected() << " rejected\n";
    constexpr size_t kShown = 10;
    for (size_t i = 0; i < rejected.size() && i < kShown; ++i) {
      ctx.out << "  " << rejected[i]->error() << "\n";
    }
    if (rejected.size() > kShown) ctx.out << "  ... and " << rejected.size() - kShown << " more\n";
  }
  return rejected.empty() ? kExitOk : kExitRejected;
}

}  // namespace

void AddKnownPairCommands(CommandTree& tree) {
  tree.Add({"known-pairs", "import"}, "Imports pairs of attendees who already know each other.",
           "Needs an organiser token. One pair per line: two external ids separated by a tab or\n"
           "a comma, in either order (co-authors, colleagues). Such pairs are never proposed,\n"
           "however many each person has. Import the attendees first. Importing a file again\n"
           "changes nothing. The file is read as it is sent. Exit 0 if every pair was accepted,\n"
           "2 if some were rejected (unknown external id), 1 on failure. The deadline of the\n"
           "whole import is --timeout if given, else 10 minutes.",
           KnownPairsImport)
      .Operands({"FILE.tsv"})
      .Required(kEventFlag);
}

}  // namespace parley::client::cli
