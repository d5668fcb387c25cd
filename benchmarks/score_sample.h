// Termination-aware scoring of one generated sample, for any benchmark.
//
// A sample whose detector verdict is doom_loop scores 0 (unless the task sets
// loop_scores_zero: false): a loop is never counted as an answer, even when the
// text it looped over happens to contain one. What the sample would have scored
// stays in details["unzeroed"] and answer_extractable, so reports can show how
// much a naive harness over-scores.
#ifndef DOOMSCOPE_BENCHMARKS_SCORE_SAMPLE_H_
#define DOOMSCOPE_BENCHMARKS_SCORE_SAMPLE_H_

#include <string_view>

#include "benchmarks/benchmark.h"
#include "eval/aggregate.h"
#include "eval/score.h"
#include "results/proto/task.pb.h"

namespace doomscope::benchmarks {

// Scores `output` (the generated text, prompt excluded) for `item`, loaded from
// `cfg` by its benchmark. Thinking segments (`<think>...</think>`) are removed
// first (they stay in the record and in loop detection, never in the answer),
// then the output is cut at the item's stop strings (extra["stop"]), as a
// harness with stop sequences would have ended it. A task
// whose benchmark has no scorer gives scored = false.
eval::ScoreResult ScoreSample(const TaskConfig& cfg, const TaskItem& item, std::string_view output, bool doom_loop,
                              const ScoreContext& context = {});

// cfg.loop_scores_zero, default true.
bool LoopScoresZero(const TaskConfig& cfg);

// An aggregator for the samples of `cfg`, named `cfg.name()`, with its
// benchmark's own metrics.
eval::ScoreAggregator NewScoreAggregator(const TaskConfig& cfg);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_SCORE_SAMPLE_H_
