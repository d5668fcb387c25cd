// UTF-8 helpers for the tokenizers: decoding one code point, appending one,
// and repairing invalid input the way Rust's String::from_utf8_lossy (and so
// Hugging Face tokenizers' decoders) does: each maximal invalid subpart
// becomes one U+FFFD (Unicode's "substitution of maximal subparts" practice).
//
// The engine depends on nothing of ours, so it cannot share results/utf8.
#ifndef DOOMSCOPE_ENGINE_UTF8_TEXT_H_
#define DOOMSCOPE_ENGINE_UTF8_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace doomscope::engine {

inline constexpr char32_t kReplacementChar = 0xFFFD;
inline constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// Decodes the code point at text[pos]. Returns its length in bytes (>= 1) and
// stores it in *cp; an invalid sequence yields U+FFFD and the length of its
// maximal invalid subpart.
size_t DecodeUtf8(std::string_view text, size_t pos, char32_t* cp);

void AppendUtf8(char32_t cp, std::string* out);

// Length in bytes of the UTF-8 sequence a lead byte announces (1 for ASCII and
// for bytes that cannot start a sequence).
inline size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return lead < 0xF8 ? 4 : 1;
}

bool IsValidUtf8(std::string_view text);

// `text` with every invalid subpart replaced by U+FFFD (a copy only when needed).
std::string ToValidUtf8(std::string_view text);

// The length of the longest prefix of `bytes` that does not end inside an
// incomplete (but so far valid) multi-byte sequence: what a streaming printer
// may emit now without splitting a character. Invalid bytes are not held back.
size_t CompleteUtf8Prefix(std::string_view bytes);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_UTF8_TEXT_H_
