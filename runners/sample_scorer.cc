#include "runners/sample_scorer.h"

#include "eval/score.h"

namespace doomscope {

TaskScore ScoreForRecord(const TaskConfig& task, const tasks::TaskItem& item, const std::string& output,
                         bool doom_loop) {
  TaskScore score;
  if (task.kind() == CONTINUATION) return score;  // scored = false: nothing to score
  eval::ScoreResult r = eval::ScoreSample(task, item, output, doom_loop);
  score.set_scored(r.scored);
  score.set_correct(r.correct);
  score.set_score(r.score);
  score.set_error_class(r.error_class);
  score.set_extracted(r.extracted);
  score.set_answer_extractable(r.answer_extractable);
  if (!r.details.is_null()) score.set_details_json(json::Serialize(r.details));
  return score;
}

}  // namespace doomscope
