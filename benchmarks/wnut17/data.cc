#include "benchmarks/wnut17/data.h"

#include <array>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "results/json/jsonl.h"

namespace doomscope::benchmarks {
namespace {

constexpr std::array<std::string_view, 6> kTypes = {"person",      "location", "group",
                                                     "corporation", "product",  "creative-work"};

constexpr std::string_view kStop = "\nText:";

absl::Status CheckFields(const json::Value& fields) {
  if (!fields.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("field 'fields' must be an object, got ", json::KindName(fields.kind())));
  }
  for (std::string_view type : kTypes) {
    const json::Value* list = fields.Find(type);
    if (list == nullptr) return absl::InvalidArgumentError(absl::StrCat("field 'fields' lacks key '", std::string(type), "'"));
    if (!list->is_array()) {
      return absl::InvalidArgumentError(absl::StrCat("field 'fields.", std::string(type), "' must be a list"));
    }
    for (const json::Value& e : list->as_array()) {
      if (!e.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat("field 'fields.", std::string(type), "' must hold strings"));
      }
    }
  }
  if (fields.as_object().size() != kTypes.size()) {
    for (const auto& [key, unused] : fields.as_object()) {
      bool known = false;
      for (std::string_view type : kTypes) known = known || key == type;
      if (!known) return absl::InvalidArgumentError(absl::StrCat("field 'fields' has unknown key '", key, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::span<const std::string_view> WnutEntityTypes() { return kTypes; }

std::string_view WnutInstruction() {
  return "Extract the named entities from the text. Reply with only a JSON object with exactly these six keys, "
         "each mapped to a list of the entity strings as they appear in the text (an empty list when there are "
         "none):\n"
         "- \"person\": names of people, real or fictional\n"
         "- \"location\": names of places\n"
         "- \"group\": bands, sports teams, organizations and other groups that are not companies\n"
         "- \"corporation\": companies and other businesses\n"
         "- \"product\": named products, including software and services\n"
         "- \"creative-work\": titles of songs, films, books, shows, games and other works";
}

absl::StatusOr<std::vector<TaskItem>> LoadWnut17Items(const TaskConfig& cfg, const std::string& path) {
  const std::string instruction = cfg.instruction().empty() ? std::string(WnutInstruction()) : cfg.instruction();
  std::vector<TaskItem> items;
  absl::flat_hash_set<std::string> seen;
  bool full = false;
  absl::Status st = json::ReadJsonl(path, [&](int, json::Value v) -> absl::Status {
    if (full) return absl::OkStatus();
    if (!v.is_object()) return absl::InvalidArgumentError("expected a JSON object");
    const json::Value* id = v.Find("id");
    if (id == nullptr || !id->is_string() || id->as_string().empty()) {
      return absl::InvalidArgumentError("field 'id' must be a non-empty string");
    }
    const json::Value* text = v.Find("text");
    if (text == nullptr || !text->is_string()) return absl::InvalidArgumentError("field 'text' must be a string");
    const json::Value* fields = v.Find("fields");
    if (fields == nullptr) return absl::InvalidArgumentError("missing field 'fields'");
    if (absl::Status fst = CheckFields(*fields); !fst.ok()) return fst;
    if (!seen.insert(id->as_string()).second) {
      return absl::InvalidArgumentError(absl::StrCat("field 'id': duplicate id '", id->as_string(), "'"));
    }
    TaskItem item;
    item.id = id->as_string();
    item.prompt = absl::StrCat(instruction, "\n\nText: ", text->as_string(), "\nJSON:");
    item.messages = {{"system", instruction}, {"user", absl::StrCat("Text: ", text->as_string())}};
    item.gold = *fields;
    item.extra = json::Value(json::Object{{"text", *text}, {"stop", json::Value(json::Array{json::Value(kStop)})}});
    items.push_back(std::move(item));
    if (cfg.limit() > 0 && static_cast<int>(items.size()) >= cfg.limit()) full = true;
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return items;
}

}  // namespace doomscope::benchmarks
