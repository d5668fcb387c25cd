#include "runners/sample_scorer.h"

#include "benchmarks/score_sample.h"

namespace doomscope {

TaskScore ScoreForRecord(const TaskConfig& task, const benchmarks::TaskItem& item, const std::string& output,
                         bool doom_loop, const benchmarks::ScoreContext& context) {
  TaskScore score;
  const eval::ScoreResult r = benchmarks::ScoreSample(task, item, output, doom_loop, context);
  if (!r.scored) return score;  // nothing to score
  score.set_scored(true);
  score.set_correct(r.correct);
  score.set_score(r.score);
  score.set_error_class(r.error_class);
  score.set_extracted(r.extracted);
  score.set_answer_extractable(r.answer_extractable);
  if (!r.details.is_null()) score.set_details_json(json::Serialize(r.details));
  return score;
}

}  // namespace doomscope
