#include "benchmarks/continuation/data.h"

#include <cstdint>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "results/json/jsonl.h"

namespace doomscope::benchmarks {

absl::StatusOr<std::vector<TaskItem>> LoadContinuationItems(const TaskConfig& cfg, const std::string& path) {
  std::vector<TaskItem> items;
  absl::flat_hash_set<std::string> seen;
  bool full = false;
  absl::Status st = json::ReadJsonl(path, [&](int, json::Value v) -> absl::Status {
    if (full) return absl::OkStatus();
    if (!v.is_object()) return absl::InvalidArgumentError("expected a JSON object");
    TaskItem item;
    const json::Value* id = v.Find("id");
    if (id == nullptr) return absl::InvalidArgumentError("missing field 'id'");
    if (id->is_string() && !id->as_string().empty()) {
      item.id = id->as_string();
    } else if (id->is_int()) {
      item.id = absl::StrCat(id->as_int());
    } else {
      return absl::InvalidArgumentError("field 'id' must be a non-empty string or an integer");
    }
    if (!seen.insert(item.id).second) return absl::InvalidArgumentError(absl::StrCat("field 'id': duplicate id '", item.id, "'"));
    const json::Value* prompt = v.Find("prompt");
    const json::Value* tokens = v.Find("tokens");
    if ((prompt == nullptr) == (tokens == nullptr)) {
      return absl::InvalidArgumentError("exactly one of the fields 'prompt' and 'tokens' must be given");
    }
    if (prompt != nullptr) {
      if (!prompt->is_string() || prompt->as_string().empty()) {
        return absl::InvalidArgumentError("field 'prompt' must be a non-empty string");
      }
      item.prompt = prompt->as_string();
      item.messages = {{"user", item.prompt}};
    } else {
      if (!tokens->is_array() || tokens->as_array().empty()) {
        return absl::InvalidArgumentError("field 'tokens' must be a non-empty list of token ids");
      }
      for (size_t i = 0; i < tokens->as_array().size(); ++i) {
        const json::Value& t = tokens->as_array()[i];
        if (!t.is_int() || t.as_int() < 0 || t.as_int() > std::numeric_limits<int32_t>::max()) {
          return absl::InvalidArgumentError(
              absl::StrCat("field 'tokens[", i, "]' must be a non-negative 32-bit integer token id"));
        }
        item.prompt_tokens.push_back(static_cast<int32_t>(t.as_int()));
      }
    }
    items.push_back(std::move(item));
    if (cfg.limit() > 0 && static_cast<int>(items.size()) >= cfg.limit()) full = true;
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return items;
}

}  // namespace doomscope::benchmarks
