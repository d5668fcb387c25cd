#include "runners/pair_prompts.h"

#include "absl/strings/str_cat.h"
#include "benchmarks/tasks/task.h"

namespace doomscope {

absl::StatusOr<PairPrompts> PairPrompts::ForRun(const RunManifest& manifest) {
  PairPrompts out;
  for (const TaskConfig& task : manifest.suite().task()) {
    if (task.prompt_format() != PROMPT_FORMAT_CHAT) continue;
    absl::StatusOr<std::vector<tasks::TaskItem>> items = tasks::LoadTaskItems(task, "");
    if (!items.ok()) {
      return absl::Status(items.status().code(), absl::StrCat("task \"", task.name(),
                                                              "\" (for its chat prompts): ", items.status().message()));
    }
    for (const tasks::TaskItem& item : *items) {
      json::Array messages;
      for (const tasks::ChatMessage& m : item.messages) {
        json::Value message;
        message.Set("role", m.role);
        message.Set("content", m.content);
        messages.push_back(std::move(message));
      }
      out.messages_[{task.name(), item.id}] = json::Value(std::move(messages));
    }
  }
  return out;
}

std::optional<json::Value> PairPrompts::Messages(const SampleRecord& sample) const {
  auto it = messages_.find({sample.task(), sample.item_id()});
  if (it == messages_.end()) return std::nullopt;
  return it->second;
}

}  // namespace doomscope
