// Binds the arguments of a builtin filter, test, method or global the way
// Python binds a call to a signature: positional first, then by keyword;
// unknown keywords, duplicates and too many arguments are errors naming the
// function.
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_CALL_ARGS_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_CALL_ARGS_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat_template/value.h"

namespace doomscope::engine::jinja {

class BoundArgs {
 public:
  // `required`: how many leading parameters must be given.
  BoundArgs(std::string_view function, const CallArgs& args, std::initializer_list<std::string_view> params,
            size_t required = 0);
  bool has(size_t i) const { return given_[i]; }
  const Value& operator[](size_t i) const { return values_[i]; }
  // The argument, or `fallback` when it was not given.
  Value Or(size_t i, Value fallback) const { return given_[i] ? values_[i] : fallback; }
  // Typed access with a TypeError naming the function and parameter.
  int64_t Int(size_t i, int64_t fallback) const;
  bool Bool(size_t i, bool fallback) const;
  std::string Str(size_t i, std::string fallback) const;

 private:
  std::string function_;
  std::vector<std::string_view> names_;
  std::vector<Value> values_;
  std::vector<bool> given_;
};

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_CALL_ARGS_H_
