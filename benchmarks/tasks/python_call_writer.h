// Renders decoded calls back as text: Python call lists (BFCL's prompting
// format, also used to display what a model called) and JSON call lists.
#ifndef DOOMSCOPE_BENCHMARKS_TASKS_PYTHON_CALL_WRITER_H_
#define DOOMSCOPE_BENCHMARKS_TASKS_PYTHON_CALL_WRITER_H_

#include <span>
#include <string>

#include "benchmarks/tasks/function_call.h"
#include "results/json/json.h"

namespace doomscope::tasks {

// A Python literal that ParsePythonLiteral reads back as `v`: double-quoted
// strings, True/False/None, floats always with a '.' or exponent.
std::string PythonLiteral(const json::Value& v);

// "name(a=1, b=\"x\")" (positional arguments first, as written).
std::string PythonCall(const FunctionCall& call);

// "[f(a=1), g(b=2)]".
std::string PythonCallList(std::span<const FunctionCall> calls);

// [{"name": ..., "arguments": {...}}, ...].
json::Value JsonCallList(std::span<const FunctionCall> calls);

}  // namespace doomscope::tasks

#endif  // DOOMSCOPE_BENCHMARKS_TASKS_PYTHON_CALL_WRITER_H_
