// The common shape of every evaluation task: a loader turns a TaskConfig into
// items (id, prompt, gold answer, task-specific extras) that a backend generates
// from and a scorer (eval/score.h) scores.
#ifndef DOOMSCOPE_BENCHMARKS_TASKS_TASK_H_
#define DOOMSCOPE_BENCHMARKS_TASKS_TASK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "results/json/json.h"
#include "results/proto/task.pb.h"

namespace doomscope::tasks {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

struct TaskItem {
  // Stable across runs: "gsm8k-<0-based line>", the WNUT/BFCL record's own id,
  // or a CONTINUATION line's id.
  std::string id;
  // The prompt as plain completion text (empty for CONTINUATION lines given as tokens).
  std::string prompt;
  // The same prompt as chat turns, for PROMPT_FORMAT_CHAT (empty for CONTINUATION).
  std::vector<ChatMessage> messages;
  // CONTINUATION lines given as token ids (BOS included): used as given.
  std::vector<int32_t> prompt_tokens;
  // Task-specific reference: GSM8K {"answer": "18", "solution": "..."}; WNUT the
  // `fields` object; BFCL the possible-answer `ground_truth` list ([] for
  // irrelevance); null for CONTINUATION.
  json::Value gold;
  // Task-specific extras: BFCL {"category", "functions" (as in the data),
  // "tools" (OpenAI-style JSON schema)}; WNUT {"text"}; GSM8K {"question"}.
  json::Value extra;
};

// Loads the items of `cfg` by its kind: REASONING (GSM8K JSONL), EXTRACTION
// (WNUT-17 JSONL), TOOL_USE (a BFCL question file, or a folder of them, with
// possible_answer/ beside) and CONTINUATION (prompt JSONL). Relative paths in
// `cfg` are resolved against `base_dir` (the suite file's folder; "" = as given).
// Errors name the file, line and field.
absl::StatusOr<std::vector<TaskItem>> LoadTaskItems(const TaskConfig& cfg,
                                                    const std::string& base_dir);

// `path` unchanged when absolute or when base_dir is empty, else base_dir/path.
std::string ResolveDataPath(const std::string& path, const std::string& base_dir);

}  // namespace doomscope::tasks

#endif  // DOOMSCOPE_BENCHMARKS_TASKS_TASK_H_
