#include "eval/jury/rule_judge.h"

#include <algorithm>

#include "results/json/json.h"

namespace doomscope::jury {

namespace {

std::string_view Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\r\n\f\v");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n\f\v") - begin + 1);
}

}  // namespace

std::string_view StripCodeFence(std::string_view text) {
  text = Trim(text);
  if (text.size() >= 6 && text.substr(0, 3) == "```" && text.substr(text.size() - 3) == "```") {
    std::string_view inner = text.substr(3, text.size() - 6);
    const size_t newline = inner.find('\n');
    // "```json\n{...}\n```": the first line is a language tag when it has no spaces.
    if (newline != std::string_view::npos &&
        inner.substr(0, newline).find_first_of(" \t{[\"") == std::string_view::npos) {
      inner = inner.substr(newline + 1);
    }
    text = Trim(inner);
  }
  return text;
}

Verdict RuleCheckJudge::Score(const SampleRecord& sample) {
  switch (check_) {
    case REPETITION: {
      if (sample.findings().detector_version().empty()) return Verdict::Abstain("the sample has no detector findings");
      if (sample.findings().verdict().doom_loop()) return Verdict::Score(0, 1);
      const double rep4 = std::clamp(sample.findings().ngram().seq_rep_4(), 0.0, 1.0);
      return Verdict::Score(1 - rep4, rep4);
    }
    case ANSWER_PRESENT:
      if (!sample.score().scored()) return Verdict::Abstain("the task has no scorer");
      return Verdict::Score(sample.score().answer_extractable() ? 1 : 0, sample.score().answer_extractable() ? 1 : 0);
    case VALID_JSON: {
      const bool valid = json::Parse(StripCodeFence(sample.text())).ok();
      return Verdict::Score(valid ? 1 : 0, valid ? 1 : 0);
    }
    case TASK_SCORE:
      if (!sample.score().scored()) return Verdict::Abstain("the task has no scorer");
      return Verdict::Score(std::clamp(sample.score().score(), 0.0, 1.0), sample.score().score());
    default:
      return Verdict::Abstain("rule judge without a check");
  }
}

}  // namespace doomscope::jury
