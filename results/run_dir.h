// The run folder: where one `doomscope run` keeps everything.
//
//   DIR/manifest                     RunManifest as textproto (what ran, file hashes)
//   DIR/records/shard-I-of-N.tfrecord  append-only SampleRecords, one file per shard/process
//   DIR/summary.json                 the stage report of the records (stage_report.h)
//   DIR/stale/<UTC time>/            records set aside because a checkpoint file changed
#ifndef DOOMSCOPE_RESULTS_RUN_DIR_H_
#define DOOMSCOPE_RESULTS_RUN_DIR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/proto/record.pb.h"
#include "results/record_file.h"

namespace doomscope::results {

std::string ManifestPath(const std::string& dir);
std::string RecordsDir(const std::string& dir);
std::string SummaryPath(const std::string& dir);
// DIR/records/shard-<shard>-of-<num_shards>.tfrecord
std::string ShardRecordPath(const std::string& dir, int shard, int num_shards);

// Parse errors name the file, line and column; a missing manifest is NotFound.
absl::StatusOr<RunManifest> ReadManifest(const std::string& dir);
// Creates DIR if needed and replaces DIR/manifest atomically.
absl::Status WriteManifest(const std::string& dir, const RunManifest& m);

struct RunContents {
  RunManifest manifest;                // empty when the folder has none (a warning says so)
  std::vector<SampleRecord> records;   // file order, shard files sorted by name
  std::vector<std::string> warnings;   // torn tails dropped, duplicates, missing manifest
};

// Loads DIR/manifest and every DIR/records/*.tfrecord. A sample stored twice
// (same non-empty sample_id) keeps its first copy. Errors: DIR missing or not
// a run folder (no manifest and no records/), unreadable files, and corrupt
// ones in kStrict mode; kSalvage (reports, export, the dashboard) skips corrupt
// regions with a warning that counts them and keeps every valid record.
absl::StatusOr<RunContents> LoadRunDir(const std::string& dir, ReadMode mode = ReadMode::kStrict);

// Moves every record whose checkpoint is in `checkpoint_names` out of the
// shard files into DIR/stale/<UTC timestamp>/<shard file name>; each shard
// file is rewritten without them and renamed into place, so a crash leaves
// either the old or the new file (the stale copy is synced first). Returns
// the number of records moved (0 touches nothing). Call it before opening
// RecordWriters on DIR: a writer holding the old file would keep writing to it.
absl::StatusOr<int64_t> SetAsideCheckpoints(const std::string& dir,
                                            const std::vector<std::string>& checkpoint_names);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_RUN_DIR_H_
