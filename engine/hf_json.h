// Strict JSON reading for the files of a Hugging Face checkpoint folder
// (safetensors headers, config.json, generation_config.json,
// model.safetensors.index.json): nlohmann's parser behind absl::Status, with
// two checks it does not make by itself, because a file that has them is
// ambiguous or hostile rather than merely unusual:
//   - a key repeated in one object (parsers disagree on which value wins);
//   - nesting deeper than the caller allows (bounds work on hostile input).
// Exceptions stay inside: every failure is an InvalidArgument naming `name`
// and, for syntax errors, the line and column.
#ifndef DOOMSCOPE_ENGINE_HF_JSON_H_
#define DOOMSCOPE_ENGINE_HF_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

// Parses `text` (named `name` in errors) as one JSON value with at most
// `max_depth` nested arrays/objects (the top-level object counts as 1).
absl::StatusOr<nlohmann::json> ParseStrictJson(std::string_view text, const std::string& name, int max_depth);

// Reads the file at `path` (at most `max_bytes`) and parses it as above; the
// top-level value must be an object.
absl::StatusOr<nlohmann::json> ReadJsonObjectFile(const std::string& path, int max_depth, size_t max_bytes = 64 << 20);

// A JSON value's type in words ("a string", "an object", ...), for messages.
const char* JsonTypeName(const nlohmann::json& v);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_JSON_H_
