// Unicode character properties and normalization forms for the tokenizers,
// from utf8proc (Debian libutf8proc-dev, Unicode 15): the general categories
// behind Rust's char::is_numeric / is_alphanumeric / is_whitespace that
// Hugging Face's pre-tokenizers and added-token rules use, NFC/NFD/NFKC/NFKD,
// and per-character lower-casing.
#ifndef DOOMSCOPE_ENGINE_UNICODE_PROPS_H_
#define DOOMSCOPE_ENGINE_UNICODE_PROPS_H_

#include <string>
#include <string_view>

namespace doomscope::engine {

// Rust char::is_numeric: general category Nd, Nl or No.
bool IsNumeric(char32_t cp);
// Rust char::is_alphabetic (approximated by L*, Nl and Mn/Mc marks) or is_numeric.
bool IsAlphanumeric(char32_t cp);
// The Unicode White_Space property (Rust char::is_whitespace, regex `\s`).
bool IsWhitespace(char32_t cp);
// Regex `\w` (Unicode): letters, marks, decimal digits, connector punctuation.
bool IsWordChar(char32_t cp);
// Rust char::is_ascii_punctuation or general category P*.
bool IsPunctuation(char32_t cp);
// General category M* (Hugging Face StripAccents removes these).
bool IsCombiningMark(char32_t cp);

enum class NormalizationForm { kNfc, kNfd, kNfkc, kNfkd };

// `text` (valid UTF-8) in the given normalization form.
std::string NormalizeUnicode(std::string_view text, NormalizationForm form);

// Appends Rust's char::to_lowercase of `cp` (one or more code points).
void AppendLowercase(char32_t cp, std::string* out);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_UNICODE_PROPS_H_
