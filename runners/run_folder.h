// Getting a run folder ready for this run, under its setup lock: the shard
// layout and the manifest checked against what the folder holds, records of
// changed checkpoints set aside, the manifest written. Nothing another live
// run relies on is rewritten: a run that is not alone in the folder may only
// add records of the same suite, checkpoints and shard layout.
#ifndef DOOMSCOPE_RUNNERS_RUN_FOLDER_H_
#define DOOMSCOPE_RUNNERS_RUN_FOLDER_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "results/proto/record.pb.h"
#include "results/run_dir.h"
#include "runners/plan.h"

namespace doomscope {

// Returns the number of records set aside (moved to DIR/stale/) because their
// checkpoint's files changed; messages go to `log` (may be null). Errors
// (FailedPrecondition, nothing written): another live run uses a different
// shard layout, the same shard, a different suite, or changed checkpoints; or
// the folder already holds records of another layout (0/1 beside 0/2 would
// store samples twice).
absl::StatusOr<int64_t> PrepareRunFolder(const std::string& dir, const results::RunDirLock& lock,
                                         const RunManifest& manifest, const Shard& shard, std::FILE* log);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_RUN_FOLDER_H_
