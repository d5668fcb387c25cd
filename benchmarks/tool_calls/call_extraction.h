// Finds the function calls in a model's free-form output, and tells a genuine
// abstention (text without any call attempt) from a call that failed to decode.
//
// BFCL credits every undecodable output as a correct abstention on its
// irrelevance category (gorilla #443, #1362); here a malformed attempt is its
// own outcome. Accepted syntaxes:
//  - BFCL's Python call lists "[f(a=1), g(b='x')]", anywhere in the text (in
//    prose, in Markdown fences);
//  - bare Python calls "f(a=1)" when f is an offered function or the call has
//    keyword arguments (so prose like "the function(s)" or "f(x) = 2x" is not a call);
//  - JSON calls (see json_calls.h), alone or in a list, anywhere in the text;
//  - <tool_call>...</tool_call> blocks holding JSON or Python calls; when the text
//    has such a tag, only the blocks count.
// Reasoning inside <think>...</think> is ignored. An output that ends inside an
// unterminated <think> block never gave an answer (outcome kEmpty).
// A malformed attempt is: a '[' + name + '(' or a bare call site that does not
// parse (truncated, unbalanced, unsupported syntax), a call-shaped JSON object
// that does not parse ('{"name": ...' cut off), a <tool_call> block that holds
// no decodable call, or a call marker (<tool_call, <function, <|python_tag|>,
// "arguments") with no call decoded at all.
#ifndef DOOMSCOPE_BENCHMARKS_TOOL_CALLS_CALL_EXTRACTION_H_
#define DOOMSCOPE_BENCHMARKS_TOOL_CALLS_CALL_EXTRACTION_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eval/function_call.h"

namespace doomscope::benchmarks {

enum class CallOutcome {
  kCalls,      // at least one call decoded, no malformed attempt
  kNoCall,     // text without any call attempt (or an explicit empty list "[]")
  kMalformed,  // a call attempt that could not be decoded
  kEmpty,      // no answer text at all (blank, or only unterminated reasoning)
};

struct CallExtraction {
  CallOutcome outcome = CallOutcome::kEmpty;
  std::vector<eval::FunctionCall> calls;
  std::string error;   // why kMalformed / kEmpty
  std::string format;  // "python", "json", "tool_call" or "mixed" for kCalls
};

// `known_names`: the offered functions' names.
CallExtraction ExtractFunctionCalls(std::string_view text, std::span<const std::string> known_names);

const char* CallOutcomeName(CallOutcome outcome);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_TOOL_CALLS_CALL_EXTRACTION_H_
