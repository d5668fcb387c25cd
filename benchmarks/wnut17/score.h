// WNUT-17 scoring: the first JSON object of the output against the gold
// `fields`, as multisets of normalized strings per entity type (eval/field_f1.h).
#ifndef DOOMSCOPE_BENCHMARKS_WNUT17_SCORE_H_
#define DOOMSCOPE_BENCHMARKS_WNUT17_SCORE_H_

#include <string_view>

#include "benchmarks/benchmark.h"
#include "eval/score.h"

namespace doomscope::benchmarks {

// Error class valid / invalid_json / wrong_schema / empty; score = the sample's
// micro F1; correct = valid schema and all six multisets equal. A wrong-schema
// object is still scored on what it holds (missing keys as empty lists, a
// string as a one-element list, non-strings dropped).
eval::ScoreResult ScoreWnut17(const TaskItem& item, std::string_view output);

// details["counts"] for a sample whose prediction counts as empty (a zeroed
// doom loop): every gold entity is a miss.
json::Value EmptyPredictionCounts(const json::Value& gold_fields);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_WNUT17_SCORE_H_
