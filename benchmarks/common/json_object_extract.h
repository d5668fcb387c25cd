// Pulls the answer object out of a model's output for JSON-answer tasks: the
// first '{' that opens a JSON object ('{' then optional space then '"' or '}';
// prose braces like "{is}" are passed over), parsed strictly. Markdown code
// fences around it need no special handling. Reasoning in <think>...</think> is
// skipped.
#ifndef DOOMSCOPE_BENCHMARKS_COMMON_JSON_OBJECT_EXTRACT_H_
#define DOOMSCOPE_BENCHMARKS_COMMON_JSON_OBJECT_EXTRACT_H_

#include <string>
#include <string_view>

#include "results/json/json.h"

namespace doomscope::benchmarks {

enum class JsonObjectOutcome {
  kFound,      // `value` holds the object
  kInvalid,    // an object starts but does not parse (e.g. cut off by the token cap)
  kNotFound,   // non-blank text without any object start
  kEmpty,      // blank output (or only reasoning)
};

struct JsonObjectExtraction {
  JsonObjectOutcome outcome = JsonObjectOutcome::kEmpty;
  json::Value value;
  std::string error;
};

JsonObjectExtraction ExtractFirstJsonObject(std::string_view text);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_COMMON_JSON_OBJECT_EXTRACT_H_
