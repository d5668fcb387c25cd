#include "runners/engine_prompt.h"

#include <algorithm>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "results/files/regular_file.h"

namespace doomscope {
namespace fs = std::filesystem;
namespace {

using OrderedJson = nlohmann::ordered_json;

// Keys keep their order: templates print tool schemas with tojson as given.
OrderedJson ToOrderedJson(const json::Value& v) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int();
  if (v.is_double()) return v.as_double();
  if (v.is_string()) return v.as_string();
  if (v.is_array()) {
    OrderedJson out = OrderedJson::array();
    for (const json::Value& e : v.as_array()) out.push_back(ToOrderedJson(e));
    return out;
  }
  if (v.is_object()) {
    OrderedJson out = OrderedJson::object();
    for (const auto& [key, value] : v.as_object()) out[key] = ToOrderedJson(value);
    return out;
  }
  return nullptr;
}

OrderedJson MessageJson(const benchmarks::ChatMessage& m) {
  OrderedJson out = {{"role", m.role}, {"content", m.content}};
  if (!m.tool_calls.empty()) {
    OrderedJson calls = OrderedJson::array();
    for (const benchmarks::ToolCall& c : m.tool_calls) {
      OrderedJson call = OrderedJson::object();
      if (!c.id.empty()) call["id"] = c.id;
      call["type"] = "function";
      call["function"] = {{"name", c.name}, {"arguments", ToOrderedJson(c.arguments)}};
      calls.push_back(std::move(call));
    }
    out["tool_calls"] = std::move(calls);
  }
  if (!m.tool_call_id.empty()) out["tool_call_id"] = m.tool_call_id;
  if (!m.name.empty()) out["name"] = m.name;
  return out;
}

// NotFound from the loader means "no template here"; anything else is an error.
absl::StatusOr<std::optional<engine::ModelChatTemplates>> TemplatesAt(const std::string& path) {
  std::error_code ec;
  const bool model_path = fs::is_directory(path, ec) || fs::path(path).extension() == ".gguf" ||
                          fs::path(path).filename() == "tokenizer_config.json";
  if (!model_path) return std::nullopt;  // a llama2.c checkpoint or tokenizer: never a template
  absl::StatusOr<engine::ModelChatTemplates> loaded = engine::LoadChatTemplates(path);
  if (absl::IsNotFound(loaded.status())) return std::nullopt;
  if (!loaded.ok()) return loaded.status();
  return std::optional<engine::ModelChatTemplates>(*std::move(loaded));
}

}  // namespace

absl::StatusOr<std::optional<engine::ModelChatTemplates>> CheckpointChatTemplates(const std::string& model_path,
                                                                                  const std::string& tokenizer_path,
                                                                                  const std::string& template_file) {
  absl::StatusOr<std::optional<engine::ModelChatTemplates>> own = TemplatesAt(model_path);
  if (own.ok() && !own->has_value() && !tokenizer_path.empty()) own = TemplatesAt(tokenizer_path);
  if (template_file.empty() || !own.ok()) return own;
  std::string source;
  if (absl::Status s = ReadFileToString(template_file, &source); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("chat_template: ", s.message()));
  }
  absl::StatusOr<engine::ChatTemplate> parsed = engine::ChatTemplate::Parse(source, template_file);
  if (!parsed.ok()) return parsed.status();
  engine::ModelChatTemplates replaced = own->has_value() ? **std::move(own) : engine::ModelChatTemplates{};
  if (replaced.path.empty()) replaced.path = template_file;
  replaced.templates.clear();
  replaced.templates.emplace_back("default", *std::move(parsed));
  return std::optional<engine::ModelChatTemplates>(std::move(replaced));
}

engine::ChatRequest ToChatRequest(const benchmarks::Conversation& chat, std::optional<bool> enable_thinking) {
  engine::ChatRequest request;
  for (const benchmarks::ChatMessage& m : chat.messages) request.messages.push_back(MessageJson(m));
  if (!chat.tools.empty()) {
    request.tools = OrderedJson::array();
    for (const benchmarks::ToolDefinition& t : chat.tools) {
      request.tools.push_back(
          {{"type", "function"},
           {"function",
            {{"name", t.name}, {"description", t.description}, {"parameters", ToOrderedJson(t.parameters)}}}});
    }
  }
  request.add_generation_prompt = true;
  request.enable_thinking = enable_thinking;
  return request;
}

absl::StatusOr<PromptTokens> RenderPromptTokens(const BackendRequest& request, const engine::Tokenizer& tokenizer,
                                                const engine::ModelChatTemplates* templates) {
  const bool chat =
      request.format == PROMPT_FORMAT_CHAT || (request.format == PROMPT_FORMAT_AUTO && templates != nullptr &&
                                               request.prompt_tokens.empty() && !request.chat.messages.empty());
  PromptTokens out;
  if (!chat) {
    out.tokens =
        request.prompt_tokens.empty() ? tokenizer.Encode(request.prompt, /*add_bos=*/true) : request.prompt_tokens;
    return out;
  }
  if (templates == nullptr) return absl::FailedPreconditionError("the checkpoint has no chat template");
  if (request.chat.messages.empty()) return absl::InvalidArgumentError("the item has no chat messages");
  absl::StatusOr<std::string> text =
      engine::RenderChat(*templates, ToChatRequest(request.chat, request.enable_thinking));
  if (!text.ok()) return text.status();
  // As llama.cpp tokenizes a rendered chat: the special tokens the template
  // wrote (`<|im_start|>`, a BOS) become their ids, and nothing is added.
  engine::EncodeOptions options;
  options.add_special = false;
  options.parse_special = true;
  out.tokens = tokenizer.Encode(*text, options);
  out.text = *std::move(text);
  out.chat = true;
  return out;
}

std::vector<int32_t> ChatStopTokens(const engine::Tokenizer& tokenizer, const engine::ModelChatTemplates& templates) {
  std::vector<int32_t> stops = tokenizer.end_of_generation_ids();
  for (const std::string& marker : engine::EndOfTurnMarkers(templates)) {
    const int32_t id = tokenizer.TokenId(marker);
    if (id >= 0 && std::find(stops.begin(), stops.end(), id) == stops.end()) stops.push_back(id);
  }
  return stops;
}

}  // namespace doomscope
