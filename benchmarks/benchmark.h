// The one interface every benchmark implements (benchmarks/<name>/), and the
// items it produces. The runner and the `score` command know benchmarks only
// through this interface and the registry (benchmarks/registry.h):
//
//   LoadItems     the dataset file(s) of a task config -> items, each with its
//                 prompt (plain text or token ids, and the same as a chat);
//   BuildRequest  an item -> what a backend generates from (a conversation
//                 with tool definitions, or plain completion text/tokens);
//   Score         a generated answer -> a ScoreResult (eval/score.h);
//   ZeroLooped    what "scores 0" means for this benchmark's details when the
//                 sample is a doom loop (the generic fields are zeroed for it);
//   NewMetrics    the benchmark's own aggregate (per-category accuracy, F1...).
//
// Adding a benchmark: a folder benchmarks/<name>/ implementing this interface,
// one TaskKind value naming its dataset format (results/proto/task.proto) and
// one line in benchmarks/registered.inc.
#ifndef DOOMSCOPE_BENCHMARKS_BENCHMARK_H_
#define DOOMSCOPE_BENCHMARKS_BENCHMARK_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/conversation.h"
#include "eval/aggregate.h"
#include "eval/score.h"
#include "results/json/json.h"
#include "results/proto/task.pb.h"

namespace doomscope::benchmarks {

struct TaskItem {
  // Stable across runs: "gsm8k-<0-based line>", the WNUT/BFCL record's own id,
  // or a continuation line's id.
  std::string id;
  // The prompt as plain completion text (empty for continuation lines given as tokens).
  std::string prompt;
  // The same prompt as chat turns, for PROMPT_FORMAT_CHAT (continuation: one user turn).
  std::vector<ChatMessage> messages;
  // The tools the chat offers (BFCL), as JSON schemas.
  std::vector<ToolDefinition> tools;
  // Continuation lines given as token ids (BOS included): used as given.
  std::vector<int32_t> prompt_tokens;
  // Benchmark-specific reference: GSM8K {"answer": "18", "solution": "..."};
  // WNUT the `fields` object; BFCL the possible-answer `ground_truth` list ([]
  // for irrelevance); null for continuation.
  json::Value gold;
  // Benchmark-specific extras: BFCL {"category", "functions" (as in the data)};
  // WNUT {"text"}; GSM8K {"question"}; and "stop": the stop strings a harness
  // would end the answer at (scoring cuts the output there first).
  json::Value extra;
};

// What a backend generates from, for one item.
struct GenerationInput {
  std::string prompt;                  // plain completion text (encoded with BOS)
  std::vector<int32_t> prompt_tokens;  // or token ids as given (BOS included)
  Conversation chat;                   // the same prompt as a chat, with tools
};

// How the answer reached the scorer.
struct ScoreContext {
  // The request went out as a chat with native tool definitions, so calls come
  // back the way a function-calling API returns them (BFCL maps dotted names).
  bool native_tools = false;
};

class Benchmark {
 public:
  virtual ~Benchmark() = default;

  virtual TaskKind kind() const = 0;
  // Short name, e.g. "gsm8k" (the `score --task` value).
  virtual std::string_view name() const = 0;
  // The TaskConfig field naming the dataset: "data" or "prompts".
  virtual std::string_view data_field() const { return "data"; }
  // TaskConfig fields only this benchmark reads (e.g. "shots"); a task of
  // another benchmark that sets one is a config error naming it.
  virtual std::span<const std::string_view> own_fields() const { return {}; }
  // False for benchmarks judged by the detectors alone (continuation).
  virtual bool scored() const { return true; }

  // Items of `cfg` from the dataset at `path` (already resolved). Errors name
  // the file, line and field.
  virtual absl::StatusOr<std::vector<TaskItem>> LoadItems(const TaskConfig& cfg, const std::string& path) const = 0;
  virtual GenerationInput BuildRequest(const TaskConfig& cfg, const TaskItem& item) const;
  // `answer` is the output already cut at the item's stop strings.
  virtual eval::ScoreResult Score(const TaskConfig& cfg, const TaskItem& item, std::string_view answer,
                                  const ScoreContext& context) const = 0;
  // Benchmark details of a zeroed doom loop (generic fields are already zeroed).
  virtual void ZeroLooped(const TaskItem& item, eval::ScoreResult* result) const;
  // The benchmark's own metrics over its scored samples (null: none).
  virtual std::unique_ptr<eval::MetricsAccumulator> NewMetrics(const TaskConfig& cfg) const;
};

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_BENCHMARK_H_
