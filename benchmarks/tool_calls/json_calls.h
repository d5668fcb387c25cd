// Function calls written as JSON: {"name": ..., "arguments": {...}} (also
// "parameters" instead of "arguments", arguments as a JSON-encoded string, the
// OpenAI {"type": "function", "function": {...}} wrapper, and BFCL's own
// {"func_name": {...}} for an offered function), or a list of them.
#ifndef DOOMSCOPE_BENCHMARKS_TOOL_CALLS_JSON_CALLS_H_
#define DOOMSCOPE_BENCHMARKS_TOOL_CALLS_JSON_CALLS_H_

#include <span>
#include <string>
#include <vector>

#include "eval/function_call.h"
#include "results/json/json.h"

namespace doomscope::benchmarks {

enum class JsonCallShape {
  kNotCalls,  // some other JSON (an answer object, a list of numbers, [])
  kCalls,     // one or more well-formed calls
  kBroken,    // call-shaped but unusable (arguments not an object, bad JSON string)
};

struct JsonCalls {
  JsonCallShape shape = JsonCallShape::kNotCalls;
  std::vector<eval::FunctionCall> calls;
  std::string error;  // for kBroken
};

// `known_names`: the offered functions, which make {"name": "f"} without
// arguments and {"f": {...}} recognisable as calls.
JsonCalls InterpretJsonCalls(const json::Value& v, std::span<const std::string> known_names);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_TOOL_CALLS_JSON_CALLS_H_
