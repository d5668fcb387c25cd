#include "results/dashboard/html_escape.h"

#include <cstdint>

#include "results/utf8/utf8.h"

namespace doomscope::results {

void AppendHtmlEscaped(std::string_view text, std::string* out) {
  out->reserve(out->size() + text.size());
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    switch (c) {
      case '&': *out += "&amp;"; ++i; continue;
      case '<': *out += "&lt;"; ++i; continue;
      case '>': *out += "&gt;"; ++i; continue;
      case '"': *out += "&quot;"; ++i; continue;
      case '\'': *out += "&#39;"; ++i; continue;
      default: break;
    }
    int32_t cp;
    const size_t len = Utf8SequenceAt(text, i, &cp);
    if (len == 0) {
      *out += kReplacementUtf8;
      ++i;
    } else if (len == 1 && static_cast<uint8_t>(c) < 0x20 && c != '\n' && c != '\t' &&
               c != '\r') {
      *out += kReplacementUtf8;  // control characters are not allowed in HTML text
      ++i;
    } else {
      out->append(text.substr(i, len));
      i += len;
    }
  }
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  AppendHtmlEscaped(text, &out);
  return out;
}

std::string EscapeJsonForScript(std::string_view json) {
  std::string out;
  out.reserve(json.size() + json.size() / 64);
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '\xE2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
               (json[i + 2] == '\xA8' || json[i + 2] == '\xA9')) {
      out += json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace doomscope::results
