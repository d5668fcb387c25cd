#include "engine/tokenizer_config.h"

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

// A special token given as "text" or as {"content": "text", ...} (AddedToken).
absl::StatusOr<std::optional<std::string>> TokenText(const Json& root, const char* key, const std::string& name) {
  const Json* v = FindMember(root, key);
  if (v == nullptr) return std::optional<std::string>();
  if (v->is_string()) return std::optional<std::string>(v->get<std::string>());
  if (v->is_object()) {
    absl::StatusOr<std::string> content = StringMember(*v, "content", absl::StrCat(name, ": ", key));
    if (!content.ok()) return content.status();
    return std::optional<std::string>(*std::move(content));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": \"", key, "\" must be a string or an object with \"content\""));
}

absl::StatusOr<std::optional<bool>> OptionalBool(const Json& root, const char* key, const std::string& name) {
  const Json* v = FindMember(root, key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return absl::InvalidArgumentError(absl::StrCat(name, ": \"", key, "\" must be true or false"));
  return std::optional<bool>(v->get<bool>());
}

absl::StatusOr<std::vector<int32_t>> IdList(const Json& root, const char* key, const std::string& name) {
  std::vector<int32_t> ids;
  const Json* v = FindMember(root, key);
  if (v == nullptr) return ids;
  auto add = [&](const Json& id) -> absl::Status {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": \"", key, "\" must hold token ids"));
    }
    ids.push_back(id.get<int32_t>());
    return absl::OkStatus();
  };
  if (v->is_array()) {
    for (const Json& id : *v) {
      if (absl::Status s = add(id); !s.ok()) return s;
    }
  } else if (absl::Status s = add(*v); !s.ok()) {
    return s;
  }
  return ids;
}

}  // namespace

absl::StatusOr<TokenizerConfig> ParseTokenizerConfig(const Json& root, const std::string& name) {
  if (!root.is_object()) return absl::InvalidArgumentError(absl::StrCat(name, ": expected a JSON object"));
  TokenizerConfig c;
  for (auto [key, field] : {std::pair<const char*, std::optional<bool>*>{"add_bos_token", &c.add_bos_token},
                            {"add_eos_token", &c.add_eos_token}}) {
    absl::StatusOr<std::optional<bool>> v = OptionalBool(root, key, name);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  for (auto [key, field] : {std::pair<const char*, std::optional<std::string>*>{"bos_token", &c.bos_token},
                            {"eos_token", &c.eos_token},
                            {"unk_token", &c.unk_token},
                            {"pad_token", &c.pad_token}}) {
    absl::StatusOr<std::optional<std::string>> v = TokenText(root, key, name);
    if (!v.ok()) return v.status();
    *field = *std::move(v);
  }
  absl::StatusOr<bool> split = BoolMemberOr(root, "split_special_tokens", false, name);
  if (!split.ok()) return split.status();
  c.split_special_tokens = *split;
  return c;
}

absl::StatusOr<TokenizerConfig> ReadTokenizerConfig(const std::string& path) {
  absl::StatusOr<Json> root = ReadJsonFile(path);
  if (!root.ok()) return root.status();
  return ParseTokenizerConfig(*root, path);
}

absl::StatusOr<GenerationConfig> ParseGenerationConfig(const Json& root, const std::string& name) {
  if (!root.is_object()) return absl::InvalidArgumentError(absl::StrCat(name, ": expected a JSON object"));
  GenerationConfig g;
  absl::StatusOr<std::vector<int32_t>> eos = IdList(root, "eos_token_id", name);
  if (!eos.ok()) return eos.status();
  g.eos_token_ids = *std::move(eos);
  for (auto [key, field] : {std::pair<const char*, std::optional<int32_t>*>{"bos_token_id", &g.bos_token_id},
                            {"pad_token_id", &g.pad_token_id}}) {
    absl::StatusOr<std::vector<int32_t>> ids = IdList(root, key, name);
    if (!ids.ok()) return ids.status();
    if (!ids->empty()) *field = ids->front();
  }
  return g;
}

absl::StatusOr<GenerationConfig> ReadGenerationConfig(const std::string& path) {
  absl::StatusOr<Json> root = ReadJsonFile(path);
  if (!root.ok()) return root.status();
  return ParseGenerationConfig(*root, path);
}

}  // namespace doomscope::engine
