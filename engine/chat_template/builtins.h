// Jinja's builtin filters and tests (with transformers' `tojson`), the Python
// methods of str/list/dict that the sandbox allows, and the global functions
// (range, dict, namespace, cycler, joiner, raise_exception, strftime_now).
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_BUILTINS_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_BUILTINS_H_

#include <string_view>

#include "engine/chat_template/value.h"

namespace doomscope::engine::jinja {

bool IsKnownFilter(std::string_view name);
bool IsKnownTest(std::string_view name);

// `value|name(args)`; unknown names were refused at parse time.
Value ApplyFilter(Interpreter& interp, std::string_view name, const Value& value, CallArgs& args);
// `value is name(args)`.
bool ApplyTest(Interpreter& interp, std::string_view name, const Value& value, CallArgs& args);

// A Python method of a str, list or dict value (`s.strip()`, `d.items()`):
// `*found` is false when the type has no such method. Methods the immutable
// sandbox refuses (list.append, dict.update, ...) raise a SecurityError.
Value CallMethod(Interpreter& interp, const Value& self, std::string_view name, CallArgs& args, bool* found);
// Whether `self.name` is a method (for attribute access without a call, which
// yields a bound method), and whether the sandbox refuses it.
bool HasMethod(const Value& self, std::string_view name);
bool IsUnsafeMethod(const Value& self, std::string_view name);
Value BoundMethod(const Value& self, std::string_view name);

// The globals every template sees (context variables shadow them): nullopt-like
// Undefined when `name` is not one.
Value LookupGlobal(std::string_view name);

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_BUILTINS_H_
