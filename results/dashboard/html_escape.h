// Escaping for text placed into HTML and into inline <script> JSON.
#ifndef DOOMSCOPE_RESULTS_DASHBOARD_HTML_ESCAPE_H_
#define DOOMSCOPE_RESULTS_DASHBOARD_HTML_ESCAPE_H_

#include <string>
#include <string_view>

#include "results/utf8/utf8.h"  // ToValidUtf8, Utf8SafePrefix, Utf8SafeSuffix

namespace doomscope::results {

// Escapes & < > " ' so `text` is safe as element content and inside a quoted
// attribute. Invalid UTF-8 bytes become U+FFFD so the page stays valid UTF-8.
std::string HtmlEscape(std::string_view text);
void AppendHtmlEscaped(std::string_view text, std::string* out);

// Makes serialized JSON safe inside <script type="application/json">: the
// HTML parser ends a script element at "</script" (any case) and treats
// "<!--" specially, so every '<' is written as the JSON escape \u003c (and
// U+2028/U+2029 as \u2028/\u2029 for old JavaScript parsers). The result
// parses to the same JSON value.
std::string EscapeJsonForScript(std::string_view json);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DASHBOARD_HTML_ESCAPE_H_
