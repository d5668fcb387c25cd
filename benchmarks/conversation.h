// A chat as a backend receives it: system/user/assistant/tool messages (an
// assistant turn may call tools) and the tools on offer as JSON schemas. The
// bundled engine renders it with the checkpoint's chat template; an HTTP
// backend would send it as it is.
#ifndef DOOMSCOPE_BENCHMARKS_CONVERSATION_H_
#define DOOMSCOPE_BENCHMARKS_CONVERSATION_H_

#include <string>
#include <utility>
#include <vector>

#include "results/json/json.h"

namespace doomscope::benchmarks {

struct ToolCall {
  std::string id;        // "" when the format has no call ids
  std::string name;
  json::Value arguments;  // an object
};

struct ChatMessage {
  ChatMessage() = default;
  ChatMessage(std::string role_in, std::string content_in)
      : role(std::move(role_in)), content(std::move(content_in)) {}

  std::string role;  // "system", "user", "assistant" or "tool"
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant turns that call tools
  std::string tool_call_id;          // tool turns: the call this answers
  std::string name;                  // tool turns: the tool that answered
};

struct ToolDefinition {
  std::string name;
  std::string description;
  json::Value parameters;  // JSON Schema of the arguments object
};

struct Conversation {
  std::vector<ChatMessage> messages;
  std::vector<ToolDefinition> tools;
};

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_CONVERSATION_H_
