// Stores backend results off the decode thread. The backend's callback only
// queues a result (blocking when the bounded queue is full, so memory stays
// bounded); worker threads build each record (detectors, scorer) and append it
// to the shard's record file, fdatasync'ing every `flush_every` records or
// `flush_seconds`. A result the backend failed becomes an error record
// (results/sample_errors.h), appended to the shard's error file (opened on the
// first one) and synced at every Drain. Records may land in a different order
// than results arrive; each submitted result is stored as a record or as an
// error record exactly once. After the first write error, later results are
// dropped (a resume regenerates them) and Drain returns the error.
#ifndef DOOMSCOPE_RUNNERS_RECORD_SINK_H_
#define DOOMSCOPE_RUNNERS_RECORD_SINK_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/proto/record.pb.h"
#include "results/record_file.h"
#include "runners/backend.h"
#include "runners/progress.h"

namespace doomscope {

class RecordSink {
 public:
  struct Options {
    int workers = 1;
    size_t capacity = 256;  // queued results before Submit blocks
    int flush_every = 32;
    double flush_seconds = 2.0;
    // Where error records go (DIR/errors/shard-I-of-N.tfrecord); "" keeps
    // them in memory only (failures() still lists them).
    std::string errors_path;
  };
  // What a result becomes: its record, or the error record of a sample the
  // backend failed.
  using Built = std::variant<SampleRecord, SampleError>;
  // Called from worker threads, concurrently when there are several.
  using Builder = std::function<Built(BackendResult)>;

  // `writer` and `progress` (may be null) outlive the sink.
  RecordSink(results::RecordWriter* writer, Progress* progress, Options options);
  ~RecordSink();  // stops the workers (call Drain first to store what is queued)
  RecordSink(const RecordSink&) = delete;
  RecordSink& operator=(const RecordSink&) = delete;

  // Sets how results are built and which progress row they count for, until
  // the next Begin. Only while nothing is queued (after Drain).
  void Begin(int checkpoint, Builder builder);
  // Queues a result; called from the backend's threads.
  void Submit(BackendResult result);
  // Waits until every submitted result is stored or failed; returns the
  // first write error.
  absl::Status Drain();

  int64_t stored() const;    // records appended
  int64_t errored() const;   // error records appended
  // One line per error record: "sample ID (checkpoint "C" task "T" item "I"): CLASS: MESSAGE".
  std::vector<std::string> failures() const;

 private:
  void Work();
  void Store(Built built);
  void StoreRecord(const SampleRecord& record);  // under write_mu_
  void StoreError(const SampleError& error);     // under write_mu_

  results::RecordWriter* writer_;
  Progress* progress_;
  Options options_;
  int checkpoint_ = 0;
  Builder builder_;

  // The queue has its own lock so that the decode thread never waits for an
  // append or an fdatasync (which hold write_mu_).
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_, idle_;
  std::deque<BackendResult> queue_;
  int busy_ = 0;  // results taken by workers and not yet stored
  bool stopping_ = false;

  mutable std::mutex write_mu_;  // the writer, the progress rows and what follows
  absl::Status error_;
  int64_t stored_ = 0;
  int64_t errored_ = 0;
  std::unique_ptr<results::RecordWriter> errors_writer_;  // opened on the first error record
  bool errors_unflushed_ = false;
  int64_t unflushed_ = 0;
  double last_flush_s_ = 0;
  std::vector<std::string> failures_;
  std::vector<std::thread> workers_;
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_RECORD_SINK_H_
