// The task score stored with a sample: CONTINUATION tasks have no scorer (the
// detectors are their whole evaluation); scored tasks go through eval's scorer.
#ifndef DOOMSCOPE_RUNNERS_SAMPLE_SCORER_H_
#define DOOMSCOPE_RUNNERS_SAMPLE_SCORER_H_

#include <string>

#include "benchmarks/tasks/task.h"
#include "results/proto/record.pb.h"
#include "results/proto/task.pb.h"

namespace doomscope {

TaskScore ScoreForRecord(const TaskConfig& task, const tasks::TaskItem& item, const std::string& output,
                         bool doom_loop);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_SAMPLE_SCORER_H_
