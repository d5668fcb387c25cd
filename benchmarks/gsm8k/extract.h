// Final-answer extraction for GSM8K-style outputs, in the two flavours
// lm-evaluation-harness reports:
//  - strict: the number after an explicit answer marker: "#### N" (the dataset's
//    own format), "The answer is N" / "The final answer is N" (chain-of-thought
//    exemplars), or "\boxed{N}"; the first marker in the text wins;
//  - flexible: the last number anywhere in the text.
// Flexible extraction is what over-scores a looping trace (its last number is
// whatever the loop ended on), which is why scoring is termination-aware.
#ifndef DOOMSCOPE_BENCHMARKS_GSM8K_EXTRACT_H_
#define DOOMSCOPE_BENCHMARKS_GSM8K_EXTRACT_H_

#include <optional>
#include <string>
#include <string_view>

namespace doomscope::benchmarks {

struct Gsm8kExtraction {
  // Normalized numbers (see NormalizeNumber); nullopt when nothing was found.
  std::optional<std::string> strict;
  std::optional<std::string> flexible;
};

Gsm8kExtraction ExtractGsm8kAnswers(std::string_view text);

// The reference answer of a GSM8K solution: the text after its last "####",
// normalized. nullopt when there is no "####" or no number after it.
std::optional<std::string> Gsm8kReferenceAnswer(std::string_view solution);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_GSM8K_EXTRACT_H_
