// Task-level summaries of scored samples: accuracy with a Wilson 95% interval
// (clustered by item when items have several rollouts), the error-class
// breakdown, the termination-aware counts, and per task: GSM8K strict and
// flexible accuracy; WNUT-17 micro and per-type precision/recall/F1, exact
// match and schema validity; BFCL accuracy per category.
#ifndef DOOMSCOPE_EVAL_AGGREGATE_H_
#define DOOMSCOPE_EVAL_AGGREGATE_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "eval/score.h"
#include "results/json/json.h"
#include "results/proto/task.pb.h"

namespace doomscope::eval {

struct TaskSummary {
  std::string task;
  int64_t n = 0;
  int64_t correct = 0;
  double accuracy = 0;
  double ci_low = 0;
  double ci_high = 1;
  double mean_score = 0;                 // mean ScoreResult.score (WNUT: mean per-sample F1)
  std::map<std::string, int64_t> errors;  // error class -> count ("" not counted)
  int64_t doom_loops = 0;                 // samples with a doom-loop verdict
  int64_t looped_extractable = 0;         // ... whose output still had an extractable answer
  int64_t looped_would_be_correct = 0;    // ... that a naive harness would have scored correct
  json::Value metrics;                    // task-specific, see the file comment
};

class ScoreAggregator {
 public:
  ScoreAggregator(std::string task, TaskKind kind);

  void Add(std::string_view item_id, const ScoreResult& result);
  TaskSummary Summary() const;

 private:
  struct ItemCount {
    int64_t n = 0;
    int64_t correct = 0;
  };
  std::string task_;
  TaskKind kind_;
  TaskSummary sums_;
  double score_sum_ = 0;
  std::map<std::string, ItemCount, std::less<>> per_item_;
  int64_t strict_ = 0, flexible_ = 0;                                   // GSM8K
  std::map<std::string, std::array<int64_t, 3>> type_counts_;           // WNUT tp, fp, fn
  int64_t exact_ = 0, schema_valid_ = 0;                                // WNUT
  std::map<std::string, std::array<int64_t, 2>> per_category_;          // BFCL n, correct
};

// {"task", "n", "correct", "accuracy", "ci_low", "ci_high", "errors": {...},
//  "mean_score", "doom_loops", "looped_extractable", "looped_would_be_correct", "metrics"}.
json::Value SummaryToJson(const TaskSummary& summary);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_AGGREGATE_H_
