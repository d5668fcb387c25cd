// Continuation prompts (PROMPTS_JSONL): free continuations, scored only by the doom-loop
// detectors. One JSON object per line: "id" (string or integer) and either
// "prompt" (text) or "tokens" (token ids, BOS included, used as given).
#ifndef DOOMSCOPE_BENCHMARKS_CONTINUATION_DATA_H_
#define DOOMSCOPE_BENCHMARKS_CONTINUATION_DATA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/benchmark.h"

namespace doomscope::benchmarks {

absl::StatusOr<std::vector<TaskItem>> LoadContinuationItems(const TaskConfig& cfg, const std::string& path);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_CONTINUATION_DATA_H_
