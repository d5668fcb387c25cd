// Where a run folder keeps its jury's votes (results/proto/jury.proto):
//
//   DIR/jury/manifest                     JuryManifest (textproto): the jury the votes belong to
//   DIR/jury/votes-shard-I-of-N.tfrecord  JudgeVote frames, append-only, one file per process
//   DIR/jury/report.json                  the last pass's jury report (what the dashboard shows)
//
// Votes are framed and made durable exactly like sample records
// (results/record_file.h): a crash loses at most the votes not yet flushed,
// and a torn last frame is dropped on read and truncated on the next append.
// A vote is keyed by (sample id, judge name, judge fingerprint): a judge
// whose config or files changed votes afresh. LoadVotes keeps, per key, the
// first vote that is final (a score, or an abstention that asking again would
// not change) and otherwise the latest abstention, so a key is never counted
// twice and a retried transport failure is superseded by its answer.
#ifndef DOOMSCOPE_RESULTS_JURY_STORE_H_
#define DOOMSCOPE_RESULTS_JURY_STORE_H_

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/json/json.h"
#include "results/proto/jury.pb.h"
#include "results/record_file.h"

namespace doomscope::results {

std::string JuryDir(const std::string& dir);
std::string JuryManifestPath(const std::string& dir);
std::string JuryReportPath(const std::string& dir);
// DIR/jury/votes-shard-<shard>-of-<num_shards>.tfrecord
std::string VoteFilePath(const std::string& dir, int shard, int num_shards);

// NotFound when the folder has no jury manifest.
absl::StatusOr<JuryManifest> ReadJuryManifest(const std::string& dir);
absl::Status WriteJuryManifest(const std::string& dir, const JuryManifest& manifest);

struct StoredVotes {
  // (sample id, judge name, fingerprint) -> the vote that counts (see the file comment).
  using Key = std::tuple<std::string, std::string, std::string>;
  absl::flat_hash_map<Key, JudgeVote> votes;
  const JudgeVote* Find(const std::string& sample_id, const JudgeIdentity& judge) const {
    auto it = votes.find(Key(sample_id, judge.name(), judge.fingerprint()));
    return it == votes.end() ? nullptr : &it->second;
  }
  int64_t frames = 0;          // votes read, superseded ones included
  int64_t superseded = 0;      // retryable abstentions replaced by a later vote
  int64_t duplicates = 0;      // a second final vote for a key (kept: the first)
  std::vector<std::string> warnings;  // torn tails dropped, corrupt regions skipped
};

// Every DIR/jury/votes-*.tfrecord (none is an empty result). kSalvage skips
// corrupt regions with a warning; kStrict fails on them.
absl::StatusOr<StoredVotes> LoadVotes(const std::string& dir, ReadMode mode = ReadMode::kSalvage);

// The stored jury report (DIR/jury/report.json), or null when absent or unreadable.
json::Value ReadJuryReport(const std::string& dir);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_JURY_STORE_H_
