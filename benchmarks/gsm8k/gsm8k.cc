// GSM8K as a benchmark: grade-school math word problems, answered in free
// text and scored on the final number (strict marker or last number).
#include <array>
#include <memory>

#include "benchmarks/benchmark.h"
#include "benchmarks/gsm8k/data.h"
#include "benchmarks/gsm8k/score.h"

namespace doomscope::benchmarks {
namespace {

constexpr std::array<std::string_view, 3> kOwnFields = {"shots", "exemplar_ids", "gsm8k_scoring"};

// Strict and flexible accuracy beside the configured one.
class Gsm8kMetrics : public eval::MetricsAccumulator {
 public:
  void Add(const eval::ScoreResult& r) override {
    strict_ += eval::DetailBool(r.details, "strict_correct") ? 1 : 0;
    flexible_ += eval::DetailBool(r.details, "flexible_correct") ? 1 : 0;
  }
  json::Value Metrics(int64_t n) const override {
    return json::Value(json::Object{{"strict_accuracy", json::Value(eval::Ratio(strict_, n))},
                                    {"flexible_accuracy", json::Value(eval::Ratio(flexible_, n))},
                                    {"strict_correct", json::Value(strict_)},
                                    {"flexible_correct", json::Value(flexible_)}});
  }

 private:
  int64_t strict_ = 0, flexible_ = 0;
};

class Gsm8k : public Benchmark {
 public:
  TaskKind kind() const override { return GSM8K_JSONL; }
  std::string_view name() const override { return "gsm8k"; }
  std::span<const std::string_view> own_fields() const override { return kOwnFields; }
  absl::StatusOr<std::vector<TaskItem>> LoadItems(const TaskConfig& cfg, const std::string& path) const override {
    return LoadGsm8kItems(cfg, path);
  }
  eval::ScoreResult Score(const TaskConfig& cfg, const TaskItem& item, std::string_view answer,
                          const ScoreContext&) const override {
    return ScoreGsm8k(cfg, item, answer);
  }
  void ZeroLooped(const TaskItem&, eval::ScoreResult* r) const override {
    r->details.Set("strict_correct", json::Value(false));
    r->details.Set("flexible_correct", json::Value(false));
  }
  std::unique_ptr<eval::MetricsAccumulator> NewMetrics(const TaskConfig&) const override {
    return std::make_unique<Gsm8kMetrics>();
  }
};

}  // namespace

const Benchmark& Gsm8kBenchmark() {
  static const Gsm8k* const benchmark = new Gsm8k();
  return *benchmark;
}

}  // namespace doomscope::benchmarks
