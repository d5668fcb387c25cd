// Finding a model's chat template and special tokens where transformers and
// llama.cpp keep them.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "engine/chat_template/cat.h"
#include "absl/strings/str_join.h"
#include "engine/chat_template/chat_template.h"
#include "engine/gguf_reader.h"

namespace doomscope::engine {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr std::string_view kSpecialTokenNames[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                                   "pad_token", "cls_token", "mask_token"};

absl::StatusOr<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(jinja::Cat(path.string(), ": cannot open"));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(jinja::Cat(path.string(), ": read failed"));
  return ss.str();
}

absl::StatusOr<Json> ReadJson(const fs::path& path) {
  absl::StatusOr<std::string> text = ReadText(path);
  if (!text.ok()) return text.status();
  try {
    return Json::parse(*text);
  } catch (const Json::exception& e) {
    // nlohmann's message names the line and column.
    return absl::InvalidArgumentError(jinja::Cat(path.string(), ": invalid JSON: ", e.what()));
  }
}

absl::Status AddTemplate(ModelChatTemplates* out, std::string name, std::string_view source, std::string where) {
  absl::StatusOr<ChatTemplate> t = ChatTemplate::Parse(source, std::move(where));
  if (!t.ok()) return t.status();
  out->templates.emplace_back(std::move(name), std::move(*t));
  return absl::OkStatus();
}

// tokenizer_config.json's "chat_template": a string, or [{"name", "template"}, ...].
absl::Status TemplatesFromConfig(const Json& value, const std::string& file, ModelChatTemplates* out) {
  if (value.is_string()) return AddTemplate(out, "default", value.get<std::string>(), file + "[chat_template]");
  if (!value.is_array()) return absl::InvalidArgumentError(jinja::Cat(file, ": 'chat_template' must be a string or a list"));
  for (size_t i = 0; i < value.size(); ++i) {
    const Json& e = value[i];
    if (!e.is_object() || !e.contains("name") || !e.contains("template") || !e["name"].is_string() ||
        !e["template"].is_string()) {
      return absl::InvalidArgumentError(
          jinja::Cat(file, ": 'chat_template'[", i, "] must be {\"name\": string, \"template\": string}"));
    }
    std::string name = e["name"].get<std::string>();
    absl::Status s = AddTemplate(out, name, e["template"].get<std::string>(),
                                 jinja::Cat(file, "[chat_template:", name, "]"));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// A special token in tokenizer_config.json: a string or an AddedToken {"content": ...}.
void SpecialTokensFromConfig(const Json& config, ModelChatTemplates* out) {
  for (std::string_view name : kSpecialTokenNames) {
    auto it = config.find(std::string(name));
    if (it == config.end()) continue;
    if (it->is_string()) {
      out->special_tokens.emplace_back(name, it->get<std::string>());
    } else if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
      out->special_tokens.emplace_back(name, (*it)["content"].get<std::string>());
    }
  }
}

absl::StatusOr<ModelChatTemplates> LoadFromFolder(const fs::path& dir, const fs::path& config_path) {
  ModelChatTemplates out;
  out.path = dir.string();
  Json config = Json::object();
  bool has_config = fs::exists(config_path);
  if (has_config) {
    absl::StatusOr<Json> c = ReadJson(config_path);
    if (!c.ok()) return c.status();
    if (!c->is_object()) return absl::InvalidArgumentError(jinja::Cat(config_path.string(), ": expected a JSON object"));
    config = std::move(*c);
    SpecialTokensFromConfig(config, &out);
  }
  if (out.special_tokens.empty() && fs::exists(dir / "special_tokens_map.json")) {
    absl::StatusOr<Json> m = ReadJson(dir / "special_tokens_map.json");
    if (!m.ok()) return m.status();
    if (m->is_object()) SpecialTokensFromConfig(*m, &out);
  }
  fs::path jinja = dir / "chat_template.jinja";
  if (fs::exists(jinja)) {
    absl::StatusOr<std::string> text = ReadText(jinja);
    if (!text.ok()) return text.status();
    if (absl::Status s = AddTemplate(&out, "default", *text, jinja.string()); !s.ok()) return s;
    fs::path extra = dir / "additional_chat_templates";
    if (fs::is_directory(extra)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(extra)) {
        if (e.path().extension() == ".jinja") files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) {
        absl::StatusOr<std::string> t = ReadText(f);
        if (!t.ok()) return t.status();
        if (absl::Status s = AddTemplate(&out, f.stem().string(), *t, f.string()); !s.ok()) return s;
      }
    }
    return out;
  }
  if (config.contains("chat_template") && !config["chat_template"].is_null()) {
    if (absl::Status s = TemplatesFromConfig(config["chat_template"], config_path.string(), &out); !s.ok()) return s;
    return out;
  }
  fs::path processor = dir / "chat_template.json";
  if (fs::exists(processor)) {
    absl::StatusOr<Json> p = ReadJson(processor);
    if (!p.ok()) return p.status();
    if (p->is_object() && p->contains("chat_template")) {
      if (absl::Status s = TemplatesFromConfig((*p)["chat_template"], processor.string(), &out); !s.ok()) return s;
      return out;
    }
  }
  return absl::NotFoundError(jinja::Cat(dir.string(),
                                          ": no chat template (looked for chat_template.jinja, 'chat_template' in "
                                          "tokenizer_config.json, and chat_template.json)"));
}

absl::StatusOr<ModelChatTemplates> LoadFromGguf(const std::string& path) {
  absl::StatusOr<GgufFile> gguf = GgufFile::Open(path);
  if (!gguf.ok()) return gguf.status();
  ModelChatTemplates out;
  out.path = path;
  const std::string kKey = "tokenizer.chat_template";
  for (const auto& [key, value] : gguf->metadata()) {
    if (key != kKey && !absl::StartsWith(key, kKey + ".")) continue;
    if (value.type != GgufType::kString) return absl::InvalidArgumentError(jinja::Cat(path, ": '", key, "' is not a string"));
    std::string name = key == kKey ? "default" : key.substr(kKey.size() + 1);
    if (absl::Status s = AddTemplate(&out, name, value.string_value, jinja::Cat(path, "[", key, "]")); !s.ok()) return s;
  }
  if (out.templates.empty()) return absl::NotFoundError(jinja::Cat(path, ": no chat template ('", kKey, "' is not in the GGUF)"));
  // Special tokens: their ids index tokenizer.ggml.tokens.
  const GgufValue* tokens = gguf->Find("tokenizer.ggml.tokens");
  if (tokens != nullptr && tokens->type == GgufType::kArray && tokens->array_type == GgufType::kString) {
    const std::pair<std::string_view, std::string_view> kIds[] = {
        {"bos_token", "tokenizer.ggml.bos_token_id"},   {"eos_token", "tokenizer.ggml.eos_token_id"},
        {"unk_token", "tokenizer.ggml.unknown_token_id"}, {"sep_token", "tokenizer.ggml.seperator_token_id"},
        {"pad_token", "tokenizer.ggml.padding_token_id"}};
    for (const auto& [name, key] : kIds) {
      if (gguf->Find(key) == nullptr) continue;
      absl::StatusOr<uint64_t> id = gguf->GetUint(key);
      if (!id.ok()) return id.status();
      if (*id >= tokens->array_strings.size()) {
        return absl::InvalidArgumentError(jinja::Cat(path, ": '", key, "' = ", *id, " is not a token id"));
      }
      out.special_tokens.emplace_back(name, tokens->array_strings[*id]);
    }
  }
  return out;
}

}  // namespace

const std::string* ModelChatTemplates::SpecialToken(std::string_view name) const {
  for (const auto& [n, v] : special_tokens) {
    if (n == name) return &v;
  }
  return nullptr;
}

absl::StatusOr<const ChatTemplate*> ModelChatTemplates::Select(std::string_view name, bool has_tools) const {
  auto find = [&](std::string_view n) -> const ChatTemplate* {
    for (const auto& [tn, t] : templates) {
      if (tn == n) return &t;
    }
    return nullptr;
  };
  if (!name.empty()) {
    if (const ChatTemplate* t = find(name)) return t;
    std::vector<std::string> names;
    for (const auto& kv : templates) names.push_back(kv.first);
    return absl::NotFoundError(jinja::Cat(path, ": no chat template named '", name, "' (has: ",
                                            absl::StrJoin(names, ", "), ")"));
  }
  if (templates.size() == 1) return &templates[0].second;
  if (has_tools) {
    if (const ChatTemplate* t = find("tool_use")) return t;
  }
  if (const ChatTemplate* t = find("default")) return t;
  return absl::NotFoundError(jinja::Cat(path, ": several chat templates and none is named 'default'; choose one"));
}

bool IsModelPath(const std::string& path) {
  fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) return true;
  return p.filename() == "tokenizer_config.json" || p.extension() == ".gguf";
}

absl::StatusOr<ModelChatTemplates> LoadChatTemplates(const std::string& path) {
  fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) return LoadFromFolder(p, p / "tokenizer_config.json");
  if (!fs::exists(p, ec)) return absl::NotFoundError(jinja::Cat(path, ": no such file or folder"));
  if (p.filename() == "tokenizer_config.json") return LoadFromFolder(p.parent_path().empty() ? fs::path(".") : p.parent_path(), p);
  if (p.extension() == ".gguf") return LoadFromGguf(path);
  return absl::InvalidArgumentError(
      jinja::Cat(path, ": not a model (expected an HF folder, a tokenizer_config.json or a .gguf file)"));
}

}  // namespace doomscope::engine
