// UTF-8 encoding of one code point, shared by the detectors, the JSON reader
// and the task parsers (header-only so the JSON library stays dependency-free).
#ifndef DOOMSCOPE_DETECTORS_UTF8_H_
#define DOOMSCOPE_DETECTORS_UTF8_H_

#include <cstdint>
#include <string>

namespace doomscope {

inline constexpr int32_t kReplacementChar = 0xFFFD;

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

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_UTF8_H_
