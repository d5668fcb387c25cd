// Checked access to the JSON objects of tokenizer.json and
// tokenizer_config.json: every accessor returns a Status that names the field
// (`where` is a path such as "tokenizer.json: pre_tokenizer.pretokenizers[1]"),
// so a malformed file is refused with a message instead of an exception.
#ifndef DOOMSCOPE_ENGINE_TOKENIZER_JSON_FIELDS_H_
#define DOOMSCOPE_ENGINE_TOKENIZER_JSON_FIELDS_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

using Json = nlohmann::json;

// The member, or nullptr when it is absent or JSON null.
const Json* FindMember(const Json& object, const std::string& key);

absl::StatusOr<const Json*> RequireMember(const Json& object, const std::string& key, const std::string& where);

absl::StatusOr<std::string> StringMember(const Json& object, const std::string& key, const std::string& where);
absl::StatusOr<std::string> StringMemberOr(const Json& object, const std::string& key, const std::string& fallback,
                                           const std::string& where);
absl::StatusOr<bool> BoolMemberOr(const Json& object, const std::string& key, bool fallback, const std::string& where);
absl::StatusOr<int64_t> IntMemberOr(const Json& object, const std::string& key, int64_t fallback,
                                    const std::string& where);

// The type of a component object ({"type": "..."}).
absl::StatusOr<std::string> ComponentType(const Json& object, const std::string& where);

// A Split/Replace pattern as tokenizer.json writes it: {"String": s} (literal)
// or {"Regex": r}.
struct PatternSpec {
  std::string text;
  bool literal = false;
};
absl::StatusOr<PatternSpec> PatternMember(const Json& object, const std::string& where);

// Calls fn(element, element_where) for each element of the list member `key`
// (a component Sequence's children), stopping at the first error.
absl::Status ForEachListMember(const Json& object, const std::string& key, const std::string& where,
                               const std::function<absl::Status(const Json&, const std::string&)>& fn);

// Reads a whole JSON file; errors name the file and the byte offset.
absl::StatusOr<Json> ReadJsonFile(const std::string& path);
absl::StatusOr<Json> ParseJsonText(std::string_view text, const std::string& name);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKENIZER_JSON_FIELDS_H_
