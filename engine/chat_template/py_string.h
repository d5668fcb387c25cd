// Python str semantics over UTF-8 text: code-point indexing, Unicode
// whitespace (str.isspace), strip/split/splitlines/title/capitalize as CPython
// defines them. Inputs are valid UTF-8 (the template source and the JSON
// context are validated on entry), so every helper returns valid UTF-8.
//
// Case mapping (upper/lower/title/capitalize) covers ASCII, Latin-1, Latin
// Extended-A, Greek and Cyrillic; other scripts are left unchanged.
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_PY_STRING_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_PY_STRING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/utf8_text.h"

namespace doomscope::engine::jinja {

using engine::IsValidUtf8;  // strict: no overlongs, surrogates or stray bytes
// Code points of `s` (valid UTF-8).
std::vector<char32_t> Utf8Decode(std::string_view s);
using engine::AppendUtf8;  // one code point as UTF-8
std::string Utf8Encode(const std::vector<char32_t>& cps, size_t begin, size_t end);
bool IsAscii(std::string_view s);
// Number of code points.
int64_t CodePointCount(std::string_view s);

bool IsPySpace(char32_t cp);
bool IsPyLineBreak(char32_t cp);  // the boundaries str.splitlines() splits on

enum class StripSide { kLeft, kRight, kBoth };
// str.strip/lstrip/rstrip: `chars` nullopt strips whitespace.
std::string PyStrip(std::string_view s, const std::optional<std::string>& chars, StripSide side);
// str.split / str.rsplit: `sep` nullopt splits on whitespace runs; maxsplit < 0 is unlimited.
std::vector<std::string> PySplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                                 bool from_right);
// str.splitlines(keepends).
std::vector<std::string> PySplitLines(std::string_view s, bool keepends);
std::string PyUpper(std::string_view s);
std::string PyLower(std::string_view s);
std::string PySwapCase(std::string_view s);
// str.title(): each run of cased letters starts upper-case, the rest lower.
std::string PyTitle(std::string_view s);
// str.capitalize(): the first character upper-case, the rest lower.
std::string PyCapitalize(std::string_view s);
// Jinja's `title` filter: upper-cases the first character after -, whitespace, (, {, [ or <.
std::string JinjaTitle(std::string_view s);
bool IsCased(char32_t cp);
bool IsUpperCp(char32_t cp);
bool IsLowerCp(char32_t cp);
bool IsAlphaCp(char32_t cp);
bool IsDigitCp(char32_t cp);
// str.replace(old, new, count); count < 0 replaces all.
std::string PyReplace(std::string_view s, std::string_view from, std::string_view to, int64_t count);
// str.count(sub).
int64_t PyCount(std::string_view s, std::string_view sub);
// str.find / rfind as code-point indices; -1 when absent.
int64_t PyFind(std::string_view s, std::string_view sub, bool from_right);
// Byte offset of code point `index` (0 <= index <= count).
size_t ByteOffsetOfCodePoint(std::string_view s, int64_t index);

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_PY_STRING_H_
