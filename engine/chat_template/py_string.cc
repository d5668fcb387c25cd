#include "engine/chat_template/py_string.h"

#include <algorithm>

namespace doomscope::engine::jinja {
namespace {

// Length of the UTF-8 sequence starting with byte `b` (1 for stray bytes, which
// valid input never has).
size_t SeqLen(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b >> 5) == 0x6) return 2;
  if ((b >> 4) == 0xE) return 3;
  if ((b >> 3) == 0x1E) return 4;
  return 1;
}

char32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  unsigned char b = static_cast<unsigned char>(s[i]);
  size_t n = std::min(SeqLen(b), s.size() - i);
  *len = n;
  if (n == 1) return b;
  char32_t cp = b & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

// Simple one-to-one case pairs: returns the upper (to_upper) or lower form.
char32_t MapCase(char32_t c, bool to_upper) {
  if (c < 0x80) {
    if (to_upper && c >= 'a' && c <= 'z') return c - 32;
    if (!to_upper && c >= 'A' && c <= 'Z') return c + 32;
    return c;
  }
  if (c >= 0xC0 && c <= 0xFE && c != 0xD7 && c != 0xF7) {
    if (to_upper && c >= 0xE0) return c - 32;
    if (!to_upper && c < 0xE0 && c != 0xDF) return c + 32;
    return c;
  }
  if (c == 0xFF) return to_upper ? 0x178 : c;
  if (c == 0x178) return to_upper ? c : 0xFF;
  if (c == 0xB5) return to_upper ? 0x39C : c;
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    bool is_upper = odd_upper ? (c % 2 == 1) : (c % 2 == 0);
    if (to_upper && !is_upper) return c - 1;
    if (!to_upper && is_upper) return c + 1;
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return to_upper ? c : c + 32;
  if (c >= 0x3B1 && c <= 0x3C9) return to_upper ? (c == 0x3C2 ? 0x3A3 : c - 32) : c;
  if (c >= 0x410 && c <= 0x42F) return to_upper ? c : c + 32;
  if (c >= 0x430 && c <= 0x44F) return to_upper ? c - 32 : c;
  if (c >= 0x400 && c <= 0x40F) return to_upper ? c : c + 80;
  if (c >= 0x450 && c <= 0x45F) return to_upper ? c - 80 : c;
  return c;
}

template <typename F>
std::string MapCodePoints(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n;
    char32_t c = DecodeAt(s, i, &n);
    if (c < 0x80 && n == 1) {
      out.push_back(static_cast<char>(f(c)));
    } else {
      AppendUtf8(f(c), &out);
    }
    i += n;
  }
  return out;
}

bool InChars(char32_t c, const std::vector<char32_t>& chars) {
  return std::find(chars.begin(), chars.end(), c) != chars.end();
}

}  // namespace

std::vector<char32_t> Utf8Decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n;
    out.push_back(DecodeAt(s, i, &n));
    i += n;
  }
  return out;
}

std::string Utf8Encode(const std::vector<char32_t>& cps, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) AppendUtf8(cps[i], &out);
  return out;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

int64_t CodePointCount(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

size_t ByteOffsetOfCodePoint(std::string_view s, int64_t index) {
  if (IsAscii(s)) return static_cast<size_t>(index);
  int64_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == index) return i;
      ++seen;
    }
  }
  return s.size();
}

bool IsPySpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool IsPyLineBreak(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
         c == 0x2028 || c == 0x2029;
}

bool IsUpperCp(char32_t c) { return MapCase(c, false) != c; }
bool IsLowerCp(char32_t c) { return MapCase(c, true) != c || c == 0xDF; }
bool IsCased(char32_t c) { return IsUpperCp(c) || IsLowerCp(c); }
bool IsAlphaCp(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  // Letters of the scripts with case mapping, plus CJK ideographs, kana and Hangul.
  return IsCased(c) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7A3);
}
bool IsDigitCp(char32_t c) { return c >= '0' && c <= '9'; }

std::string PyStrip(std::string_view s, const std::optional<std::string>& chars, StripSide side) {
  std::vector<char32_t> cps = Utf8Decode(s);
  std::vector<char32_t> set;
  if (chars) set = Utf8Decode(*chars);
  auto strip = [&](char32_t c) { return chars ? InChars(c, set) : IsPySpace(c); };
  size_t b = 0, e = cps.size();
  if (side != StripSide::kRight) {
    while (b < e && strip(cps[b])) ++b;
  }
  if (side != StripSide::kLeft) {
    while (e > b && strip(cps[e - 1])) --e;
  }
  return Utf8Encode(cps, b, e);
}

std::vector<std::string> PySplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                                 bool from_right) {
  std::vector<std::string> out;
  if (sep) {
    // Separator split: empty fields kept. An empty separator is a ValueError the caller reports.
    if (!from_right) {
      size_t pos = 0;
      while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
        size_t hit = s.find(*sep, pos);
        if (hit == std::string_view::npos) break;
        out.emplace_back(s.substr(pos, hit - pos));
        pos = hit + sep->size();
      }
      out.emplace_back(s.substr(pos));
    } else {
      size_t end = s.size();
      std::vector<std::string> rev;
      while (maxsplit < 0 || static_cast<int64_t>(rev.size()) < maxsplit) {
        if (end < sep->size()) break;
        size_t hit = s.rfind(*sep, end - sep->size());
        if (hit == std::string_view::npos) break;
        rev.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
        end = hit;
      }
      rev.emplace_back(s.substr(0, end));
      out.assign(rev.rbegin(), rev.rend());
    }
    return out;
  }
  std::vector<char32_t> cps = Utf8Decode(s);
  int64_t n = static_cast<int64_t>(cps.size());
  if (!from_right) {
    int64_t i = 0;
    while (i < n) {
      while (i < n && IsPySpace(cps[i])) ++i;
      if (i == n) break;
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
        int64_t e = n;
        while (e > i && IsPySpace(cps[e - 1])) --e;
        out.push_back(Utf8Encode(cps, i, e));
        break;
      }
      int64_t j = i;
      while (j < n && !IsPySpace(cps[j])) ++j;
      out.push_back(Utf8Encode(cps, i, j));
      i = j;
    }
  } else {
    int64_t i = n;
    std::vector<std::string> rev;
    while (i > 0) {
      while (i > 0 && IsPySpace(cps[i - 1])) --i;
      if (i == 0) break;
      if (maxsplit >= 0 && static_cast<int64_t>(rev.size()) == maxsplit) {
        int64_t b = 0;
        while (b < i && IsPySpace(cps[b])) ++b;
        rev.push_back(Utf8Encode(cps, b, i));
        break;
      }
      int64_t j = i;
      while (j > 0 && !IsPySpace(cps[j - 1])) --j;
      rev.push_back(Utf8Encode(cps, j, i));
      i = j;
    }
    out.assign(rev.rbegin(), rev.rend());
  }
  return out;
}

std::vector<std::string> PySplitLines(std::string_view s, bool keepends) {
  std::vector<char32_t> cps = Utf8Decode(s);
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  while (i < cps.size()) {
    if (IsPyLineBreak(cps[i])) {
      size_t brk = i + 1;
      if (cps[i] == '\r' && brk < cps.size() && cps[brk] == '\n') ++brk;
      out.push_back(Utf8Encode(cps, start, keepends ? brk : i));
      start = i = brk;
    } else {
      ++i;
    }
  }
  if (start < cps.size()) out.push_back(Utf8Encode(cps, start, cps.size()));
  return out;
}

std::string PyUpper(std::string_view s) {
  return MapCodePoints(s, [](char32_t c) { return MapCase(c, true); });
}
std::string PyLower(std::string_view s) {
  return MapCodePoints(s, [](char32_t c) { return MapCase(c, false); });
}
std::string PySwapCase(std::string_view s) {
  return MapCodePoints(s, [](char32_t c) { return IsUpperCp(c) ? MapCase(c, false) : MapCase(c, true); });
}

std::string PyTitle(std::string_view s) {
  bool prev_cased = false;
  return MapCodePoints(s, [&](char32_t c) {
    char32_t r = prev_cased ? MapCase(c, false) : MapCase(c, true);
    prev_cased = IsCased(c);
    return r;
  });
}

std::string PyCapitalize(std::string_view s) {
  bool first = true;
  return MapCodePoints(s, [&](char32_t c) {
    char32_t r = first ? MapCase(c, true) : MapCase(c, false);
    first = false;
    return r;
  });
}

std::string JinjaTitle(std::string_view s) {
  // Jinja splits on runs of [-\s({\[<]; each non-empty piece is
  // piece[0].upper() + piece[1:].lower(), separators unchanged.
  auto is_sep = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || IsPySpace(c); };
  bool at_start = true;
  return MapCodePoints(s, [&](char32_t c) {
    if (is_sep(c)) {
      at_start = true;
      return c;
    }
    char32_t r = at_start ? MapCase(c, true) : MapCase(c, false);
    at_start = false;
    return r;
  });
}

std::string PyReplace(std::string_view s, std::string_view from, std::string_view to, int64_t count) {
  std::string out;
  if (from.empty()) {
    // Python inserts `to` before every character and at the end.
    std::vector<char32_t> cps = Utf8Decode(s);
    int64_t done = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out.append(to);
        ++done;
      }
      if (i < cps.size()) AppendUtf8(cps[i], &out);
    }
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t hit = s.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
    ++done;
  }
  out.append(s.substr(pos));
  return out;
}

int64_t PyCount(std::string_view s, std::string_view sub) {
  if (sub.empty()) return CodePointCount(s) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return n;
}

int64_t PyFind(std::string_view s, std::string_view sub, bool from_right) {
  size_t hit = from_right ? s.rfind(sub) : s.find(sub);
  if (hit == std::string_view::npos) return -1;
  return CodePointCount(s.substr(0, hit));
}

}  // namespace doomscope::engine::jinja
