// Renders decoded calls back as text: Python call lists (BFCL's prompting
// format, also used to display what a model called) and JSON call lists.
#ifndef DOOMSCOPE_BENCHMARKS_TOOL_CALLS_PYTHON_CALL_WRITER_H_
#define DOOMSCOPE_BENCHMARKS_TOOL_CALLS_PYTHON_CALL_WRITER_H_

#include <span>
#include <string>

#include "eval/function_call.h"
#include "results/json/json.h"

namespace doomscope::benchmarks {

// A Python literal that ParsePythonLiteral reads back as `v`: double-quoted
// strings, True/False/None, floats always with a '.' or exponent.
std::string PythonLiteral(const json::Value& v);

// "name(a=1, b=\"x\")" (positional arguments first, as written).
std::string PythonCall(const eval::FunctionCall& call);

// "[f(a=1), g(b=2)]".
std::string PythonCallList(std::span<const eval::FunctionCall> calls);

// [{"name": ..., "arguments": {...}}, ...].
json::Value JsonCallList(std::span<const eval::FunctionCall> calls);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_TOOL_CALLS_PYTHON_CALL_WRITER_H_
