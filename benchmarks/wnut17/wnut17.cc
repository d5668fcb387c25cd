// WNUT-17 as a benchmark: emerging-entity extraction answered as a JSON object
// of six entity-type lists, scored by field F1.
#include <array>
#include <map>
#include <memory>

#include "benchmarks/benchmark.h"
#include "benchmarks/wnut17/data.h"
#include "benchmarks/wnut17/score.h"
#include "eval/field_f1.h"

namespace doomscope::benchmarks {
namespace {

// Micro and per-type P/R/F1, exact match and schema validity.
class Wnut17Metrics : public eval::MetricsAccumulator {
 public:
  Wnut17Metrics() {
    for (std::string_view type : WnutEntityTypes()) type_counts_[std::string(type)] = {0, 0, 0};
  }
  void Add(const eval::ScoreResult& r) override {
    exact_ += eval::DetailBool(r.details, "exact_match") ? 1 : 0;
    schema_valid_ += eval::DetailBool(r.details, "schema_valid") ? 1 : 0;
    const json::Value* counts = r.details.Find("counts");
    if (counts == nullptr || !counts->is_object()) return;
    for (const auto& [type, c] : counts->as_object()) {
      if (!c.is_array() || c.as_array().size() != 3) continue;
      auto& sum = type_counts_[type];
      for (size_t k = 0; k < 3; ++k) sum[k] += c.as_array()[k].as_int();
    }
  }
  json::Value Metrics(int64_t n) const override {
    int64_t tp = 0, fp = 0, fn = 0;
    json::Value per_type{json::Object{}};
    for (std::string_view type : WnutEntityTypes()) {
      const auto& c = type_counts_.at(std::string(type));
      per_type.Set(type, eval::PrfJson(c[0], c[1], c[2]));
      tp += c[0];
      fp += c[1];
      fn += c[2];
    }
    return json::Value(json::Object{{"micro", eval::PrfJson(tp, fp, fn)},
                                    {"per_type", std::move(per_type)},
                                    {"exact_match", json::Value(eval::Ratio(exact_, n))},
                                    {"schema_validity", json::Value(eval::Ratio(schema_valid_, n))}});
  }

 private:
  std::map<std::string, std::array<int64_t, 3>> type_counts_;  // tp, fp, fn
  int64_t exact_ = 0, schema_valid_ = 0;
};

class Wnut17 : public Benchmark {
 public:
  TaskKind kind() const override { return WNUT17_JSONL; }
  std::string_view name() const override { return "wnut17"; }
  absl::StatusOr<std::vector<TaskItem>> LoadItems(const TaskConfig& cfg, const std::string& path) const override {
    return LoadWnut17Items(cfg, path);
  }
  eval::ScoreResult Score(const TaskConfig&, const TaskItem& item, std::string_view answer,
                          const ScoreContext&) const override {
    return ScoreWnut17(item, answer);
  }
  void ZeroLooped(const TaskItem& item, eval::ScoreResult* r) const override {
    r->details.Set("counts", EmptyPredictionCounts(item.gold));
    r->details.Set("exact_match", json::Value(false));
  }
  std::unique_ptr<eval::MetricsAccumulator> NewMetrics(const TaskConfig&) const override {
    return std::make_unique<Wnut17Metrics>();
  }
};

}  // namespace

const Benchmark& Wnut17Benchmark() {
  static const Wnut17* const benchmark = new Wnut17();
  return *benchmark;
}

}  // namespace doomscope::benchmarks
