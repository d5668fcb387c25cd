// A function call as decoded from a model's output, whatever syntax it used.
#ifndef DOOMSCOPE_BENCHMARKS_TASKS_FUNCTION_CALL_H_
#define DOOMSCOPE_BENCHMARKS_TASKS_FUNCTION_CALL_H_

#include <string>

#include "results/json/json.h"

namespace doomscope::tasks {

struct FunctionCall {
  std::string name;       // as written, dots kept ("math.factorial")
  json::Object args;      // keyword arguments in the order written
  // Positional arguments, kept for display and error reporting. They are never
  // mapped to parameters: the prompt asks for name=value, and BFCL's decoder
  // drops them (so such a call fails there on a missing parameter); the checker
  // fails the call with the error class "positional_argument" instead.
  json::Array positional;
};

}  // namespace doomscope::tasks

#endif  // DOOMSCOPE_BENCHMARKS_TASKS_FUNCTION_CALL_H_
