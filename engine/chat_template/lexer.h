// Jinja's lexer with transformers' settings (trim_blocks, lstrip_blocks, no
// trailing-newline keeping), reproducing Jinja2's whitespace rules exactly:
//  - the source's \r\n and \r become \n and one final newline is dropped;
//  - `{%-`, `{{-`, `{#-` strip all whitespace before the tag, `-%}`, `-}}`,
//    `-#}` all whitespace after it;
//  - lstrip_blocks: spaces and tabs between a line start and `{%` / `{#` are
//    removed (not before `{{`, not with `{%+`);
//  - trim_blocks: one newline right after `%}` or `#}` is removed (not after `+%}`);
//  - `{% raw %}...{% endraw %}` is data.
// Inside tags, brackets are balanced before an end delimiter is recognised, as
// in Jinja ({{ {'a': {'b': 1}} }} is one expression).
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_LEXER_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_LEXER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace doomscope::engine::jinja {

enum class TokenType {
  kData,        // literal template text
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,      // value: the decoded literal
  kInteger,
  kFloat,
  kOperator,    // value: the operator's text
  kEnd,         // end of the template
};

struct Token {
  TokenType type;
  std::string value;
  int line;
};

// Errors name the template and line ("NAME:3: unexpected end of template, expected '%}'").
absl::StatusOr<std::vector<Token>> Tokenize(std::string_view source, std::string_view name);

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_LEXER_H_
