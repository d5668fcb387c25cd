// Decoded call values seen as the Python values BFCL's checker compares:
// Python's type() (a tuple is not a list, a bool is not an int), iteration over
// a possible-answer container, and == (1 == 1.0 == True, a tuple never equals a
// list). Values are JSON plus the tuple marks of the call they come from.
#ifndef DOOMSCOPE_EVAL_PYTHON_VALUE_H_
#define DOOMSCOPE_EVAL_PYTHON_VALUE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/function_call.h"
#include "results/json/json.h"

namespace doomscope::eval {

enum class PyType { kNone, kBool, kInt, kFloat, kStr, kList, kTuple, kDict };
const char* PyTypeName(PyType t);

// The Python type json.loads gives a JSON value (arrays are lists).
PyType JsonPyType(const json::Value& v);

// `for x in container` over a possible-answer container: a list's elements, a
// string's characters (one-code-point strings); nothing for other values (on
// which Python would raise).
std::vector<json::Value> PyIterate(const json::Value& container);

// A value of a decoded call, with its place in the call so tuples are known.
class PyView {
 public:
  PyView(const json::Value& value, const FunctionCall& call, std::string pointer)
      : value_(&value), call_(&call), pointer_(std::move(pointer)) {}

  PyType type() const;
  const json::Value& json() const { return *value_; }
  size_t size() const { return value_->is_array() ? value_->as_array().size() : 0; }
  PyView Element(size_t i) const;          // of a list or tuple
  PyView Member(std::string_view key) const;  // of a dict; the key must exist
  // The same value read as another type: a tuple as a list, an int as a float.
  PyView As(PyType type) const;

 private:
  const json::Value* value_;
  const FunctionCall* call_;
  std::string pointer_;
  std::optional<PyType> as_;
};

// Python's `a == b` for a decoded value and an expected (JSON) value.
bool PyEqual(const PyView& a, const json::Value& b);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_PYTHON_VALUE_H_
