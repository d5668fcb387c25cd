// GSM8K scoring: strict and flexible extraction (benchmarks/tasks/gsm8k_extract.h)
// compared with the reference answer; cfg.gsm8k_scoring picks which decides
// `correct`, both are reported.
#ifndef DOOMSCOPE_EVAL_GSM8K_SCORER_H_
#define DOOMSCOPE_EVAL_GSM8K_SCORER_H_

#include <string_view>

#include "eval/score.h"

namespace doomscope::eval {

ScoreResult ScoreGsm8k(const TaskConfig& cfg, const tasks::TaskItem& item, std::string_view output);

}  // namespace doomscope::eval

#endif  // DOOMSCOPE_EVAL_GSM8K_SCORER_H_
