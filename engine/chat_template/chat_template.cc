#include "engine/chat_template/chat_template.h"

#include "engine/chat_template/cat.h"
#include "engine/chat_template/interpreter.h"
#include "engine/chat_template/json_value.h"
#include "engine/chat_template/parser.h"

namespace doomscope::engine {

absl::StatusOr<ChatTemplate> ChatTemplate::Parse(std::string_view source, std::string name) {
  absl::StatusOr<jinja::Body> body = jinja::Parse(source, name);
  if (!body.ok()) return body.status();
  ChatTemplate t;
  t.name_ = std::move(name);
  t.source_ = std::make_shared<const std::string>(source);
  t.body_ = std::make_shared<const jinja::Body>(std::move(*body));
  return t;
}

absl::StatusOr<std::string> ChatTemplate::Render(const nlohmann::ordered_json& context,
                                                 const RenderOptions& options) const {
  if (!context.is_object()) {
    return absl::InvalidArgumentError(jinja::Cat(name_, ": the template context must be a JSON object"));
  }
  jinja::Interpreter interp(options);
  try {
    jinja::Value vars = jinja::FromJson(context);
    return interp.Render(*body_, vars.dict());
  } catch (const jinja::TemplateError& e) {
    return absl::InvalidArgumentError(jinja::Cat(name_, ":", e.line, ": ", e.message));
  }
}

nlohmann::ordered_json ChatContext(const ModelChatTemplates& model, const ChatRequest& request) {
  nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
  ctx["messages"] = request.messages;
  ctx["tools"] = request.tools;
  ctx["documents"] = nullptr;
  ctx["add_generation_prompt"] = request.add_generation_prompt;
  for (const auto& [name, token] : model.special_tokens) ctx[name] = token;
  if (request.enable_thinking) ctx["enable_thinking"] = *request.enable_thinking;
  if (request.extra.is_object()) {
    for (const auto& [k, v] : request.extra.items()) ctx[k] = v;
  }
  return ctx;
}

absl::StatusOr<std::string> RenderChat(const ModelChatTemplates& model, const ChatRequest& request,
                                       const RenderOptions& options) {
  bool has_tools = !request.tools.is_null();
  absl::StatusOr<const ChatTemplate*> t = model.Select(request.template_name, has_tools);
  if (!t.ok()) return t.status();
  return (*t)->Render(ChatContext(model, request), options);
}

std::vector<std::string> EndOfTurnMarkers(const ModelChatTemplates& model) {
  static constexpr std::string_view kKnown[] = {
      "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>", "<|return|>", "<|call|>",
      "<|endoftext|>", "<|end_of_text|>", "</s>", "<｜end▁of▁sentence｜>",
  };
  std::vector<std::string> out;
  auto add = [&](std::string_view m) {
    for (const std::string& have : out) {
      if (have == m) return;
    }
    out.emplace_back(m);
  };
  if (const std::string* eos = model.SpecialToken("eos_token"); eos != nullptr && !eos->empty()) add(*eos);
  for (std::string_view marker : kKnown) {
    for (const auto& named : model.templates) {
      if (named.second.source().find(marker) != std::string::npos) add(marker);
    }
  }
  return out;
}

}  // namespace doomscope::engine
