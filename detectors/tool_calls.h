// Tool-call repeats (DETECTORS.md section 6, kind tool_call_repeat): the same
// tool name with the same canonical JSON arguments several times in a row.
//
// Calls are found as JSON objects anywhere in the text (inside <tool_call>
// tags, fenced blocks or bare): an object with a string "name" and arguments
// under "arguments", "parameters", "args" or "input" (a JSON string holding
// JSON counts as that JSON), or OpenAI's {"function": {"name", "arguments"}}.
// Canonical JSON: object keys sorted (a repeated key keeps its last value),
// no insignificant whitespace, strings re-escaped from their decoded value,
// numbers as written. Parsing is the JSON leaf's (results/json), with one work
// budget for the whole text, so hostile input stays linear.
#ifndef DOOMSCOPE_DETECTORS_TOOL_CALLS_H_
#define DOOMSCOPE_DETECTORS_TOOL_CALLS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace doomscope {

struct ToolCall {
  std::string name;
  std::string canonical_arguments;
};

// Every tool call in `text`, in order.
std::vector<ToolCall> FindToolCalls(std::string_view text);

// The longest run of consecutive identical calls (0 when there are none).
int64_t LongestIdenticalCallRun(const std::vector<ToolCall>& calls);

// Canonical form of the JSON value that starts at text[pos] (leading
// whitespace skipped); nullopt when it is not valid JSON. `*end` is set past it.
std::optional<std::string> CanonicalJson(std::string_view text, size_t pos, size_t* end);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_TOOL_CALLS_H_
