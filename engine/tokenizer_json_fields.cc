#include "engine/tokenizer_json_fields.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {

const Json* FindMember(const Json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::StatusOr<const Json*> RequireMember(const Json& object, const std::string& key, const std::string& where) {
  const Json* m = FindMember(object, key);
  if (m == nullptr) return absl::InvalidArgumentError(absl::StrCat(where, ": missing field \"", key, "\""));
  return m;
}

absl::StatusOr<std::string> StringMember(const Json& object, const std::string& key, const std::string& where) {
  absl::StatusOr<const Json*> m = RequireMember(object, key, where);
  if (!m.ok()) return m.status();
  if (!(*m)->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": field \"", key, "\" must be a string"));
  }
  return (*m)->get<std::string>();
}

absl::StatusOr<std::string> StringMemberOr(const Json& object, const std::string& key, const std::string& fallback,
                                           const std::string& where) {
  if (FindMember(object, key) == nullptr) return std::string(fallback);
  return StringMember(object, key, where);
}

absl::StatusOr<bool> BoolMemberOr(const Json& object, const std::string& key, bool fallback, const std::string& where) {
  const Json* m = FindMember(object, key);
  if (m == nullptr) return fallback;
  if (!m->is_boolean()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": field \"", key, "\" must be true or false"));
  }
  return m->get<bool>();
}

absl::StatusOr<int64_t> IntMemberOr(const Json& object, const std::string& key, int64_t fallback,
                                    const std::string& where) {
  const Json* m = FindMember(object, key);
  if (m == nullptr) return fallback;
  if (!m->is_number_integer()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": field \"", key, "\" must be an integer"));
  }
  return m->get<int64_t>();
}

absl::StatusOr<std::string> ComponentType(const Json& object, const std::string& where) {
  if (!object.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": expected an object"));
  return StringMember(object, "type", where);
}

absl::StatusOr<PatternSpec> PatternMember(const Json& object, const std::string& where) {
  absl::StatusOr<const Json*> p = RequireMember(object, "pattern", where);
  if (!p.ok()) return p.status();
  if (const Json* s = FindMember(**p, "String"); s != nullptr && s->is_string()) {
    return PatternSpec{s->get<std::string>(), true};
  }
  if (const Json* r = FindMember(**p, "Regex"); r != nullptr && r->is_string()) {
    return PatternSpec{r->get<std::string>(), false};
  }
  return absl::InvalidArgumentError(absl::StrCat(where, ": \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}"));
}

absl::Status ForEachListMember(const Json& object, const std::string& key, const std::string& where,
                               const std::function<absl::Status(const Json&, const std::string&)>& fn) {
  absl::StatusOr<const Json*> list = RequireMember(object, key, where);
  if (!list.ok()) return list.status();
  if (!(*list)->is_array()) return absl::InvalidArgumentError(absl::StrCat(where, ": \"", key, "\" must be a list"));
  for (size_t i = 0; i < (*list)->size(); ++i) {
    if (absl::Status s = fn((**list)[i], absl::StrCat(where, ".", key, "[", i, "]")); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> ParseJsonText(std::string_view text, const std::string& name) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not valid JSON at byte ", e.byte, ": ", e.what()));
  }
}

absl::StatusOr<Json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ParseJsonText(buffer.view(), path);
}

}  // namespace doomscope::engine
