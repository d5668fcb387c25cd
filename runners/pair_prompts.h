// The prompt side of preference pairs for chat tasks: TRL's conversational
// form wants the prompt as the task's messages, not the rendered template
// text a record stores. A (checkpoint, task) ran in chat format when the task
// says PROMPT_FORMAT_CHAT, or AUTO and the checkpoint has a chat template and
// the item is not given as token ids (engine_prompt.h's rule); those tasks
// have their items loaded again from the run manifest's suite. Everything
// else keeps plain strings.
#ifndef DOOMSCOPE_RUNNERS_PAIR_PROMPTS_H_
#define DOOMSCOPE_RUNNERS_PAIR_PROMPTS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "results/json/json.h"
#include "results/proto/record.pb.h"

namespace doomscope {

class PairPrompts {
 public:
  // Errors: a chat task's data file can no longer be read (names the task).
  static absl::StatusOr<PairPrompts> ForRun(const RunManifest& manifest);

  // [{"role", "content"}...] for a sample of a chat task, else nullopt.
  std::optional<json::Value> Messages(const SampleRecord& sample) const;

 private:
  std::map<std::pair<std::string, std::string>, json::Value> messages_;  // (task, item id)
  std::set<std::pair<std::string, std::string>> chat_;                   // (checkpoint, task)
};

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_PAIR_PROMPTS_H_
