#include "runners/engine_prompt.h"

#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/gguf_reader.h"
#include "engine/model_loader.h"
#include "results/json/jsonl.h"

namespace doomscope {
namespace fs = std::filesystem;

absl::StatusOr<std::string> CheckpointChatTemplate(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const fs::path jinja = fs::path(path) / "chat_template.jinja";
    if (fs::is_regular_file(jinja, ec)) {
      std::string text;
      if (absl::Status s = json::ReadFileToString(jinja.string(), &text); !s.ok()) return s;
      return text;
    }
    const fs::path config = fs::path(path) / "tokenizer_config.json";
    if (fs::is_regular_file(config, ec)) {
      std::string text;
      if (absl::Status s = json::ReadFileToString(config.string(), &text); !s.ok()) return s;
      absl::StatusOr<json::Value> parsed = json::Parse(text);
      if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat(config.string(), ": ", parsed.status().message()));
      if (const json::Value* t = parsed->Find("chat_template"); t != nullptr && t->is_string()) return t->as_string();
    }
    return absl::NotFoundError(absl::StrCat(path, " has no chat template"));
  }
  absl::StatusOr<engine::ModelFormat> format = engine::SniffModelFormat(path);
  if (!format.ok()) return format.status();
  if (*format != engine::ModelFormat::kGguf) {
    return absl::NotFoundError(absl::StrCat(path, " (", engine::ModelFormatName(*format), ") has no chat template"));
  }
  absl::StatusOr<engine::GgufFile> gguf = engine::GgufFile::Open(path);
  if (!gguf.ok()) return gguf.status();
  if (gguf->Find("tokenizer.chat_template") == nullptr) {
    return absl::NotFoundError(absl::StrCat(path, " has no tokenizer.chat_template"));
  }
  return gguf->GetString("tokenizer.chat_template");
}

absl::StatusOr<PromptTokens> RenderPromptTokens(const BackendRequest& request, const engine::Tokenizer& tokenizer,
                                                const std::string& chat_template,
                                                const ChatTemplateRenderer& renderer) {
  const bool can_chat = !chat_template.empty() && renderer != nullptr;
  const bool chat = request.format == PROMPT_FORMAT_CHAT || (request.format == PROMPT_FORMAT_AUTO && can_chat &&
                                                             request.prompt_tokens.empty());
  PromptTokens out;
  if (!chat) {
    out.tokens = request.prompt_tokens.empty() ? tokenizer.Encode(request.prompt, /*add_bos=*/true)
                                               : request.prompt_tokens;
    return out;
  }
  if (!can_chat) {
    return absl::FailedPreconditionError(
        chat_template.empty() ? "the checkpoint has no chat template" : "this build has no chat-template renderer");
  }
  if (request.chat.messages.empty()) return absl::InvalidArgumentError("the item has no chat messages");
  absl::StatusOr<std::string> text = renderer(chat_template, request.chat);
  if (!text.ok()) return text.status();
  out.tokens = tokenizer.Encode(*text, /*add_bos=*/false);
  out.chat = true;
  return out;
}

}  // namespace doomscope
