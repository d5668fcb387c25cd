// BFCL (single-turn Python categories) as a benchmark: function calls answered
// as Python call lists or native tool calls, checked by BFCL's AST rules.
#include <array>
#include <map>
#include <memory>

#include "benchmarks/benchmark.h"
#include "benchmarks/bfcl/data.h"
#include "benchmarks/bfcl/prompt.h"
#include "benchmarks/bfcl/score.h"

namespace doomscope::benchmarks {
namespace {

constexpr std::array<std::string_view, 2> kOwnFields = {"bfcl_categories", "function_names"};

bool UnderscoredNames(const TaskConfig& cfg, bool native_tools) {
  switch (cfg.function_names()) {
    case FUNCTION_NAMES_EXACT: return false;
    case FUNCTION_NAMES_UNDERSCORED: return true;
    default: return native_tools;
  }
}

// Accuracy per category (BFCL's own aggregation: live items by their
// category, "live_parallel", never per item).
class BfclMetrics : public eval::MetricsAccumulator {
 public:
  void Add(const eval::ScoreResult& r) override {
    const json::Value* cat = r.details.Find("category");
    auto& c = per_category_[cat != nullptr && cat->is_string() ? cat->as_string() : std::string("unknown")];
    ++c[0];
    if (r.correct) ++c[1];
  }
  json::Value Metrics(int64_t) const override {
    json::Value per_category{json::Object{}};
    for (const auto& [cat, c] : per_category_) {
      per_category.Set(cat, json::Value(json::Object{{"n", json::Value(c[0])},
                                                     {"correct", json::Value(c[1])},
                                                     {"accuracy", json::Value(eval::Ratio(c[1], c[0]))}}));
    }
    return json::Value(json::Object{{"per_category", std::move(per_category)}});
  }

 private:
  std::map<std::string, std::array<int64_t, 2>> per_category_;  // n, correct
};

class Bfcl : public Benchmark {
 public:
  TaskKind kind() const override { return BFCL_V4; }
  std::string_view name() const override { return "bfcl"; }
  std::span<const std::string_view> own_fields() const override { return kOwnFields; }
  absl::StatusOr<std::vector<TaskItem>> LoadItems(const TaskConfig& cfg, const std::string& path) const override {
    return LoadBfclItems(cfg, path);
  }
  // Tools sent natively are named as the answer will be checked.
  GenerationInput BuildRequest(const TaskConfig& cfg, const TaskItem& item) const override {
    GenerationInput input = Benchmark::BuildRequest(cfg, item);
    if (const json::Value* functions = item.extra.Find("functions"); functions != nullptr && functions->is_array()) {
      input.chat.tools = BfclToolDefinitions(*functions, UnderscoredNames(cfg, /*native_tools=*/true));
    }
    return input;
  }
  eval::ScoreResult Score(const TaskConfig& cfg, const TaskItem& item, std::string_view answer,
                          const ScoreContext& context) const override {
    return ScoreBfcl(item, answer, UnderscoredNames(cfg, context.native_tools));
  }
  std::unique_ptr<eval::MetricsAccumulator> NewMetrics(const TaskConfig&) const override {
    return std::make_unique<BfclMetrics>();
  }
};

}  // namespace

const Benchmark& BfclBenchmark() {
  static const Bfcl* const benchmark = new Bfcl();
  return *benchmark;
}

}  // namespace doomscope::benchmarks
