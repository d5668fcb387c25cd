#include "eval/numeric_match.h"

namespace doomscope::eval {
namespace {

constexpr std::string_view kUnicodeMinus = "\xE2\x88\x92";  // U+2212

}  // namespace

std::optional<std::string> NormalizeNumber(std::string_view raw) {
  bool negative = false;
  std::string digits;  // integer and fraction digits, with at most one '.'
  bool seen_dot = false;
  bool seen_digit = false;
  size_t i = 0;
  // Sign and currency may come in either order before the first digit: "-$5", "$-5".
  while (i < raw.size() && !seen_digit) {
    const char c = raw[i];
    if (c == ' ' || c == '$' || c == '+') {
      ++i;
    } else if (c == '-' && !negative) {
      negative = true;
      ++i;
    } else if (raw.substr(i, kUnicodeMinus.size()) == kUnicodeMinus && !negative) {
      negative = true;
      i += kUnicodeMinus.size();
    } else {
      break;
    }
  }
  for (; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      seen_digit = true;
    } else if (c == ',') {
      if (seen_dot) return std::nullopt;  // "1.5,3" is not a number
    } else if (c == '.') {
      if (seen_dot) return std::nullopt;
      seen_dot = true;
      digits.push_back('.');
    } else {
      return std::nullopt;
    }
  }
  if (!seen_digit) return std::nullopt;

  std::string int_part = digits;
  std::string frac_part;
  if (const size_t dot = digits.find('.'); dot != std::string::npos) {
    int_part = digits.substr(0, dot);
    frac_part = digits.substr(dot + 1);
  }
  const size_t first_nonzero = int_part.find_first_not_of('0');
  int_part = first_nonzero == std::string::npos ? "0" : int_part.substr(first_nonzero);
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.pop_back();

  std::string out;
  if (negative && !(int_part == "0" && frac_part.empty())) out.push_back('-');
  out += int_part;
  if (!frac_part.empty()) {
    out.push_back('.');
    out += frac_part;
  }
  return out;
}

}  // namespace doomscope::eval
