// Deterministic judges over what a stored sample already carries: the
// detectors' findings, the task scorer's result, the output text. Scores (all
// in [0, 1], higher = better):
//   REPETITION     0 for a doom loop, else 1 - seq-rep-4 (the share of the
//                  output's 4-grams, tokens or words, that repeat an earlier
//                  one); abstains on a record without findings
//   ANSWER_PRESENT 1 when the task scorer extracted an answer, else 0;
//                  abstains when the task has no scorer
//   VALID_JSON     1 when the output, trimmed and without a ``` code fence,
//                  is exactly one JSON value, else 0
//   TASK_SCORE     the task score (0/1, or F1); abstains when the task has no scorer
#ifndef DOOMSCOPE_EVAL_JURY_RULE_JUDGE_H_
#define DOOMSCOPE_EVAL_JURY_RULE_JUDGE_H_

#include "eval/jury/judge.h"
#include "results/proto/jury.pb.h"

namespace doomscope::jury {

class RuleCheckJudge : public Judge {
 public:
  explicit RuleCheckJudge(RuleCheck check) : check_(check) {}
  Verdict Score(const SampleRecord& sample) override;
  int concurrency() const override { return 4; }

 private:
  RuleCheck check_;
};

// The output with surrounding whitespace and one enclosing ``` fence (with an
// optional language tag) removed.
std::string_view StripCodeFence(std::string_view text);

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_RULE_JUDGE_H_
