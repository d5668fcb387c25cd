// Task-level summaries of scored samples: accuracy with a Wilson 95% interval
// (clustered by item when items have several rollouts), the error-class
// breakdown, the termination-aware counts, and the benchmark's own metrics
// (a MetricsAccumulator its folder provides: GSM8K strict and flexible
// accuracy; WNUT-17 micro and per-type P/R/F1; BFCL accuracy per category).
#ifndef DOOMSCOPE_EVAL_AGGREGATE_H_
#define DOOMSCOPE_EVAL_AGGREGATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "eval/score.h"
#include "results/json/json.h"

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
  json::Value metrics;                    // the benchmark's own, see the file comment
};

// A benchmark's own aggregate over its scored samples' details.
class MetricsAccumulator {
 public:
  virtual ~MetricsAccumulator() = default;
  virtual void Add(const ScoreResult& result) = 0;
  // `n`: the scored samples added.
  virtual json::Value Metrics(int64_t n) const = 0;
};

class ScoreAggregator {
 public:
  // `metrics` may be null (no benchmark metrics).
  ScoreAggregator(std::string task, std::unique_ptr<MetricsAccumulator> metrics);

  void Add(std::string_view item_id, const ScoreResult& result);
  TaskSummary Summary() const;

 private:
  struct ItemCount {
    int64_t n = 0;
    int64_t correct = 0;
  };
  std::string task_;
  std::unique_ptr<MetricsAccumulator> metrics_;
  TaskSummary sums_;
  double score_sum_ = 0;
  std::map<std::string, ItemCount, std::less<>> per_item_;
};

// {"task", "n", "correct", "accuracy", "ci_low", "ci_high", "errors": {...},
//  "mean_score", "doom_loops", "looped_extractable", "looped_would_be_correct", "metrics"}.
json::Value SummaryToJson(const TaskSummary& summary);

// details[key] as a bool (false when absent), for accumulators.
bool DetailBool(const json::Value& details, std::string_view key);
// num / den, 0 when den is 0.
double Ratio(int64_t num, int64_t den);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_AGGREGATE_H_
