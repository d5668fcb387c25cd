// `doomscope run`: plan the suite, skip what DIR already stores, generate the
// rest checkpoint by checkpoint through a backend, run the detectors and the
// task scorer on every sample, and append each record the moment it is done
// (on bookkeeping threads: decoding never waits for them).
//
// Concurrency: runs into one DIR are serialized while they set up (DIR's run
// locks, results/run_dir.h); shards of one layout may then generate at once.
// A run never rewrites what another live run holds: it is refused instead
// (before writing anything) when it would need to.
//
// Crash safety: records are framed and appended (results/record_file.h), and
// flushed (fdatasync) every `flush_every` records or `flush_seconds` and at
// the end. A crash loses at most the unflushed records, and a torn last frame
// is truncated on the next open, so a rerun into the same DIR stores every
// planned sample exactly once.
//
// A sample the backend fails (after its retries) is stored as an error record
// beside the records (results/sample_errors.h): reported per checkpoint and
// task, counted nowhere else, and generated again by the next resume, whose
// record then supersedes it.
//
// A checkpoint whose file hashes differ from DIR/manifest's is not reused:
// its stored records are set aside under DIR/stale/ (with a message) and it
// is generated again (only when no other run is live in DIR).
#ifndef DOOMSCOPE_RUNNERS_RUN_SUITE_H_
#define DOOMSCOPE_RUNNERS_RUN_SUITE_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "results/proto/record.pb.h"
#include "results/proto/suite.pb.h"
#include "runners/backend.h"
#include "runners/plan.h"
#include "runners/progress.h"

namespace doomscope {

struct RunOptions {
  std::string suite_path;
  std::string out_dir;  // "" = runs/<suite name> beside the working directory
  Shard shard;
  int threads = 0;  // 0 = the suite's, else all cores
  std::FILE* progress_out = stderr;  // null: quiet
  bool progress_interactive = false;
  int flush_every = 32;
  double flush_seconds = 2.0;
  // Threads that build and store records off the decode thread (0: a quarter
  // of the cores, 1 to 4).
  int bookkeeping_threads = 0;
  // Makes the backend; null = the suite's (runners/backend_factory.h).
  std::function<absl::StatusOr<std::unique_ptr<Backend>>(const SuiteConfig&, int threads)> make_backend;
};

struct RunOutcome {
  std::string out_dir;
  int64_t planned = 0;    // samples in this shard's plan
  int64_t skipped = 0;    // already stored
  int64_t generated = 0;  // stored by this run
  // Samples the backend failed (after its retries): stored as error records
  // (DIR/errors/, results/sample_errors.h), not as samples; the next resume
  // generates them again.
  int64_t failed = 0;
  // Set when this run stored no sample and every one it tried failed (a dead
  // server, a wrong URL): says so, naming the backend and its URL.
  std::string all_failed;
  int64_t set_aside = 0;  // records moved to DIR/stale because a checkpoint changed
  double wall_s = 0;
  std::string table;      // the stage table printed at the end
};

absl::StatusOr<RunOutcome> RunSuite(const RunOptions& options);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_RUN_SUITE_H_
