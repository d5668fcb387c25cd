#include "eval/gsm8k_scorer.h"

#include "benchmarks/tasks/gsm8k_extract.h"
#include "benchmarks/tasks/number_normalize.h"
#include "eval/error_classes.h"

namespace doomscope::eval {
namespace {

json::Value OrNull(const std::optional<std::string>& s) { return s ? json::Value(*s) : json::Value(); }

}  // namespace

ScoreResult ScoreGsm8k(const TaskConfig& cfg, const tasks::TaskItem& item, std::string_view output) {
  std::string reference;
  if (const json::Value* a = item.gold.Find("answer"); a != nullptr && a->is_string()) {
    reference = tasks::NormalizeNumber(a->as_string()).value_or(a->as_string());
  }
  const tasks::Gsm8kExtraction ex = tasks::ExtractGsm8kAnswers(output);
  const bool strict_correct = ex.strict && *ex.strict == reference;
  const bool flexible_correct = ex.flexible && *ex.flexible == reference;
  const bool use_flexible = cfg.gsm8k_scoring() == GSM8K_SCORING_FLEXIBLE;
  const std::optional<std::string>& chosen = use_flexible ? ex.flexible : ex.strict;

  ScoreResult r;
  r.correct = use_flexible ? flexible_correct : strict_correct;
  r.score = r.correct ? 1 : 0;
  r.extracted = chosen.value_or("");
  r.answer_extractable = ex.strict.has_value() || ex.flexible.has_value();
  r.error_class = r.correct ? "" : chosen ? std::string(error_class::kWrongAnswer) : std::string(error_class::kNoAnswer);
  r.details = json::Value(json::Object{{"reference", json::Value(reference)},
                                       {"strict", OrNull(ex.strict)},
                                       {"flexible", OrNull(ex.flexible)},
                                       {"strict_correct", json::Value(strict_correct)},
                                       {"flexible_correct", json::Value(flexible_correct)}});
  return r;
}

}  // namespace doomscope::eval
