// The run folder: where one `doomscope run` keeps everything.
//
//   DIR/manifest                     RunManifest as textproto (what ran, file hashes)
//   DIR/records/shard-I-of-N.tfrecord  append-only SampleRecords, one file per shard/process
//   DIR/summary.json                 the stage report of the records (stage_report.h)
//   DIR/stale/<UTC time>/            records set aside because a checkpoint file changed
//   DIR/.setup.lock, DIR/.live.lock  run locks (RunDirLock)
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

// The locks that keep concurrent runs into one folder from losing records.
// Every run holds a shared lock on DIR/.live.lock for its whole life (shards
// of one layout may run at once), and sets up (reads and writes the manifest,
// sets records aside, opens its shard file) under an exclusive lock on
// DIR/.setup.lock. A run that finds itself alone may change what the folder
// holds; one that is not may only add records of the same suite and shard
// layout. Locks are flock(2) locks: they vanish with the process, so a crash
// never leaves the folder locked.
class RunDirLock {
 public:
  // Creates DIR if needed (nothing else), waits for the setup lock, and finds
  // whether another live run holds DIR.
  static absl::StatusOr<RunDirLock> Acquire(const std::string& dir);

  RunDirLock(RunDirLock&& other) noexcept;
  RunDirLock& operator=(RunDirLock&& other) noexcept;
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;
  ~RunDirLock();  // releases both locks

  // No other live run holds DIR (until EndSetup, none can start).
  bool alone() const { return alone_; }
  // Lets other runs set up; this run stays live until destroyed.
  void EndSetup();

 private:
  RunDirLock(int setup_fd, int live_fd, bool alone) : setup_fd_(setup_fd), live_fd_(live_fd), alone_(alone) {}
  int setup_fd_ = -1;
  int live_fd_ = -1;
  bool alone_ = false;
};

// Whether a live process is writing the record file at `path` (it holds the
// RecordWriter's lock).
bool RecordFileInUse(const std::string& path);

// The shard layouts (n of "shard-i-of-n") of DIR's record files.
struct ShardFile {
  std::string path;
  int index = 0;
  int count = 1;
};
absl::StatusOr<std::vector<ShardFile>> ListShardFiles(const std::string& dir);

// Moves every record whose checkpoint is in `checkpoint_names` out of the
// shard files into DIR/stale/<UTC timestamp>/<shard file name>; each shard
// file is rewritten without them and renamed into place, so a crash leaves
// either the old or the new file (the stale copy is synced first). Returns
// the number of records moved (0 touches nothing). Call it before opening
// RecordWriters on DIR, and only while no other run holds DIR (a RunDirLock
// that is alone): a writer holding the old file would keep writing to it. A
// shard file still being written is refused rather than rewritten.
absl::StatusOr<int64_t> SetAsideCheckpoints(const std::string& dir,
                                            const std::vector<std::string>& checkpoint_names);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_RUN_DIR_H_
