// The stage comparison: doom-loop statistics per (checkpoint, task, sampling)
// cell in training-stage order, and paired changes between consecutive
// checkpoints on the same prompts (DETECTORS.md section 7, DESIGN.md).
#ifndef DOOMSCOPE_RESULTS_STAGE_REPORT_H_
#define DOOMSCOPE_RESULTS_STAGE_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "results/proto/record.pb.h"

namespace doomscope::results {

struct CellKey {
  std::string checkpoint;
  Stage stage = STAGE_UNSPECIFIED;
  std::string task;
  std::string sampling;
  int64_t checkpoint_step = 0;  // SampleRecord.checkpoint_step; orders checkpoints within a stage
};

struct StageRow {
  CellKey key;
  std::string parent;           // SampleRecord.checkpoint_parent ("" = none)
  int64_t n = 0;                // generations
  int64_t n_prompts = 0;        // distinct item_id (clusters for the interval)
  int64_t doom_loops = 0;       // verdict.doom_loop
  int64_t recovered_loops = 0;  // runs.recovered_loop
  int64_t ngram_loops = 0;      // ngram.pipis_loop
  int64_t loop_any = 0;         // verdict.loop_any (D1 or D2 or pipis)
  int64_t near_loops = 0;       // near.periodic (D4, never in the ratio)
  int64_t cap_hits = 0;         // capped (length, or our streaming stop)
  int64_t cap_no_loop = 0;      // verdict.kind == CAP_NO_LOOP
  int64_t early_stops = 0;      // early_stopped
  int64_t looped_but_extractable = 0;  // doom loop whose answer could still be extracted
  double doom_loop_ratio = 0, ci_low = 0, ci_high = 1;  // Wilson 95%, clustered by prompt
  double recovered_rate = 0, ngram_loop_rate = 0, loop_any_rate = 0, near_loop_rate = 0;
  double cap_hit_rate = 0, cap_no_loop_rate = 0, early_stop_rate = 0;
  double mean_seq_rep_4 = 0, mean_new_tokens = 0;
  // Sum over doom loops of (budget - onset) / sum over all samples of budget,
  // budget = effective_max_tokens (else max_new_tokens), onset in tokens.
  double wasted_token_share = 0;
  bool has_accuracy = false;    // some record carries TaskScore.scored
  int64_t n_scored = 0;
  int64_t correct = 0;
  double accuracy = 0, acc_ci_low = 0, acc_ci_high = 1;  // over scored samples, clustered Wilson
  // Early-stop shadow samples (SampleRecord.shadow): run on to the cap; how
  // many the streaming rule fired on, and how many of those escaped the loop.
  int64_t shadow_samples = 0;
  int64_t shadow_fired = 0;
  int64_t shadow_escaped = 0;
  double escape_rate = 0, escape_ci_low = 0, escape_ci_high = 1;  // escaped / fired, Wilson 95%
  // Reasoning segments (findings.think; a chat template may open it in the prompt).
  int64_t think_opened = 0;     // samples with a think segment
  int64_t think_unclosed = 0;   // ... never closed (the answer never came)
  int64_t think_doom_loops = 0; // doom loops whose repeated tail lies in the think segment
  double mean_think_tokens = 0; // over the samples with a think segment
};

// Change from one checkpoint to the next on the same prompts, paired on
// (item_id, rollout).
struct Transition {
  CellKey from, to;
  int64_t n_paired = 0;
  int64_t newly_looping = 0;  // not a doom loop before, one after
  int64_t recovered = 0;      // a doom loop before, not after
  double doom_loop_delta = 0; // (newly_looping - recovered) / n_paired
  double mcnemar_p = 1;       // exact, on (newly_looping, recovered)
  bool has_accuracy = false;  // both sides scored on some pairs
  int64_t n_acc_paired = 0;
  int64_t acc_gained = 0, acc_lost = 0;
  double accuracy_delta = 0, accuracy_p = 1;
};

struct StageReport {
  std::vector<StageRow> rows;
  std::vector<Transition> transitions;
};

// Rows grouped by (task, sampling) (by name), within a group in stage order
// PRETRAIN, SFT, DPO, RL, OTHER, unspecified, then checkpoint step, then
// name. Transitions compare each row with its checkpoint's parent
// (SampleRecord.checkpoint_parent) when the group has a row of the parent,
// else with the previous row of its group.
StageReport BuildStageReport(const std::vector<SampleRecord>& records);

// Statistics of one cell (exposed for the gate and the dashboard).
StageRow ComputeRow(const CellKey& key, const std::vector<const SampleRecord*>& records);

// Paired comparison of two cells' samples, matched on (item_id, rollout).
Transition ComparePaired(const CellKey& from_key, const std::vector<const SampleRecord*>& from,
                         const CellKey& to_key, const std::vector<const SampleRecord*>& to);

// "PRETRAIN", "SFT", ...; "UNSPECIFIED" for 0.
const char* StageName(Stage stage);
// Position in the report order (PRETRAIN first).
int StageOrder(Stage stage);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_STAGE_REPORT_H_
