// The table `doomscope run` prints at the end and the DIR/summary.json it
// writes: one row per (checkpoint, task, sampling) in stage order, with the
// doom-loop ratio and its Wilson 95% interval (clustered by item when a
// sampling config has several rollouts), and the rates shown beside it.
#ifndef DOOMSCOPE_RUNNERS_RUN_TABLE_H_
#define DOOMSCOPE_RUNNERS_RUN_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "results/proto/record.pb.h"

namespace doomscope {

struct RunTableRow {
  std::string checkpoint;
  Stage stage = STAGE_UNSPECIFIED;
  std::string task;
  std::string sampling;
  int64_t n = 0;
  int64_t doom_loops = 0;
  double doom_loop_ratio = 0;
  double ci_low = 0, ci_high = 1;
  double cap_hit_rate = 0;
  double early_stop_rate = 0;
  double stop_rate = 0;         // ended by EOS/BOS/stop within the budget
  double mean_new_tokens = 0;
  double mean_seq_rep_4 = 0;
  int64_t scored = 0;           // samples with a task score
  double accuracy = 0;          // mean score over scored samples
};

// Rows in stage order (PRETRAIN, SFT, DPO, RL, OTHER), then checkpoint, task
// and sampling names in first-seen order.
std::vector<RunTableRow> BuildRunTable(const std::vector<SampleRecord>& records);
std::string FormatRunTable(const std::vector<RunTableRow>& rows);
// {"rows": [{"checkpoint", "stage", "task", "sampling", "n", "doom_loops",
//   "doom_loop_ratio", "ci_low", "ci_high", ...}]}
std::string RunTableJson(const std::vector<RunTableRow>& rows);

// Loads DIR, writes DIR/summary.json atomically, returns the printed table.
absl::StatusOr<std::string> WriteRunSummary(const std::string& dir);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_RUN_TABLE_H_
