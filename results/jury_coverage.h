// Whether a folder's jury report still describes its samples. The report
// (DIR/jury/report.json) is written at the end of a jury pass; samples stored
// later (a resumed run, a new checkpoint, another shard) are in no vote and
// no aggregate of it. So the pass records what it covered,
//
//   "coverage": {"samples": N, "sample_ids_sha256": HEX}
//
// (HEX: SHA-256 of the sorted sample ids, each followed by '\n'), and the
// readers (`doomscope report`, the dashboard) compare it with what is stored
// now and say "jury covers N of M samples — run `doomscope judge DIR` to
// update" when they differ.
#ifndef DOOMSCOPE_RESULTS_JURY_COVERAGE_H_
#define DOOMSCOPE_RESULTS_JURY_COVERAGE_H_

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "results/json/json.h"
#include "results/proto/record.pb.h"

namespace doomscope::results {

// SHA-256 (hex) of the sorted sample ids of `records`, each followed by '\n'.
std::string SampleIdsFingerprint(std::span<const SampleRecord> records);

// The report's "coverage" object for `records` (the samples the pass saw).
json::Value JuryCoverageJson(std::span<const SampleRecord> records);

struct JuryCoverage {
  bool judged = false;   // DIR has a jury report
  bool current = true;   // the report covers exactly the stored samples and every judge voted on each
  int64_t covered = 0;   // stored samples that every judge of the jury has a vote for
  int64_t samples = 0;   // stored samples now
  int64_t reported = 0;  // samples the report covered
  std::string update_command;  // "doomscope judge DIR" (the suite's jury) or "... --jury FILE"
};

// Compares `report` (DIR/jury/report.json, null when absent) with `records`
// (DIR's samples now), counting votes from DIR/jury/. Not judged: a
// JuryCoverage with judged = false. Errors: an unreadable manifest or vote file.
absl::StatusOr<JuryCoverage> CheckJuryCoverage(const std::string& dir, std::span<const SampleRecord> records,
                                               const json::Value& report);

// "jury covers N of M samples — run `doomscope judge DIR` to update", or a
// line saying the report predates the samples; "" when current or not judged.
std::string JuryCoverageNote(const JuryCoverage& coverage);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_JURY_COVERAGE_H_
