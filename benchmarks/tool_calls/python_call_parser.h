// A parser for the Python subset BFCL's prompting format uses: a list of calls
// "[f(a=1, b='x'), mod.g(c=[1, 2.5e-3], d={'k': (True, None)})]" or a single call.
//
// Values become JSON: str -> string, int -> int, float -> double, True/False ->
// bool, None -> null, list and tuple -> array, dict (string keys) -> object. As in
// BFCL's decoder, a bare name or attribute chain used as a value ("x=data",
// "x=np.pi") and a subscript of one ("data['sales']") become the string of their
// source text. Anything else Python allows (arithmetic, calls as values,
// f-strings, bytes, sets, *args) is an error: the output was not a plain call.
#ifndef DOOMSCOPE_BENCHMARKS_TOOL_CALLS_PYTHON_CALL_PARSER_H_
#define DOOMSCOPE_BENCHMARKS_TOOL_CALLS_PYTHON_CALL_PARSER_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "eval/function_call.h"
#include "results/json/json.h"

namespace doomscope::benchmarks {

// Parses "[call, call, ...]" (an empty list allowed, trailing comma allowed)
// starting at text[pos] (which must be '['); sets *end just past the ']'.
absl::StatusOr<std::vector<eval::FunctionCall>> ParsePythonCallList(std::string_view text, size_t pos, size_t* end);

// Parses one call "name(args)" starting at text[pos]; sets *end just past ')'.
absl::StatusOr<eval::FunctionCall> ParsePythonCall(std::string_view text, size_t pos, size_t* end);

// Parses exactly one Python literal value (surrounding whitespace allowed).
absl::StatusOr<json::Value> ParsePythonLiteral(std::string_view text);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_TOOL_CALLS_PYTHON_CALL_PARSER_H_
