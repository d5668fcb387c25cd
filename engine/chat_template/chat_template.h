// Chat templates rendered the way Hugging Face transformers renders them:
// Jinja2 in an ImmutableSandboxedEnvironment(trim_blocks=True,
// lstrip_blocks=True) with the loopcontrols extension, `{% generation %}`
// blocks, transformers' `tojson` (json.dumps, ensure_ascii=False),
// `raise_exception` and `strftime_now`.
//
//   ChatTemplate     one parsed template; Render(context JSON) -> text.
//   ModelChatTemplates  a model's templates and special tokens, loaded from
//                    an HF folder (chat_template.jinja, tokenizer_config.json,
//                    chat_template.json) or a GGUF (tokenizer.chat_template).
//   RenderChat       the call suites make: a conversation in, the prompt out,
//                    with the variables apply_chat_template passes.
//
// Errors name the template and the line: "PATH:LINE: message" (a template
// that calls raise_exception("...") fails with that message).
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_CHAT_TEMPLATE_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_CHAT_TEMPLATE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/chat_template/render_options.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

namespace jinja {
struct Stmt;
}

class ChatTemplate {
 public:
  // Parses `source`; `name` stands for it in errors (a path, or "PATH[chat_template]").
  static absl::StatusOr<ChatTemplate> Parse(std::string_view source, std::string name);

  // Renders with the members of `context` (a JSON object) as the template's
  // variables. Object key order is kept (tojson prints keys as given).
  absl::StatusOr<std::string> Render(const nlohmann::ordered_json& context,
                                     const RenderOptions& options = {}) const;

  const std::string& name() const { return name_; }
  const std::string& source() const { return *source_; }

 private:
  ChatTemplate() = default;
  std::string name_;
  std::shared_ptr<const std::string> source_;
  std::shared_ptr<const std::vector<std::unique_ptr<jinja::Stmt>>> body_;
};

struct ModelChatTemplates {
  std::string path;  // the model path it was loaded from
  // Named templates in file order; a single template is named "default".
  std::vector<std::pair<std::string, ChatTemplate>> templates;
  // Special tokens as transformers' special_tokens_map has them (bos_token,
  // eos_token, unk_token, pad_token, sep_token, cls_token, mask_token); only
  // the ones the model defines.
  std::vector<std::pair<std::string, std::string>> special_tokens;

  const std::string* SpecialToken(std::string_view name) const;
  // transformers' choice: the template called `name` when given, else
  // "tool_use" when tools are passed and the model has one, else "default".
  absl::StatusOr<const ChatTemplate*> Select(std::string_view name, bool has_tools) const;
};

// Loads the chat template(s) of a model: an HF folder (or its
// tokenizer_config.json), or a GGUF file. A folder's chat_template.jinja
// (with additional_chat_templates/NAME.jinja) wins over tokenizer_config.json's
// "chat_template" (a string or a list of {"name", "template"}), which wins over
// chat_template.json. The error says what was looked for.
absl::StatusOr<ModelChatTemplates> LoadChatTemplates(const std::string& path);

// True when `path` names a model (an HF folder, a tokenizer_config.json or a
// .gguf file) rather than a template text file.
bool IsModelPath(const std::string& path);

// One conversation as a suite renders it (transformers' apply_chat_template
// with tokenize=False): `messages` ([{role, content, ...}]), `tools` (JSON
// schemas, or null for none), add_generation_prompt, enable_thinking when the
// suite sets it, and any other template variables in `extra` (an object).
struct ChatRequest {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools;  // null: no tools
  bool add_generation_prompt = true;
  std::optional<bool> enable_thinking;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  std::string template_name;  // empty: transformers' default choice
};

// The variables apply_chat_template passes: messages, tools (None when
// absent), documents (None), add_generation_prompt, the special tokens, then
// enable_thinking and `extra`.
nlohmann::ordered_json ChatContext(const ModelChatTemplates& model, const ChatRequest& request);

// Renders `request` through the model's template: the prompt text, exactly.
absl::StatusOr<std::string> RenderChat(const ModelChatTemplates& model, const ChatRequest& request,
                                       const RenderOptions& options = {});

// The strings that end an assistant turn for this model, to stop generation
// at: its eos_token, then the known end-of-turn markers (<|im_end|>,
// <|eot_id|>, <end_of_turn>, <|end|>, <|return|>, <|call|>, ...) that its
// templates write. The tokenizer maps them to ids; generation_config.json's
// eos_token_id list, where there is one, adds to them.
std::vector<std::string> EndOfTurnMarkers(const ModelChatTemplates& model);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_CHAT_TEMPLATE_H_
