// Free continuation of prompts: no answer to score, the doom-loop detectors
// are the whole evaluation.
#include "benchmarks/benchmark.h"
#include "benchmarks/continuation/data.h"

namespace doomscope::benchmarks {
namespace {

class Continuation : public Benchmark {
 public:
  TaskKind kind() const override { return PROMPTS_JSONL; }
  std::string_view name() const override { return "continuation"; }
  std::string_view data_field() const override { return "prompts"; }
  bool scored() const override { return false; }
  absl::StatusOr<std::vector<TaskItem>> LoadItems(const TaskConfig& cfg, const std::string& path) const override {
    return LoadContinuationItems(cfg, path);
  }
  eval::ScoreResult Score(const TaskConfig&, const TaskItem&, std::string_view, const ScoreContext&) const override {
    eval::ScoreResult r;
    r.scored = false;
    r.details = json::Value(json::Object{});
    return r;
  }
};

}  // namespace

const Benchmark& ContinuationBenchmark() {
  static const Continuation* const benchmark = new Continuation();
  return *benchmark;
}

}  // namespace doomscope::benchmarks
