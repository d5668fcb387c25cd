#include "eval/aggregate.h"

#include <vector>

#include "benchmarks/tasks/wnut17.h"
#include "results/stats/wilson.h"
#include "eval/field_f1.h"

namespace doomscope::eval {
namespace {

bool DetailBool(const json::Value& details, std::string_view key) {
  const json::Value* v = details.Find(key);
  return v != nullptr && v->as_bool();
}

double Ratio(int64_t num, int64_t den) { return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : 0; }

json::Value PrfJson(int64_t tp, int64_t fp, int64_t fn) {
  const Prf p = PrfFromCounts(tp, fp, fn);
  return json::Value(json::Object{{"precision", json::Value(p.precision)},
                                  {"recall", json::Value(p.recall)},
                                  {"f1", json::Value(p.f1)},
                                  {"tp", json::Value(tp)},
                                  {"fp", json::Value(fp)},
                                  {"fn", json::Value(fn)}});
}

}  // namespace

ScoreAggregator::ScoreAggregator(std::string task, TaskKind kind) : task_(std::move(task)), kind_(kind) {
  for (std::string_view type : tasks::WnutEntityTypes()) type_counts_[std::string(type)] = {0, 0, 0};
}

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
  switch (kind_) {
    case REASONING:
      strict_ += DetailBool(r.details, "strict_correct") ? 1 : 0;
      flexible_ += DetailBool(r.details, "flexible_correct") ? 1 : 0;
      break;
    case EXTRACTION:
      exact_ += DetailBool(r.details, "exact_match") ? 1 : 0;
      schema_valid_ += DetailBool(r.details, "schema_valid") ? 1 : 0;
      if (const json::Value* counts = r.details.Find("counts"); counts != nullptr && counts->is_object()) {
        for (const auto& [type, c] : counts->as_object()) {
          if (!c.is_array() || c.as_array().size() != 3) continue;
          auto& sum = type_counts_[type];
          for (size_t k = 0; k < 3; ++k) sum[k] += c.as_array()[k].as_int();
        }
      }
      break;
    case TOOL_USE: {
      const json::Value* cat = r.details.Find("category");
      auto& c = per_category_[cat != nullptr && cat->is_string() ? cat->as_string() : std::string("unknown")];
      ++c[0];
      if (r.correct) ++c[1];
      break;
    }
    default: break;
  }
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

  json::Value metrics{json::Object{}};
  switch (kind_) {
    case REASONING:
      metrics.Set("strict_accuracy", json::Value(Ratio(strict_, s.n)));
      metrics.Set("flexible_accuracy", json::Value(Ratio(flexible_, s.n)));
      metrics.Set("strict_correct", json::Value(strict_));
      metrics.Set("flexible_correct", json::Value(flexible_));
      break;
    case EXTRACTION: {
      int64_t tp = 0, fp = 0, fn = 0;
      json::Value per_type{json::Object{}};
      for (std::string_view type : tasks::WnutEntityTypes()) {
        const auto& c = type_counts_.at(std::string(type));
        per_type.Set(type, PrfJson(c[0], c[1], c[2]));
        tp += c[0];
        fp += c[1];
        fn += c[2];
      }
      metrics.Set("micro", PrfJson(tp, fp, fn));
      metrics.Set("per_type", std::move(per_type));
      metrics.Set("exact_match", json::Value(Ratio(exact_, s.n)));
      metrics.Set("schema_validity", json::Value(Ratio(schema_valid_, s.n)));
      break;
    }
    case TOOL_USE: {
      json::Value per_category{json::Object{}};
      for (const auto& [cat, c] : per_category_) {
        per_category.Set(cat, json::Value(json::Object{{"n", json::Value(c[0])},
                                                       {"correct", json::Value(c[1])},
                                                       {"accuracy", json::Value(Ratio(c[1], c[0]))}}));
      }
      metrics.Set("per_category", std::move(per_category));
      break;
    }
    default: break;
  }
  s.metrics = std::move(metrics);
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
