// The stage report as JSON: `doomscope report --json`, DIR/summary.json, and
// the dashboard's /api/summary all use this one shape:
//   {"rows": [{"checkpoint", "stage", "task", "sampling", "n", "doom_loops",
//              "doom_loop_ratio", "ci_low", "ci_high", ...every StageRow field}],
//    "transitions": [{"from_checkpoint", "from_stage", "to_checkpoint",
//                     "to_stage", "task", "sampling", "n_paired", ...}],
//    "errors": [{"checkpoint", "task", "errored", "by_class", "example"}]}
// Accuracy fields appear only where has_accuracy is true. "errors" lists the
// samples the backend could not generate (results/sample_errors.h), outside
// every row.
#ifndef DOOMSCOPE_RESULTS_REPORT_JSON_H_
#define DOOMSCOPE_RESULTS_REPORT_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "results/json/json.h"
#include "results/stage_report.h"

namespace doomscope::results {

json::Value StageRowToJson(const StageRow& row);
json::Value TransitionToJson(const Transition& t);
json::Value StageReportToJson(const StageReport& report);

// Writes StageReportToJson to DIR/summary.json atomically.
absl::Status WriteSummary(const std::string& dir, const StageReport& report);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_REPORT_JSON_H_
