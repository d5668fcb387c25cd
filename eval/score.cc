#include "eval/score.h"

#include "eval/bfcl_scorer.h"
#include "eval/error_classes.h"
#include "eval/field_f1.h"
#include "eval/gsm8k_scorer.h"

namespace doomscope::eval {

bool LoopScoresZero(const TaskConfig& cfg) { return !cfg.has_loop_scores_zero() || cfg.loop_scores_zero(); }

std::string_view CutAtStop(std::string_view output, const json::Value& extra) {
  const json::Value* stops = extra.Find("stop");
  if (stops == nullptr || !stops->is_array()) return output;
  size_t cut = output.size();
  for (const json::Value& s : stops->as_array()) {
    if (!s.is_string() || s.as_string().empty()) continue;
    cut = std::min(cut, output.find(s.as_string()));
  }
  return output.substr(0, cut);
}

ScoreResult ScoreSample(const TaskConfig& cfg, const tasks::TaskItem& item, std::string_view output, bool doom_loop) {
  const std::string_view answer = CutAtStop(output, item.extra);
  ScoreResult r;
  switch (cfg.kind()) {
    case REASONING: r = ScoreGsm8k(cfg, item, answer); break;
    case EXTRACTION: r = ScoreWnut17(item, answer); break;
    case TOOL_USE: r = ScoreBfcl(item, answer); break;
    default:
      r.scored = false;
      r.details = json::Value(json::Object{});
      break;
  }
  if (!r.scored || !doom_loop) return r;
  r.details.Set("doom_loop", json::Value(true));
  if (!LoopScoresZero(cfg)) return r;
  r.details.Set("unzeroed", json::Value(json::Object{{"correct", json::Value(r.correct)},
                                                     {"score", json::Value(r.score)},
                                                     {"error_class", json::Value(r.error_class)}}));
  r.correct = false;
  r.score = 0;
  r.error_class = error_class::kDoomLoop;
  // Task metrics derived from details count the loop as no answer too.
  if (cfg.kind() == REASONING) {
    r.details.Set("strict_correct", json::Value(false));
    r.details.Set("flexible_correct", json::Value(false));
  } else if (cfg.kind() == EXTRACTION) {
    r.details.Set("counts", EmptyPredictionCounts(item.gold));
    r.details.Set("exact_match", json::Value(false));
  }
  return r;
}

}  // namespace doomscope::eval
