// Termination-aware scoring of one generated sample, for every task kind.
//
// A sample whose detector verdict is doom_loop scores 0 (unless the task sets
// loop_scores_zero: false): a loop is never counted as an answer, even when the
// text it looped over happens to contain one. What the sample would have scored
// stays in details["unzeroed"] and answer_extractable, so reports can show how
// much a naive harness over-scores.
#ifndef DOOMSCOPE_EVAL_SCORE_H_
#define DOOMSCOPE_EVAL_SCORE_H_

#include <string>
#include <string_view>

#include "benchmarks/tasks/task.h"
#include "results/json/json.h"
#include "results/proto/task.pb.h"

namespace doomscope::eval {

struct ScoreResult {
  bool scored = true;        // false for CONTINUATION (no answer to score)
  bool correct = false;      // GSM8K: the configured extraction matches; WNUT: all six
                             // lists equal as multisets; BFCL: the AST check passes
  double score = 0;          // 0/1, WNUT: the sample's micro F1
  std::string error_class;   // eval/error_classes.h; "" = correct (GSM8K, BFCL)
  std::string extracted;     // the extracted answer, for display
  bool answer_extractable = false;  // a naive harness would have found an answer
  // Task-specific: GSM8K {reference, strict, flexible, strict_correct,
  // flexible_correct}; WNUT {counts: {type: [tp, fp, fn]}, exact_match,
  // schema_valid}; BFCL {category, outcome, format, n_calls, message, matching}.
  // Plus "doom_loop": true and "unzeroed": {correct, score, error_class} for
  // zeroed samples.
  json::Value details;
};

// Scores `output` (the generated text, prompt excluded) for `item`, loaded by
// tasks::LoadTaskItems from `cfg`. The output is first cut at the item's stop
// strings (extra["stop"]), as a harness with stop sequences would have ended it.
ScoreResult ScoreSample(const TaskConfig& cfg, const tasks::TaskItem& item, std::string_view output, bool doom_loop);

// cfg.loop_scores_zero, default true.
bool LoopScoresZero(const TaskConfig& cfg);

// `output` up to the first of extra["stop"]'s strings.
std::string_view CutAtStop(std::string_view output, const json::Value& extra);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_SCORE_H_
