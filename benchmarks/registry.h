// Every benchmark, registered once (benchmarks/registered.inc), found by the
// dataset format a task config names (TaskKind) or by its short name.
#ifndef DOOMSCOPE_BENCHMARKS_REGISTRY_H_
#define DOOMSCOPE_BENCHMARKS_REGISTRY_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "benchmarks/benchmark.h"
#include "results/proto/task.pb.h"

namespace doomscope::benchmarks {

std::span<const Benchmark* const> AllBenchmarks();

// The benchmark of a kind; NotFound for TASK_KIND_UNSPECIFIED or an unknown kind.
absl::StatusOr<const Benchmark*> FindBenchmark(TaskKind kind);
// "PROMPTS_JSONL, GSM8K_JSONL, ... or BFCL_V4": the kinds a suite may name.
std::string KnownKindNames();
// By short name ("gsm8k"); the error lists the known names.
absl::StatusOr<const Benchmark*> FindBenchmarkByName(std::string_view name);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_REGISTRY_H_
