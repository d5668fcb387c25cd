#include "results/html_escape.h"

#include <cstdint>

namespace doomscope::results {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t ValidUtf8Length(std::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) return 1;
  size_t len;
  uint32_t min;
  uint32_t cp;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

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
    const size_t len = ValidUtf8Length(text, i);
    if (len == 0) {
      *out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else if (len == 1 && static_cast<uint8_t>(c) < 0x20 && c != '\n' && c != '\t' &&
               c != '\r') {
      *out += "\xEF\xBF\xBD";  // control characters are not allowed in HTML text
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

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = ValidUtf8Length(text, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

namespace {
bool IsContinuationByte(char c) { return (static_cast<uint8_t>(c) & 0xC0) == 0x80; }
}  // namespace

std::string_view Utf8SafePrefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Back up over at most 3 continuation bytes to the start of the cut sequence.
  for (int k = 0; k < 3 && end > 0 && IsContinuationByte(text[end]); ++k) --end;
  return text.substr(0, end);
}

std::string_view Utf8SafeSuffix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t start = text.size() - max_bytes;
  for (int k = 0; k < 3 && start < text.size() && IsContinuationByte(text[start]); ++k) ++start;
  return text.substr(start);
}

}  // namespace doomscope::results
