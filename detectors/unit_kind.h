// What a repeated unit is made of (DETECTORS.md section 2, `unit_kind`).
//
// In order, first match wins:
//   whitespace  every code point is whitespace;
//   separator   the non-space code points are punctuation or symbols (no
//               letters, no digits) drawn from at most 3 distinct characters:
//               "====", "-", "|---", "......", "!?!";
//   markup      at least half of the non-space code points sit inside <...>
//               tags (a '<' followed by a letter, '/', '!', '?' or '|');
//               the unit is read cyclically, so a rotation that cuts a tag
//               in two is still recognised;
//   structured  at least 90% of the non-space code points are digits or
//               punctuation ("0, 0, 0", "[1, 2],", "}}");
//   text        anything else.
#ifndef DOOMSCOPE_DETECTORS_UNIT_KIND_H_
#define DOOMSCOPE_DETECTORS_UNIT_KIND_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "results/proto/detector.pb.h"

namespace doomscope {

UnitKind ClassifyUnit(std::span<const int32_t> code_points);
UnitKind ClassifyUnitText(std::string_view utf8);

// Letters are anything not whitespace, digit or punctuation/symbol.
bool IsDigitCodePoint(int32_t cp);
bool IsPunctuationOrSymbol(int32_t cp);

// "text", "whitespace", ... (lowercase enum name; "unspecified" for 0).
std::string_view UnitKindName(UnitKind kind);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_UNIT_KIND_H_
