// The task score stored with a sample: the benchmark's termination-aware score
// (benchmarks/score_sample.h) as a TaskScore; benchmarks without a scorer
// (continuation) leave it unset (scored = false).
#ifndef DOOMSCOPE_RUNNERS_SAMPLE_SCORER_H_
#define DOOMSCOPE_RUNNERS_SAMPLE_SCORER_H_

#include <string>

#include "benchmarks/benchmark.h"
#include "results/proto/record.pb.h"
#include "results/proto/task.pb.h"

namespace doomscope {

TaskScore ScoreForRecord(const TaskConfig& task, const benchmarks::TaskItem& item, const std::string& output,
                         bool doom_loop, const benchmarks::ScoreContext& context = {});

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_SAMPLE_SCORER_H_
