#include "detectors/normalize.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace doomscope {
namespace {

// ASCII whitespace in Python's sense: \t \n \v \f \r, U+001C..U+001F, space.
constexpr bool IsAsciiWhitespace(uint8_t b) {
  return b == 0x20 || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F);
}

// Grows `s` so that `need` bytes fit, without shrinking; returns its data.
char* Reserve(std::string* s, size_t need) {
  if (s->size() < need) s->resize(std::max(need, s->size() * 2));
  return s->data();
}

}  // namespace

bool IsWhitespace(int32_t cp) {
  if (cp < 0x80) return IsAsciiWhitespace(static_cast<uint8_t>(cp));
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool IsLineBreak(int32_t cp) {
  // \r is handled by the caller (a \r\n pair is one break).
  return cp == '\n' || cp == '\v' || cp == '\f' || cp == '\r' || (cp >= 0x1C && cp <= 0x1E) ||
         cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

int32_t DecodeOne(std::string_view s, size_t* pos) {
  const size_t i = *pos;
  const uint8_t b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  int len;
  int32_t cp;
  int32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    *pos = i + 1;
    return kReplacementChar;
  }
  if (i + len > s.size()) {
    *pos = i + 1;
    return kReplacementChar;
  }
  for (int k = 1; k < len; ++k) {
    const uint8_t b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      *pos = i + 1;
      return kReplacementChar;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *pos = i + 1;
    return kReplacementChar;
  }
  *pos = i + len;
  return cp;
}

void AppendUtf8(int32_t cp, std::string* out) {
  if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string EncodeUtf8(std::span<const int32_t> code_points) {
  std::string s;
  s.reserve(code_points.size());
  for (int32_t cp : code_points) AppendUtf8(cp, &s);
  return s;
}

int64_t CountCodePoints(std::string_view raw) {
  int64_t n = 0;
  size_t i = 0;
  while (i < raw.size()) {
    if (static_cast<uint8_t>(raw[i]) < 0x80) {
      ++i;
    } else {
      DecodeOne(raw, &i);
    }
    ++n;
  }
  return n;
}

void DecodeUtf8(std::string_view utf8, std::vector<int32_t>* out) {
  out->resize(utf8.size());  // an upper bound: one code point per byte at most
  int32_t* d = out->data();
  size_t n = 0, i = 0;
  const size_t size = utf8.size();
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  while (i < size) {
    // Widen runs of ASCII without the decoder's branches.
    while (i < size && s[i] < 0x80) d[n++] = s[i++];
    if (i < size) d[n++] = DecodeOne(utf8, &i);
  }
  out->resize(n);
}

std::string_view Utf8Prefix(std::string_view s, int64_t max_code_points) {
  size_t i = 0;
  for (int64_t k = 0; k < max_code_points && i < s.size(); ++k) DecodeOne(s, &i);
  return s.substr(0, i);
}

void NormalizeText(std::string_view raw, int keep_run_min, NormalizedText* out) {
  std::string& o = out->utf8;
  const size_t n = raw.size();
  char* d = Reserve(&o, n + 16);
  size_t w = 0;  // bytes written
  size_t i = 0;  // bytes read
  int64_t cps = 0;
  bool ascii = true;
  const auto* s = reinterpret_cast<const uint8_t*>(raw.data());

  while (i < n) {
#if defined(__SSE2__)
    // Fast path: 16 ASCII bytes with no two adjacent whitespace bytes (checked
    // against the next byte too) fold by turning each whitespace byte into a
    // space, all at once.
    const __m128i space = _mm_set1_epi8(' ');
    while (i + 17 <= n) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 1));
      if (_mm_movemask_epi8(v) != 0) break;  // a byte >= 0x80
      auto ws = [&](__m128i x) {
        const __m128i a = _mm_sub_epi8(x, _mm_set1_epi8(0x09));
        const __m128i b = _mm_sub_epi8(x, _mm_set1_epi8(0x1C));
        const __m128i in_a = _mm_cmpeq_epi8(_mm_min_epu8(a, _mm_set1_epi8(4)), a);
        const __m128i in_b = _mm_cmpeq_epi8(_mm_min_epu8(b, _mm_set1_epi8(3)), b);
        return _mm_or_si128(_mm_or_si128(in_a, in_b), _mm_cmpeq_epi8(x, space));
      };
      const __m128i w0 = ws(v);
      if (_mm_movemask_epi8(_mm_and_si128(w0, ws(v1))) != 0) break;  // a whitespace run
      const __m128i folded = _mm_or_si128(_mm_and_si128(w0, space), _mm_andnot_si128(w0, v));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + w), folded);
      w += 16, i += 16, cps += 16;
    }
    if (i >= n) break;
#endif
    const uint8_t b = s[i];
    if (b < 0x80 && !IsAsciiWhitespace(b)) {
      d[w++] = static_cast<char>(b);
      ++i, ++cps;
      continue;
    }
    size_t next = i;
    const int32_t cp = DecodeOne(raw, &next);
    if (!IsWhitespace(cp)) {
      // A non-ASCII code point: copy it when valid, else write U+FFFD.
      ascii = false;
      if (cp == kReplacementChar && !(next - i == 3 && s[i] == 0xEF && s[i + 1] == 0xBF && s[i + 2] == 0xBD)) {
        d = Reserve(&o, w + 3 + (n - next) + 16);
        d[w++] = static_cast<char>(0xEF), d[w++] = static_cast<char>(0xBF), d[w++] = static_cast<char>(0xBD);
      } else {
        std::memcpy(d + w, s + i, next - i);
        w += next - i;
      }
      i = next, ++cps;
      continue;
    }
    // A whitespace run: measure it, then fold it (or keep a long one).
    const size_t run_start = i;
    int64_t run_cps = 0, breaks = 0;
    int32_t c = cp;
    size_t pos = next;
    while (true) {
      ++run_cps;
      if (c == '\r') {
        if (!(pos < n && s[pos] == '\n')) ++breaks;
      } else if (IsLineBreak(c)) {
        ++breaks;
      }
      if (pos >= n) break;
      size_t after = pos;
      const int32_t c2 = s[pos] < 0x80 ? s[after++] : DecodeOne(raw, &after);
      if (!IsWhitespace(c2)) break;
      c = c2, pos = after;
    }
    i = pos;
    if (run_cps >= keep_run_min) {
      std::memcpy(d + w, s + run_start, i - run_start);  // valid UTF-8 whitespace
      w += i - run_start;
      cps += run_cps;
      for (size_t k = run_start; k < i; ++k) ascii &= s[k] < 0x80;
    } else if (breaks >= 2) {
      d[w++] = '\n', d[w++] = '\n';
      cps += 2;
    } else {
      d[w++] = ' ';
      cps += 1;
    }
  }
  o.resize(w);
  out->code_points = cps;
  out->ascii = ascii;
}

}  // namespace doomscope
