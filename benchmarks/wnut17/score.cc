#include "benchmarks/wnut17/score.h"

#include "benchmarks/common/json_object_extract.h"
#include "benchmarks/wnut17/data.h"
#include "eval/error_classes.h"
#include "eval/field_f1.h"

namespace doomscope::benchmarks {

json::Value EmptyPredictionCounts(const json::Value& gold_fields) {
  const eval::FieldLists gold = eval::ReadFieldLists(gold_fields, WnutEntityTypes());
  json::Value counts{json::Object{}};
  for (std::string_view type : WnutEntityTypes()) {
    const eval::FieldCounts c = eval::CompareMultisets({}, gold.lists.at(std::string(type)));
    counts.Set(type, json::Value(json::Array{json::Value(0), json::Value(0), json::Value(c.fn)}));
  }
  return counts;
}

eval::ScoreResult ScoreWnut17(const TaskItem& item, std::string_view output) {
  eval::ScoreResult r;
  const JsonObjectExtraction ex = ExtractFirstJsonObject(output);
  json::Value prediction{json::Object{}};
  switch (ex.outcome) {
    case JsonObjectOutcome::kEmpty: r.error_class = eval::error_class::kEmpty; break;
    case JsonObjectOutcome::kInvalid:
    case JsonObjectOutcome::kNotFound: r.error_class = eval::error_class::kInvalidJson; break;
    case JsonObjectOutcome::kFound:
      prediction = ex.value;
      r.answer_extractable = true;
      r.extracted = json::Serialize(ex.value);
      break;
  }
  const eval::FieldLists pred = eval::ReadFieldLists(prediction, WnutEntityTypes());
  const bool found = ex.outcome == JsonObjectOutcome::kFound;
  const bool valid = found && pred.valid;
  if (found) r.error_class = valid ? eval::error_class::kValid : eval::error_class::kWrongSchema;
  const eval::FieldLists gold = eval::ReadFieldLists(item.gold, WnutEntityTypes());

  json::Value counts{json::Object{}};
  int64_t tp = 0, fp = 0, fn = 0;
  for (std::string_view type_view : WnutEntityTypes()) {
    const std::string type(type_view);
    const eval::FieldCounts c = eval::CompareMultisets(pred.lists.at(type), gold.lists.at(type));
    counts.Set(type, json::Value(json::Array{json::Value(c.tp), json::Value(c.fp), json::Value(c.fn)}));
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
  }
  // Without an answer object there is nothing to credit, even on a sentence without entities.
  r.score = r.answer_extractable ? eval::PrfFromCounts(tp, fp, fn).f1 : 0;
  r.correct = valid && fp == 0 && fn == 0;
  json::Value details{json::Object{}};
  details.Set("counts", std::move(counts));
  details.Set("exact_match", json::Value(r.correct));
  details.Set("schema_valid", json::Value(valid));
  if (!ex.error.empty()) details.Set("message", json::Value(ex.error));
  r.details = std::move(details);
  return r;
}

}  // namespace doomscope::benchmarks
