// Python's two string formatting mini-languages as far as templates use them:
// printf-style `"%s: %d" % (a, b)` (also the `format` filter) and
// `"{} {name}".format(...)` (which the sandbox routes through its safe
// formatter): conversions s r d i f F e E g G x X o c %, flags, width and
// precision; `{}`/`{0}`/`{name}` fields with `!s`/`!r` and a format spec
// (fill, align, sign, width, precision, type).
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_PY_FORMAT_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_PY_FORMAT_H_

#include <string>
#include <string_view>

#include "engine/chat_template/value.h"

namespace doomscope::engine::jinja {

// fmt % args; `args` is a tuple for several values, a dict for %(name)s, else one value.
std::string PercentFormat(std::string_view fmt, const Value& args);
// fmt.format(*positional, **keyword).
std::string BraceFormat(Interpreter& interp, std::string_view fmt, const CallArgs& args);

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_PY_FORMAT_H_
