// GSM8K scoring: strict and flexible extraction (benchmarks/gsm8k/extract.h)
// compared with the reference answer; cfg.gsm8k_scoring picks which decides
// `correct`, both are reported.
#ifndef DOOMSCOPE_BENCHMARKS_GSM8K_SCORE_H_
#define DOOMSCOPE_BENCHMARKS_GSM8K_SCORE_H_

#include <string_view>

#include "benchmarks/benchmark.h"
#include "eval/score.h"
#include "results/proto/task.pb.h"

namespace doomscope::benchmarks {

eval::ScoreResult ScoreGsm8k(const TaskConfig& cfg, const TaskItem& item, std::string_view output);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_GSM8K_SCORE_H_
