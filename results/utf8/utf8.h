// UTF-8 helpers shared by every folder above the engine: encoding one code
// point, decoding with U+FFFD for every byte that does not start or continue a
// valid sequence, repairing text into valid UTF-8, and cutting it without
// splitting a character.
//
// One definition of "valid" everywhere (RFC 3629): no overlong forms, no
// surrogates, nothing above U+10FFFF, no truncated or stray continuation
// bytes. An invalid byte is replaced by one U+FFFD and decoding resumes at the
// next byte, so a repaired text has one replacement per bad byte.
#ifndef DOOMSCOPE_RESULTS_UTF8_UTF8_H_
#define DOOMSCOPE_RESULTS_UTF8_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace doomscope {

inline constexpr int32_t kReplacementChar = 0xFFFD;
inline constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// Appends `cp` as UTF-8. Surrogates and values outside Unicode have no UTF-8
// form and become U+FFFD, so the output is always valid UTF-8.
inline void AppendUtf8(int64_t cp, std::string* out) {
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

// Length of the valid sequence starting at s[i] (1..4), or 0 when the byte
// there does not start one; sets *cp to the code point when valid.
// Requires i < s.size().
inline size_t Utf8SequenceAt(std::string_view s, size_t i, int32_t* cp) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len;
  int32_t v, min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, v = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, v = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, v = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

// Decodes one code point at `s[*pos]` and advances `*pos` (by 1 on an invalid
// byte, returning U+FFFD). Requires *pos < s.size().
inline int32_t DecodeOne(std::string_view s, size_t* pos) {
  int32_t cp;
  const size_t len = Utf8SequenceAt(s, *pos, &cp);
  if (len == 0) {
    *pos += 1;
    return kReplacementChar;
  }
  *pos += len;
  return cp;
}

inline bool IsUtf8ContinuationByte(char c) { return (static_cast<uint8_t>(c) & 0xC0) == 0x80; }

// True when every byte of `s` is part of a valid sequence.
bool IsValidUtf8(std::string_view s);

// `s` with every invalid byte replaced by U+FFFD (model output may end
// mid-character; JSON, protobuf strings and HTML need valid UTF-8).
std::string ToValidUtf8(std::string_view s);
void AppendValidUtf8(std::string_view s, std::string* out);

// Code points of `s` as DecodeOne reads it (an invalid byte counts 1).
int64_t CountCodePoints(std::string_view s);

// Code points of `s`, replacing `*out` (invalid bytes decode as U+FFFD).
void DecodeUtf8(std::string_view s, std::vector<int32_t>* out);

std::string EncodeUtf8(std::span<const int32_t> code_points);

// The first `max_code_points` code points of `s`.
std::string_view Utf8Prefix(std::string_view s, int64_t max_code_points);

// The longest prefix of `s` with at most `max_bytes` bytes that does not end
// inside a UTF-8 sequence; likewise the longest such suffix.
std::string_view Utf8SafePrefix(std::string_view s, size_t max_bytes);
std::string_view Utf8SafeSuffix(std::string_view s, size_t max_bytes);

}  // namespace doomscope

#endif  // DOOMSCOPE_RESULTS_UTF8_UTF8_H_
