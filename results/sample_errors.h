// Error records: the samples a backend could not generate
// (results/proto/record.proto, SampleError), kept apart from the sample
// records so that nothing that counts samples can count them:
//
//   DIR/errors/shard-I-of-N.tfrecord   SampleError frames, append-only, one file per shard
//
// framed and made durable like the records (results/record_file.h). An error
// record is not a result: the sample stays planned, the next resume generates
// it again, and readers resolve it like this (LoadSampleErrors):
//   - a sample that has a SampleRecord is a success: its error records are
//     superseded and ignored, whatever their order;
//   - otherwise its last error record (in file order: a sample's records all
//     live in its shard's file, appended in time order) is the one that
//     counts; earlier ones are counted as `retried`.
// Reports show the unresolved errors per (checkpoint, task): they are never
// part of a ratio, a score, a gate cell, a jury pass or a preference pair.
#ifndef DOOMSCOPE_RESULTS_SAMPLE_ERRORS_H_
#define DOOMSCOPE_RESULTS_SAMPLE_ERRORS_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "results/json/json.h"
#include "results/proto/record.pb.h"
#include "results/record_file.h"

namespace doomscope::results {

std::string ErrorsDir(const std::string& dir);
// DIR/errors/shard-<shard>-of-<num_shards>.tfrecord
std::string ShardErrorPath(const std::string& dir, int shard, int num_shards);

struct StoredErrors {
  // One per sample that has no record: its latest error, in sample order of
  // first appearance.
  std::vector<SampleError> errors;
  int64_t frames = 0;      // error records read
  int64_t superseded = 0;  // error records of samples that have since succeeded
  int64_t retried = 0;     // earlier error records of a sample that errored again
  std::vector<std::string> warnings;  // torn tails dropped, corrupt regions skipped
};

// Reads every DIR/errors/*.tfrecord (none: an empty result) and resolves them
// against `records`, the folder's sample records (see the file comment).
absl::StatusOr<StoredErrors> LoadSampleErrors(const std::string& dir, std::span<const SampleRecord> records,
                                              ReadMode mode = ReadMode::kSalvage);

// Unresolved errors of one (checkpoint, task).
struct ErrorCell {
  std::string checkpoint;
  std::string task;
  int64_t errored = 0;
  std::map<std::string, int64_t> by_class;  // error_class -> samples
  std::string example;                      // one error message, for the reader
};

// Cells in order of first appearance.
std::vector<ErrorCell> TallyErrors(std::span<const SampleError> errors);

// [{"checkpoint", "task", "errored", "by_class": {...}, "example"}]
json::Value ErrorCellsToJson(std::span<const ErrorCell> cells);

// One export line per error record: the sample's names, class, message,
// attempts, backend.
json::Value SampleErrorToJson(const SampleError& error);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_SAMPLE_ERRORS_H_
