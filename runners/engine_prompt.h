// How the bundled engine turns a request into prompt tokens: plain completion
// text (encoded with BOS) or token ids as given, or, for chat format, the
// conversation rendered by the checkpoint's chat template.
//
// The chat-template renderer is the one seam for engine/chat_template/: the
// backend is given a ChatTemplateRenderer (runners/backend_factory.cc makes
// the engine backend); without one, PROMPT_FORMAT_AUTO means plain and a
// PROMPT_FORMAT_CHAT task is refused when the suite is checked.
#ifndef DOOMSCOPE_RUNNERS_ENGINE_PROMPT_H_
#define DOOMSCOPE_RUNNERS_ENGINE_PROMPT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/conversation.h"
#include "engine/tokenizer.h"
#include "runners/backend.h"

namespace doomscope {

// Renders `chat` with the template source `chat_template`, ending with the
// assistant's generation prompt; returns the prompt text (the template writes
// whatever BOS it wants).
using ChatTemplateRenderer =
    std::function<absl::StatusOr<std::string>(std::string_view chat_template, const benchmarks::Conversation& chat)>;

// The chat template a checkpoint carries: GGUF metadata
// tokenizer.chat_template; in a Hugging Face folder chat_template.jinja or
// tokenizer_config.json's "chat_template". NotFound when it has none (llama2.c
// checkpoints never do); other errors when the file cannot be read.
absl::StatusOr<std::string> CheckpointChatTemplate(const std::string& path);

struct PromptTokens {
  std::vector<int32_t> tokens;
  bool chat = false;  // rendered with the chat template
};

// `chat_template` is the current checkpoint's ("" = none); `renderer` may be
// null. Chat format applies for PROMPT_FORMAT_CHAT, and for AUTO when both a
// template and a renderer exist; a CHAT request that cannot be rendered is an
// error (the suite check refuses it first).
absl::StatusOr<PromptTokens> RenderPromptTokens(const BackendRequest& request, const engine::Tokenizer& tokenizer,
                                                const std::string& chat_template,
                                                const ChatTemplateRenderer& renderer);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_ENGINE_PROMPT_H_
