// A function call as decoded from a model's output, whatever syntax it used.
#ifndef DOOMSCOPE_EVAL_FUNCTION_CALL_H_
#define DOOMSCOPE_EVAL_FUNCTION_CALL_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "results/json/json.h"

namespace doomscope::eval {

struct FunctionCall {
  std::string name;       // as written, dots kept ("math.factorial")
  json::Object args;      // keyword arguments in the order written
  // Positional arguments, kept for display and error reporting. They are never
  // mapped to parameters: the prompt asks for name=value, and BFCL's decoder
  // drops them (so such a call fails there on a missing parameter); the checker
  // ignores them too and names them in the error class when the call fails.
  json::Array positional;
  // Where the call wrote a Python tuple rather than a list (JSON has arrays
  // only, and BFCL's checker tells them apart): JSON Pointers into `args`,
  // e.g. "/coords" or "/points/2" ('~' and '/' in keys escaped as ~0 and ~1).
  std::vector<std::string> tuple_pointers;

  bool IsTuple(std::string_view pointer) const {
    return std::find(tuple_pointers.begin(), tuple_pointers.end(), pointer) != tuple_pointers.end();
  }
};

// `pointer` extended by one step: an array index or an object key (escaped).
std::string JsonPointerChild(std::string_view pointer, std::string_view key);
std::string JsonPointerChild(std::string_view pointer, size_t index);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_FUNCTION_CALL_H_
