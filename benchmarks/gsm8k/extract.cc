#include "benchmarks/gsm8k/extract.h"

#include <cctype>

#include "eval/numeric_match.h"
#include "re2/re2.h"

namespace doomscope::benchmarks {
namespace {

// A number as people write it: optional sign (ASCII or U+2212) and `$`, either
// properly grouped thousands ("1,450,000") or plain digits, optional decimals.
// "1,2,3" is three numbers, and a sentence's final "." is not a decimal point.
#define DOOMSCOPE_NUMBER \
  "(?:-|\xE2\x88\x92)?\\$?\\s?(?:-|\xE2\x88\x92)?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?"

const RE2& NumberRe() {
  static const RE2* re = new RE2("(" DOOMSCOPE_NUMBER ")");
  return *re;
}

const RE2& StrictRe() {
  static const RE2* re = new RE2(
      "(?i)(?:####\\s*|the\\s+(?:final\\s+)?answer\\s+is\\s*:?\\s*(?:\\*\\*)?\\s*|"
      "\\\\boxed\\{\\s*)(" DOOMSCOPE_NUMBER ")");
  return *re;
}

#undef DOOMSCOPE_NUMBER

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "5-10" is a range, not minus ten: a sign glued to a preceding word is dropped.
std::string_view DropGluedSign(std::string_view text, std::string_view match) {
  const size_t start = static_cast<size_t>(match.data() - text.data());
  if (start == 0 || !IsWordChar(text[start - 1])) return match;
  if (!match.empty() && match[0] == '-') return match.substr(1);
  if (match.substr(0, 3) == "\xE2\x88\x92") return match.substr(3);
  return match;
}

}  // namespace

Gsm8kExtraction ExtractGsm8kAnswers(std::string_view text) {
  Gsm8kExtraction out;
  re2::StringPiece strict_match;
  if (RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), StrictRe(), &strict_match)) {
    out.strict = eval::NormalizeNumber(std::string_view(strict_match.data(), strict_match.size()));
  }
  re2::StringPiece rest(text.data(), text.size());
  re2::StringPiece m;
  std::string_view last;
  bool found = false;
  while (RE2::FindAndConsume(&rest, NumberRe(), &m)) {
    last = std::string_view(m.data(), m.size());
    found = true;
  }
  if (found) out.flexible = eval::NormalizeNumber(DropGluedSign(text, last));
  return out;
}

std::optional<std::string> Gsm8kReferenceAnswer(std::string_view solution) {
  const size_t pos = solution.rfind("####");
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view tail = solution.substr(pos + 4);
  while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.front()))) tail.remove_prefix(1);
  while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back()))) tail.remove_suffix(1);
  return eval::NormalizeNumber(tail);
}

}  // namespace doomscope::benchmarks
