// `doomscope detect` as a library: the detectors over stored generations of
// any model (the generations leaf's format), one findings line per input line
// and a doom-loop ratio per group with its Wilson 95% interval.
#ifndef DOOMSCOPE_RESULTS_DETECT_GENERATIONS_H_
#define DOOMSCOPE_RESULTS_DETECT_GENERATIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "detectors/config_defaults.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"

namespace doomscope::results {

struct DetectOptions {
  std::string input;
  std::string output;                 // findings JSONL; "" for none
  std::vector<std::string> group_by;  // input fields to group the summary by
  bool assume_capped = false;         // lines without a finish reason count as capped
  bool skip_invalid = false;          // a bad line is a counted warning, not an error
  ResolvedConfig config;
  int threads = 1;
  int64_t max_line_bytes = json::kMaxJsonlLineBytes;
};

struct DetectGroup {
  std::vector<std::string> key;  // values of the group_by fields
  int64_t n = 0, doom = 0, recovered = 0, loop_any = 0, capped = 0, ngram = 0;
};

struct DetectSummary {
  std::vector<DetectGroup> groups;  // in order of first appearance
  DetectGroup total;
  int64_t skipped = 0;
  std::string first_skipped;  // the first skipped line's error
};

// Runs the detectors over `options.input`, writing `options.output`
// atomically (a failed run leaves it untouched). Errors: bad input
// (InvalidArgument, NotFound, ...) names file, line and field; a failure to
// write is Internal/Unavailable/DataLoss.
absl::StatusOr<DetectSummary> DetectGenerations(const DetectOptions& options);

// True for the status codes DetectGenerations uses for I/O failures (as
// opposed to bad input).
bool IsIoFailure(const absl::Status& status);

// The summary as a text table (one row per group, then "all").
std::string DetectTable(const std::vector<std::string>& group_by, const DetectSummary& summary);

// The summary as one JSON object (`detect --json`).
json::Value DetectSummaryJson(const DetectOptions& options, const DetectSummary& summary);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DETECT_GENERATIONS_H_
