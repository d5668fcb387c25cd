// CONTINUATION prompts: free continuations, scored only by the doom-loop
// detectors. One JSON object per line: "id" (string or integer) and either
// "prompt" (text) or "tokens" (token ids, BOS included, used as given).
#ifndef DOOMSCOPE_BENCHMARKS_TASKS_CONTINUATION_H_
#define DOOMSCOPE_BENCHMARKS_TASKS_CONTINUATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/tasks/task.h"

namespace doomscope::tasks {

absl::StatusOr<std::vector<TaskItem>> LoadContinuationItems(const TaskConfig& cfg, const std::string& path);

}  // namespace doomscope::tasks

#endif  // DOOMSCOPE_BENCHMARKS_TASKS_CONTINUATION_H_
