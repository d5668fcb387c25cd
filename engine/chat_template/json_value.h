// The bridge between JSON and template values: a JSON context becomes values
// (objects keep their key order), and `tojson` writes values exactly as
// Python's json.dumps does in transformers' override of the filter
// (ensure_ascii=False by default, separators ", " and ": ", or "," and ": "
// when indenting, Python float repr, NaN/Infinity, sort_keys).
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_JSON_VALUE_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_JSON_VALUE_H_

#include <optional>
#include <string>

#include "engine/chat_template/value.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine::jinja {

// Integers beyond int64 become floats (Python would keep a big integer).
Value FromJson(const nlohmann::ordered_json& j);

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // nullopt: one line
  std::optional<std::string> item_separator;  // default ", " (or "," when indenting)
  std::optional<std::string> key_separator;   // default ": "
  bool sort_keys = false;
};
// json.dumps(value); raises a TypeError like Python's for values JSON cannot hold.
std::string JsonDumps(const Value& v, const JsonDumpOptions& options);

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_JSON_VALUE_H_
