// How the bundled engine turns a request into prompt tokens: plain completion
// text (encoded with BOS) or token ids as given, or, for chat format, the
// conversation rendered by the checkpoint's own chat template
// (engine/chat_template/, transformers' apply_chat_template semantics).
//
// A rendered chat is tokenized as transformers tokenizes it: special tokens
// written by the template (`<|im_start|>`, the BOS a Llama template writes)
// become their ids, and nothing is added around the text, so a template that
// writes its BOS never gets a second one.
#ifndef DOOMSCOPE_RUNNERS_ENGINE_PROMPT_H_
#define DOOMSCOPE_RUNNERS_ENGINE_PROMPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/conversation.h"
#include "engine/chat_template/chat_template.h"
#include "engine/tokenizer.h"
#include "runners/backend.h"

namespace doomscope {

// The chat templates a checkpoint carries: an HF folder's (chat_template.jinja,
// tokenizer_config.json, chat_template.json) or a .gguf's
// tokenizer.chat_template; else those of `tokenizer_path` when it names an HF
// folder or tokenizer_config.json. nullopt when neither has one (llama2.c
// checkpoints never do); an error when a template exists but cannot be read or
// parsed. `template_file`, when given, is a Jinja file that replaces those
// templates (the special tokens they name are kept).
absl::StatusOr<std::optional<engine::ModelChatTemplates>> CheckpointChatTemplates(
    const std::string& model_path, const std::string& tokenizer_path, const std::string& template_file = "");

// The variables transformers' apply_chat_template passes for `chat`: messages
// in the OpenAI shape ({role, content}, assistant `tool_calls` as
// {type: "function", function: {name, arguments}}, tool turns with
// tool_call_id/name), tools as {type: "function", function: {name,
// description, parameters}} (none: null), the generation prompt, and
// enable_thinking when set.
engine::ChatRequest ToChatRequest(const benchmarks::Conversation& chat, std::optional<bool> enable_thinking);

struct PromptTokens {
  std::vector<int32_t> tokens;
  bool chat = false;  // rendered with the chat template
  std::string text;   // the rendered chat, exactly (chat only)
};

// `templates` are the current checkpoint's (null: none). Chat format applies
// for PROMPT_FORMAT_CHAT, and for AUTO when the checkpoint has a template and
// the item is not given as token ids; a CHAT request without a template is an
// error (the suite check refuses it first), as is a template that raises.
absl::StatusOr<PromptTokens> RenderPromptTokens(const BackendRequest& request, const engine::Tokenizer& tokenizer,
                                                const engine::ModelChatTemplates* templates);

// The stop tokens of a chat checkpoint: the tokenizer's end-of-generation ids
// plus every end-of-turn marker of its templates that is one token.
std::vector<int32_t> ChatStopTokens(const engine::Tokenizer& tokenizer, const engine::ModelChatTemplates& templates);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_ENGINE_PROMPT_H_
