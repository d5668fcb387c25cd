#include "benchmarks/gsm8k/score.h"

#include "benchmarks/gsm8k/extract.h"
#include "eval/numeric_match.h"
#include "eval/error_classes.h"

namespace doomscope::benchmarks {
namespace {

json::Value OrNull(const std::optional<std::string>& s) { return s ? json::Value(*s) : json::Value(); }

}  // namespace

eval::ScoreResult ScoreGsm8k(const TaskConfig& cfg, const TaskItem& item, std::string_view output) {
  std::string reference;
  if (const json::Value* a = item.gold.Find("answer"); a != nullptr && a->is_string()) {
    reference = eval::NormalizeNumber(a->as_string()).value_or(a->as_string());
  }
  const Gsm8kExtraction ex = ExtractGsm8kAnswers(output);
  const bool strict_correct = ex.strict && *ex.strict == reference;
  const bool flexible_correct = ex.flexible && *ex.flexible == reference;
  const bool use_flexible = cfg.gsm8k_scoring() == GSM8K_SCORING_FLEXIBLE;
  const std::optional<std::string>& chosen = use_flexible ? ex.flexible : ex.strict;

  eval::ScoreResult r;
  r.correct = use_flexible ? flexible_correct : strict_correct;
  r.score = r.correct ? 1 : 0;
  r.extracted = chosen.value_or("");
  r.answer_extractable = ex.strict.has_value() || ex.flexible.has_value();
  r.error_class = r.correct ? "" : chosen ? std::string(eval::error_class::kWrongAnswer) : std::string(eval::error_class::kNoAnswer);
  r.details = json::Value(json::Object{{"reference", json::Value(reference)},
                                       {"strict", OrNull(ex.strict)},
                                       {"flexible", OrNull(ex.flexible)},
                                       {"strict_correct", json::Value(strict_correct)},
                                       {"flexible_correct", json::Value(flexible_correct)}});
  return r;
}

}  // namespace doomscope::benchmarks
