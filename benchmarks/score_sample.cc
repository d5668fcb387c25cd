#include "benchmarks/score_sample.h"

#include "benchmarks/registry.h"
#include "eval/error_classes.h"

namespace doomscope::benchmarks {

bool LoopScoresZero(const TaskConfig& cfg) { return !cfg.has_loop_scores_zero() || cfg.loop_scores_zero(); }

eval::ScoreResult ScoreSample(const TaskConfig& cfg, const TaskItem& item, std::string_view output, bool doom_loop,
                              const ScoreContext& context) {
  eval::ScoreResult r;
  absl::StatusOr<const Benchmark*> benchmark = FindBenchmark(cfg.kind());
  if (!benchmark.ok() || !(*benchmark)->scored()) {
    r.scored = false;
    r.details = json::Value(json::Object{});
    return r;
  }
  // Reasoning is never the answer: it goes before stop strings are looked for
  // (a stop string written while thinking must not cut the answer away).
  const std::string answer = eval::WithoutThinking(output);
  r = (*benchmark)->Score(cfg, item, eval::CutAtStop(answer, item.extra), context);
  if (!r.scored || !doom_loop) return r;
  r.details.Set("doom_loop", json::Value(true));
  if (!LoopScoresZero(cfg)) return r;
  r.details.Set("unzeroed", json::Value(json::Object{{"correct", json::Value(r.correct)},
                                                     {"score", json::Value(r.score)},
                                                     {"error_class", json::Value(r.error_class)}}));
  r.correct = false;
  r.score = 0;
  r.error_class = eval::error_class::kDoomLoop;
  // Benchmark metrics derived from details count the loop as no answer too.
  (*benchmark)->ZeroLooped(item, &r);
  return r;
}

eval::ScoreAggregator NewScoreAggregator(const TaskConfig& cfg) {
  absl::StatusOr<const Benchmark*> benchmark = FindBenchmark(cfg.kind());
  return eval::ScoreAggregator(cfg.name(), benchmark.ok() ? (*benchmark)->NewMetrics(cfg) : nullptr);
}

}  // namespace doomscope::benchmarks
