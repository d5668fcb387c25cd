// The CI gate: compares a candidate run against a baseline run cell by cell
// (checkpoint, task, sampling), on samples paired by (item_id, rollout).
//
// Per cell, with d = candidate - baseline on the paired samples:
//   regression    d(doom-loop ratio) > max_doom_loop_increase and exact McNemar p < alpha,
//                 or d(accuracy) < -max_accuracy_drop and McNemar p < alpha;
//   inconclusive  fewer than min_samples pairs, or so few that no outcome could
//                 reach p < alpha (2 * 0.5^n >= alpha), or a change larger than
//                 the policy allows whose p is not below alpha;
//   error         the cell exists in only one run, or no sample pairs up;
//   pass          otherwise.
// Exit code: 3 if any cell is an error, else 1 if any regressed, else 2 if any
// is inconclusive, else 0. Cells are listed in the stage report's order (task,
// sampling, stage, checkpoint step, checkpoint name).
#ifndef DOOMSCOPE_RESULTS_GATE_H_
#define DOOMSCOPE_RESULTS_GATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "results/proto/record.pb.h"
#include "results/proto/suite.pb.h"
#include "results/stage_report.h"

namespace doomscope::results {

inline constexpr int kGatePass = 0;
inline constexpr int kGateRegression = 1;
inline constexpr int kGateInconclusive = 2;
inline constexpr int kGateError = 3;

enum class GateVerdict { kPass, kRegression, kInconclusive, kError };
const char* GateVerdictName(GateVerdict v);  // "pass", "regression", "inconclusive", "error"

struct GateCell {
  CellKey key;  // stage from the candidate when present
  int64_t baseline_n = 0, candidate_n = 0;
  Transition paired;  // from = baseline, to = candidate
  double baseline_ratio = 0, candidate_ratio = 0;       // over the paired samples
  bool has_accuracy = false;
  double baseline_accuracy = 0, candidate_accuracy = 0;  // over pairs scored on both sides
  GateVerdict verdict = GateVerdict::kPass;
  std::string reason;  // one sentence with the numbers
};

struct GateReport {
  GatePolicy policy;  // with defaults filled in
  std::vector<GateCell> cells;
  int exit_code = kGatePass;
};

// Fills unset (zero) fields with the defaults: 0.02, 0.01, 0.05, 10.
GatePolicy EffectivePolicy(const GatePolicy& policy);

// Every field finite and in range (thresholds and alpha in [0, 1], alpha < 1,
// min_samples >= 0; 0 means the default); the error names the field. A NaN
// threshold would otherwise compare false and pass any regression.
absl::Status ValidateGatePolicy(const GatePolicy& policy);

// Reads and validates a GatePolicy textproto; errors name file, line and
// column, or the field.
absl::StatusOr<GatePolicy> ReadGatePolicy(const std::string& path);

GateReport RunGate(const std::vector<SampleRecord>& baseline, const std::vector<SampleRecord>& candidate,
                   const GatePolicy& policy);

// Markdown for a pull-request comment: the verdict line, then one row per cell.
std::string GateToMarkdown(const GateReport& report, const std::string& baseline_label,
                           const std::string& candidate_label);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_GATE_H_
