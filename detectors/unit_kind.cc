#include "detectors/unit_kind.h"

#include <vector>

#include "detectors/normalize.h"

namespace doomscope {

bool IsDigitCodePoint(int32_t cp) { return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19); }

bool IsPunctuationOrSymbol(int32_t cp) {
  if (cp < 0x80) {
    return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
           (cp >= 0x7B && cp <= 0x7E);
  }
  return (cp >= 0xA1 && cp <= 0xBF && cp != 0xAA && cp != 0xB5 && cp != 0xBA) || cp == 0xD7 || cp == 0xF7 ||
         (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205E) ||  // general punctuation
         (cp >= 0x20A0 && cp <= 0x20CF) ||                                    // currency
         (cp >= 0x2190 && cp <= 0x2BFF) ||  // arrows, math, technical, box drawing, shapes
         (cp >= 0x3001 && cp <= 0x3003) || (cp >= 0x3008 && cp <= 0x3011) ||
         (cp >= 0x3014 && cp <= 0x301F) ||  // CJK punctuation
         (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
         (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65);  // fullwidth forms
}

namespace {

bool IsAsciiLetter(int32_t cp) { return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'); }

// Non-space code points inside <...> tags, reading the unit twice so a tag
// cut by the rotation is whole in the second copy; counts the second copy.
int64_t CountInsideTags(std::span<const int32_t> u) {
  const size_t n = u.size();
  bool inside = false;
  int64_t count = 0;
  for (size_t k = 0; k < 2 * n; ++k) {
    const int32_t c = u[k % n];
    if (!inside && c == '<') {
      const int32_t next = u[(k + 1) % n];
      if (IsAsciiLetter(next) || next == '/' || next == '!' || next == '?' || next == '|') inside = true;
    }
    if (inside && k >= n && !IsWhitespace(c)) ++count;
    if (inside && c == '>') inside = false;
  }
  return count;
}

}  // namespace

UnitKind ClassifyUnit(std::span<const int32_t> u) {
  if (u.empty()) return TEXT;
  int64_t non_space = 0, digits = 0, punct = 0;
  int32_t distinct[4];
  int n_distinct = 0;
  for (int32_t c : u) {
    if (IsWhitespace(c)) continue;
    ++non_space;
    if (IsDigitCodePoint(c)) {
      ++digits;
    } else if (IsPunctuationOrSymbol(c)) {
      ++punct;
    }
    bool seen = false;
    for (int k = 0; k < n_distinct; ++k) seen |= distinct[k] == c;
    if (!seen && n_distinct < 4) distinct[n_distinct++] = c;
  }
  if (non_space == 0) return WHITESPACE;
  if (punct == non_space && n_distinct <= 3) return SEPARATOR;
  if (2 * CountInsideTags(u) >= non_space) return MARKUP;
  if (10 * (digits + punct) >= 9 * non_space) return STRUCTURED;
  return TEXT;
}

UnitKind ClassifyUnitText(std::string_view utf8) {
  std::vector<int32_t> cps;
  DecodeUtf8(utf8, &cps);
  return ClassifyUnit(cps);
}

std::string_view UnitKindName(UnitKind kind) {
  switch (kind) {
    case TEXT: return "text";
    case WHITESPACE: return "whitespace";
    case SEPARATOR: return "separator";
    case STRUCTURED: return "structured";
    case MARKUP: return "markup";
    default: return "unspecified";
  }
}

}  // namespace doomscope
