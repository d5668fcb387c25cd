#include "runners/pair_prompts.h"

#include "absl/strings/str_cat.h"
#include "benchmarks/load_items.h"
#include "runners/engine_prompt.h"

namespace doomscope {
namespace {

json::Value MessagesJson(const std::vector<benchmarks::ChatMessage>& chat) {
  json::Array messages;
  for (const benchmarks::ChatMessage& m : chat) {
    json::Value message;
    message.Set("role", m.role);
    message.Set("content", m.content);
    messages.push_back(std::move(message));
  }
  return json::Value(std::move(messages));
}

}  // namespace

absl::StatusOr<PairPrompts> PairPrompts::ForRun(const RunManifest& manifest) {
  PairPrompts out;
  const SuiteConfig& suite = manifest.suite();
  for (const TaskConfig& task : suite.task()) {
    if (task.prompt_format() == PROMPT_FORMAT_PLAIN) continue;
    for (const CheckpointConfig& c : suite.checkpoint()) {
      bool chat = task.prompt_format() == PROMPT_FORMAT_CHAT;
      if (!chat && !suite.backend().has_replay()) {
        absl::StatusOr<std::optional<engine::ModelChatTemplates>> templates =
            CheckpointChatTemplates(c.path(), c.tokenizer(), c.chat_template());
        chat = templates.ok() && templates->has_value();
      }
      if (chat) out.chat_.insert({c.name(), task.name()});
    }
    bool any = false;
    for (const auto& [checkpoint, name] : out.chat_) any |= name == task.name();
    if (!any) continue;
    absl::StatusOr<std::vector<benchmarks::TaskItem>> items = benchmarks::LoadTaskItems(task, "");
    if (!items.ok()) {
      return absl::Status(items.status().code(), absl::StrCat("task \"", task.name(),
                                                              "\" (for its chat prompts): ", items.status().message()));
    }
    for (const benchmarks::TaskItem& item : *items) {
      // Items given as token ids are never rendered as a chat.
      if (!item.prompt_tokens.empty() || item.messages.empty()) continue;
      out.messages_[{task.name(), item.id}] = MessagesJson(item.messages);
    }
  }
  return out;
}

std::optional<json::Value> PairPrompts::Messages(const SampleRecord& sample) const {
  if (!chat_.contains({sample.checkpoint(), sample.task()})) return std::nullopt;
  auto it = messages_.find({sample.task(), sample.item_id()});
  if (it == messages_.end()) return std::nullopt;
  return it->second;
}

}  // namespace doomscope
