// WNUT-17 extraction scoring: the first JSON object of the output against the
// gold `fields`, as multisets of normalized strings per entity type.
#ifndef DOOMSCOPE_EVAL_FIELD_F1_H_
#define DOOMSCOPE_EVAL_FIELD_F1_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "eval/score.h"
#include "results/json/json.h"

namespace doomscope::eval {

// Trims, folds case (ASCII and Latin-1 letters), collapses whitespace runs to
// one space and strips punctuation (ASCII and typographic quotes, dashes,
// ellipses) from both ends. Strings that normalize to "" are not entities.
std::string NormalizeEntity(std::string_view s);

struct Prf {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};
// P = tp/(tp+fp), R = tp/(tp+fn), F1 their harmonic mean; a ratio with a zero
// denominator is 0, except that nothing predicted and nothing expected is a perfect 1.
Prf PrfFromCounts(int64_t tp, int64_t fp, int64_t fn);

// Error class valid / invalid_json / wrong_schema / empty; score = the sample's
// micro F1; correct = valid schema and all six multisets equal. A wrong-schema
// object is still scored on what it holds (missing keys as empty lists, a
// string as a one-element list, non-strings dropped).
ScoreResult ScoreWnut17(const tasks::TaskItem& item, std::string_view output);

// details["counts"] for a sample whose prediction counts as empty (a zeroed
// doom loop): every gold entity is a miss.
json::Value EmptyPredictionCounts(const json::Value& gold_fields);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_FIELD_F1_H_
