// What a run folder already stores of a plan: the sample ids to skip on
// resume and the per-checkpoint tallies the progress line starts from.
#ifndef DOOMSCOPE_RUNNERS_STORED_SAMPLES_H_
#define DOOMSCOPE_RUNNERS_STORED_SAMPLES_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "results/proto/suite.pb.h"
#include "runners/plan.h"
#include "runners/progress.h"

namespace doomscope {

struct StoredSamples {
  absl::flat_hash_set<std::string> ids;  // stored samples of the plan of this shard
  std::vector<CheckpointTally> tallies;  // one per checkpoint, in suite order
};

// Reads every record of DIR (all shards) and keeps those the plan of `shard`
// holds: a record is planned when its names, item and rollout are the
// suite's and its id is the one the plan gives them. Memory follows what is
// stored, not the plan. An empty or missing folder stores nothing.
absl::StatusOr<StoredSamples> ScanStoredSamples(const std::string& dir, const SuiteConfig& suite,
                                                const std::vector<std::vector<std::string>>& item_ids,
                                                const Shard& shard);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_STORED_SAMPLES_H_
