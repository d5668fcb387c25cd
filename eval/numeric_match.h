// Canonical text for a number pulled out of a model's output or a GSM8K answer,
// so "1,450,000", "$1450000.00" and "1450000" compare equal without floating point.
#ifndef DOOMSCOPE_EVAL_NUMERIC_MATCH_H_
#define DOOMSCOPE_EVAL_NUMERIC_MATCH_H_

#include <optional>
#include <string>
#include <string_view>

namespace doomscope::eval {

// Drops thousands commas, a `$` sign, spaces and a leading `+`; accepts `-` or the
// Unicode minus (U+2212) before or after the `$`; removes leading zeros, trailing
// zeros of the fraction and a bare trailing `.` ("18." and "18.0" become "18");
// "-0" becomes "0". Returns nullopt when what is left is not a decimal number
// (digits with at most one `.`, at least one digit).
std::optional<std::string> NormalizeNumber(std::string_view raw);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_NUMERIC_MATCH_H_
