#include "engine/hf_json.h"

#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/mapped_file.h"

namespace doomscope::engine {
namespace {

// Thrown from the parser callback to stop parsing; never leaves this file.
struct StrictJsonViolation {
  std::string message;
};

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at ...".
std::string WithoutExceptionTag(const char* what) {
  std::string_view s(what);
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find("] ");
    if (close != std::string_view::npos) s.remove_prefix(close + 2);
  }
  return std::string(s);
}

}  // namespace

absl::StatusOr<nlohmann::json> ParseStrictJson(std::string_view text, const std::string& name, int max_depth) {
  // One entry per open container: the keys seen so far for an object, nullopt for an array.
  std::vector<std::optional<absl::flat_hash_set<std::string>>> open;
  auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        if (static_cast<int>(open.size()) >= max_depth) {
          throw StrictJsonViolation{absl::StrCat("nesting deeper than ", max_depth, " levels")};
        }
        if (event == E::object_start) {
          open.emplace_back(std::in_place);
        } else {
          open.emplace_back(std::nullopt);
        }
        break;
      case E::object_end:
      case E::array_end:
        if (!open.empty()) open.pop_back();
        break;
      case E::key:
        if (!open.empty() && open.back().has_value() && !open.back()->insert(parsed.get<std::string>()).second) {
          throw StrictJsonViolation{
              absl::StrCat("key \"", parsed.get<std::string>(), "\" appears twice in one object")};
        }
        break;
      case E::value: break;
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/false);
  } catch (const StrictJsonViolation& v) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", v.message));
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": invalid JSON: ", WithoutExceptionTag(e.what())));
  }
}

absl::StatusOr<nlohmann::json> ReadJsonObjectFile(const std::string& path, int max_depth, size_t max_bytes) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  if ((*file)->size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", (*file)->size(), " bytes is more than the ", max_bytes, " this file may have"));
  }
  const std::string_view text(reinterpret_cast<const char*>((*file)->data()), (*file)->size());
  absl::StatusOr<nlohmann::json> json = ParseStrictJson(text, path, max_depth);
  if (!json.ok()) return json.status();
  if (!json->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": expected a JSON object, found ", JsonTypeName(*json)));
  }
  return json;
}

const char* JsonTypeName(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer: return "a negative integer";
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a non-integer number";
    case nlohmann::json::value_t::binary: return "binary data";
    case nlohmann::json::value_t::discarded: return "nothing";
  }
  return "?";
}

}  // namespace doomscope::engine
