// Jinja's grammar (as jinja2/parser.py defines it) over the lexer's tokens:
// statements if/elif/else, for (with `if` filter, else, recursive), set (plain,
// tuple, `ns.attr`, block form with filters), macro, call, filter, with,
// break/continue (transformers enables loopcontrols) and transformers'
// `{% generation %}`; expressions with Jinja's precedence (or < and < not <
// comparisons/in < + - < ~ < * / // % < ** < unary - + < filters, tests, calls,
// attributes, subscripts and slices). Unknown filters and tests are errors at
// parse time, as Jinja reports them when it compiles the template.
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_PARSER_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "engine/chat_template/ast.h"

namespace doomscope::engine::jinja {

// Deepest nesting of expressions and blocks a template may have.
inline constexpr int kMaxParseDepth = 100;

// Errors name the template and line ("NAME:4: encountered unknown tag 'include'").
absl::StatusOr<Body> Parse(std::string_view source, std::string_view name);

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_PARSER_H_
