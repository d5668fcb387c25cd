// `doomscope score --task BENCHMARK --data FILE --generations GEN.jsonl [--json] [--output FILE]`
//
// Scores stored generations of any model for one task, without a suite: every
// generation gets the detectors (a doom loop scores 0) and the task's scorer.
// Generation lines are read by the generations leaf
// (results/generations/generations_reader.h): item_id, text, and optionally
// finish_reason, tokens (generated ids) and max_new_tokens (the budget, so a
// generation that used it all counts as capped). Lines for items the task does not score (GSM8K exemplars) are
// skipped with a note.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmarks/load_items.h"
#include "benchmarks/registry.h"
#include "benchmarks/score_sample.h"
#include "detectors/analyze.h"
#include "eval/aggregate.h"
#include "results/generations/generations_reader.h"
#include "runners/command.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_FLAG(std::string, task, "", "The benchmark to score (a scored benchmark's name: gsm8k, wnut17, bfcl).");
ABSL_FLAG(std::string, data, "",
          "The task's data file (for bfcl a question file, with possible_answer/<same name> beside it).");
ABSL_FLAG(std::string, generations, "",
          "JSONL of generations: item_id, text, optional finish_reason, tokens, max_new_tokens.");

namespace doomscope {
namespace {

// The benchmarks that score answers, by their `--task` name.
absl::StatusOr<const benchmarks::Benchmark*> ScoredBenchmark(const std::string& task) {
  std::vector<std::string> names;
  for (const benchmarks::Benchmark* b : benchmarks::AllBenchmarks()) {
    if (!b->scored()) continue;
    if (b->name() == task) return b;
    names.emplace_back(b->name());
  }
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&list, i == 0 ? "" : i + 1 == names.size() ? " or " : ", ", names[i]);
  }
  return absl::InvalidArgumentError(absl::StrCat("--task must be ", list, ", got \"", task, "\""));
}

// A benchmark's own metrics, one line per number ("micro.f1  0.8000").
void PrintMetrics(const json::Value& v, const std::string& prefix) {
  if (v.is_object()) {
    for (const auto& [key, sub] : v.as_object()) PrintMetrics(sub, prefix.empty() ? key : absl::StrCat(prefix, ".", key));
  } else if (v.is_int()) {
    std::printf("  %-30s %lld\n", prefix.c_str(), static_cast<long long>(v.as_int()));
  } else if (v.is_double()) {
    std::printf("  %-30s %.4f\n", prefix.c_str(), v.as_double());
  }
}

void PrintTable(const eval::TaskSummary& s) {
  std::printf("task        %s\n", s.task.c_str());
  std::printf("samples     %lld\n", static_cast<long long>(s.n));
  std::printf("accuracy    %.4f  [%.4f, %.4f] Wilson 95%%  (%lld correct)\n", s.accuracy, s.ci_low, s.ci_high,
              static_cast<long long>(s.correct));
  std::printf("mean score  %.4f\n", s.mean_score);
  std::printf("doom loops  %lld (answer still extractable in %lld, a naive harness would score %lld correct)\n",
              static_cast<long long>(s.doom_loops), static_cast<long long>(s.looped_extractable),
              static_cast<long long>(s.looped_would_be_correct));
  if (s.metrics.is_object() && !s.metrics.as_object().empty()) {
    std::printf("metrics:\n");
    PrintMetrics(s.metrics, "");
  }
  if (!s.errors.empty()) {
    std::printf("error classes:\n");
    for (const auto& [cls, count] : s.errors) std::printf("  %-20s %lld\n", cls.c_str(), static_cast<long long>(count));
  }
}

int RunScore(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "doomscope score: unexpected argument \"%s\"\n", args[0].c_str());
    return kExitBadInput;
  }
  const std::string task = absl::GetFlag(FLAGS_task);
  const std::string data = absl::GetFlag(FLAGS_data);
  const std::string generations = absl::GetFlag(FLAGS_generations);
  auto benchmark = ScoredBenchmark(task);
  if (!benchmark.ok()) {
    std::fprintf(stderr, "doomscope score: %s\n", std::string(benchmark.status().message()).c_str());
    return kExitBadInput;
  }
  if (data.empty() || generations.empty()) {
    std::fprintf(stderr, "doomscope score: --data FILE and --generations FILE are required\n");
    return kExitBadInput;
  }
  TaskConfig cfg;
  cfg.set_name(task);
  cfg.set_kind((*benchmark)->kind());
  cfg.set_data(data);
  auto items = benchmarks::LoadTaskItems(cfg, "");
  if (!items.ok()) {
    std::fprintf(stderr, "doomscope score: %s\n", std::string(items.status().message()).c_str());
    return kExitBadInput;
  }
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < items->size(); ++i) index[(*items)[i].id] = i;

  const DetectorConfig detector_config;
  eval::ScoreAggregator aggregator = benchmarks::NewScoreAggregator(cfg);
  std::vector<bool> seen(items->size());
  std::vector<json::Value> per_sample;
  int64_t skipped = 0;
  std::string first_skipped;
  absl::Status st = ReadGenerations(generations, GenerationsOptions(), [&](Generation line) -> absl::Status {
    const Generation* g = &line;
    auto it = index.find(g->item_id);
    if (it == index.end()) {
      if (skipped++ == 0) first_skipped = g->item_id;
      return absl::OkStatus();
    }
    seen[it->second] = true;
    SampleText sample;
    sample.text = g->text;
    sample.prompt = g->prompt;
    if (g->tokens) sample.tokens = std::span<const int32_t>(*g->tokens);
    sample.finish_reason = g->finish_reason;
    sample.max_new_tokens = g->max_new_tokens;
    const DetectorFindings findings = AnalyzeSample(sample, detector_config);
    const bool doom_loop = findings.verdict().doom_loop();
    const eval::ScoreResult r = benchmarks::ScoreSample(cfg, (*items)[it->second], g->text, doom_loop);
    aggregator.Add(g->item_id, r);
    per_sample.push_back(json::Value(json::Object{{"item_id", json::Value(g->item_id)},
                                                  {"correct", json::Value(r.correct)},
                                                  {"score", json::Value(r.score)},
                                                  {"error_class", json::Value(r.error_class)},
                                                  {"extracted", json::Value(r.extracted)},
                                                  {"answer_extractable", json::Value(r.answer_extractable)},
                                                  {"doom_loop", json::Value(doom_loop)},
                                                  {"details", r.details}}));
    return absl::OkStatus();
  });
  if (!st.ok()) {
    std::fprintf(stderr, "doomscope score: %s\n", std::string(st.message()).c_str());
    return kExitBadInput;
  }
  int64_t missing = 0;
  for (bool s : seen) missing += s ? 0 : 1;
  if (skipped > 0) {
    std::fprintf(stderr,
                 "doomscope score: note: skipped %lld generation(s) for items this task does not score "
                 "(first: \"%s\"; GSM8K exemplars are never scored)\n",
                 static_cast<long long>(skipped), first_skipped.c_str());
  }
  if (per_sample.empty()) {
    std::fprintf(stderr, "doomscope score: no generation in %s matches an item of %s\n", generations.c_str(),
                 data.c_str());
    return kExitBadInput;
  }
  if (missing > 0) {
    std::fprintf(stderr, "doomscope score: note: %lld of %zu items have no generation and are not scored\n",
                 static_cast<long long>(missing), items->size());
  }

  const std::string output = absl::GetFlag(FLAGS_output);
  if (!output.empty()) {
    json::AtomicFileWriter writer(output);
    absl::Status ws = writer.Open();
    for (size_t i = 0; ws.ok() && i < per_sample.size(); ++i) ws = writer.WriteLine(per_sample[i]);
    if (ws.ok()) ws = writer.Commit();
    if (!ws.ok()) {
      std::fprintf(stderr, "doomscope score: %s\n", std::string(ws.message()).c_str());
      return kExitFailure;
    }
  }
  const eval::TaskSummary summary = aggregator.Summary();
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", json::Serialize(eval::SummaryToJson(summary)).c_str());
  } else {
    PrintTable(summary);
  }
  return kExitOk;
}

}  // namespace

Command ScoreCommand() {
  return Command{
      "score",
      "Score stored generations of any model on one task (accuracy, Wilson interval, error classes).",
      "doomscope score --task BENCHMARK --data FILE --generations GEN.jsonl [--json] [--output FILE]",
      {"task", "data", "generations", "json", "output"},
      &RunScore,
  };
}

}  // namespace doomscope
