#include "eval/aggregate.h"

#include <vector>

#include "results/stats/wilson.h"

namespace doomscope::eval {

bool DetailBool(const json::Value& details, std::string_view key) {
  const json::Value* v = details.Find(key);
  return v != nullptr && v->as_bool();
}

double Ratio(int64_t num, int64_t den) {
  return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : 0;
}

ScoreAggregator::ScoreAggregator(std::string task, std::unique_ptr<MetricsAccumulator> metrics)
    : task_(std::move(task)), metrics_(std::move(metrics)) {}

void ScoreAggregator::Add(std::string_view item_id, const ScoreResult& r) {
  if (!r.scored) return;
  ++sums_.n;
  if (r.correct) ++sums_.correct;
  score_sum_ += r.score;
  if (!r.error_class.empty()) ++sums_.errors[r.error_class];
  auto it = per_item_.find(item_id);
  if (it == per_item_.end()) it = per_item_.emplace(std::string(item_id), ItemCount{}).first;
  ++it->second.n;
  if (r.correct) ++it->second.correct;

  if (DetailBool(r.details, "doom_loop")) {
    ++sums_.doom_loops;
    if (r.answer_extractable) ++sums_.looped_extractable;
    const json::Value* unzeroed = r.details.Find("unzeroed");
    const bool naive_correct = unzeroed != nullptr ? DetailBool(*unzeroed, "correct") : r.correct;
    if (naive_correct) ++sums_.looped_would_be_correct;
  }
  if (metrics_ != nullptr) metrics_->Add(r);
}

TaskSummary ScoreAggregator::Summary() const {
  TaskSummary s = sums_;
  s.task = task_;
  s.accuracy = Ratio(s.correct, s.n);
  s.mean_score = s.n > 0 ? score_sum_ / static_cast<double>(s.n) : 0;
  std::vector<ClusterCount> clusters;
  clusters.reserve(per_item_.size());
  for (const auto& [id, c] : per_item_) clusters.push_back({c.correct, c.n});
  const Interval ci = ClusteredWilsonInterval(clusters);
  s.ci_low = ci.lo;
  s.ci_high = ci.hi;
  s.metrics = metrics_ != nullptr ? metrics_->Metrics(s.n) : json::Value(json::Object{});
  return s;
}

json::Value SummaryToJson(const TaskSummary& s) {
  json::Value errors{json::Object{}};
  for (const auto& [cls, count] : s.errors) errors.Set(cls, json::Value(count));
  return json::Value(json::Object{{"task", json::Value(s.task)},
                                  {"n", json::Value(s.n)},
                                  {"correct", json::Value(s.correct)},
                                  {"accuracy", json::Value(s.accuracy)},
                                  {"ci_low", json::Value(s.ci_low)},
                                  {"ci_high", json::Value(s.ci_high)},
                                  {"errors", std::move(errors)},
                                  {"mean_score", json::Value(s.mean_score)},
                                  {"doom_loops", json::Value(s.doom_loops)},
                                  {"looped_extractable", json::Value(s.looped_extractable)},
                                  {"looped_would_be_correct", json::Value(s.looped_would_be_correct)},
                                  {"metrics", s.metrics}});
}

}  // namespace doomscope::eval
