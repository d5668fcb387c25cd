// Character-level normalization (DETECTORS.md section 1).
//
// The text is decoded as UTF-8; each byte that does not start or continue a
// valid sequence (overlong forms, surrogates, > U+10FFFF, truncated or stray
// continuation bytes) becomes U+FFFD, so every input has a well-defined
// normalized form and nothing downstream sees invalid UTF-8.
//
// Whitespace folding: every maximal run of whitespace code points becomes one
// space, or "\n\n" when the run holds two or more line breaks. Whitespace is
// Python's str.isspace() set (ASCII \t \n \v \f \r, U+001C..U+001F, space,
// U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F,
// U+3000), so word splitting matches the open-r1 reward. Line breaks are \n,
// \v, \f, U+001C..U+001E, U+0085, U+2028, U+2029 and a \r not followed by \n.
//
// One deliberate exception: a run of at least `keep_run_min` code points is
// kept verbatim. Folding exists to absorb whitespace *drift* between copies of
// a unit; a run that long is itself output (the "\n" x 4000 doom loop of
// adversarial case 2), and folding it to "\n\n" would hide a whitespace loop
// from the character level. AnalyzeSample passes tail.l_min_chars (128).
//
// NFC: not applied. The binary carries no Unicode composition tables; model
// output is NFC in practice (tokenizers emit precomposed forms), and a
// decomposed sequence only matters if copies of a unit differ in form, which
// then reads as drift. Code points are the unit everywhere, so CJK text loops
// are measured in characters, not bytes.
#ifndef DOOMSCOPE_DETECTORS_NORMALIZE_H_
#define DOOMSCOPE_DETECTORS_NORMALIZE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "results/utf8/utf8.h"  // DecodeOne, AppendUtf8, kReplacementChar

namespace doomscope {

struct NormalizedText {
  std::string utf8;         // the normalized text, valid UTF-8
  int64_t code_points = 0;  // code points in utf8
  bool ascii = true;        // every byte of utf8 is < 0x80
};

// Normalizes `raw` into `*out` (its buffers are reused).
void NormalizeText(std::string_view raw, int keep_run_min, NormalizedText* out);

// Writes the normalization of `raw` at (*buffer)[*length] and advances
// *length; the buffer's size only grows (bytes past *length are scratch), so
// appending piece after piece reuses memory without zeroing it. A piece of a
// longer text cut just after a non-space ASCII byte normalizes the same alone.
// Returns the piece's code points; sets *ascii when given.
int64_t NormalizeAt(std::string_view raw, int keep_run_min, std::string* buffer, size_t* length, bool* ascii);

// NormalizeText(raw, keep_run_min).code_points without writing the text
// (the speed path of character-level D1).
int64_t CountNormalizedCodePoints(std::string_view raw, int keep_run_min);

bool IsWhitespace(int32_t cp);
bool IsLineBreak(int32_t cp);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_NORMALIZE_H_
