// Reading a judge model's score out of its answer. In order:
//   1. the first JSON object in the answer with a numeric "score" (a number,
//      or a string holding one), e.g. {"score": 7, "reason": "..."};
//   2. the last line of the form "Score: N" (any case, optional markdown
//      emphasis, ":" or "=", "N/10" read as N), matched with RE2.
// NotFound when neither is there.
#ifndef DOOMSCOPE_EVAL_JURY_JUDGE_SCORE_PARSE_H_
#define DOOMSCOPE_EVAL_JURY_JUDGE_SCORE_PARSE_H_

#include <string_view>

#include "absl/status/statusor.h"

namespace doomscope::jury {

absl::StatusOr<double> ParseJudgeScore(std::string_view answer);

}  // namespace doomscope::jury

#endif  // DOOMSCOPE_EVAL_JURY_JUDGE_SCORE_PARSE_H_
