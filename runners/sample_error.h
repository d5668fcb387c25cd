// The error record of a sample its backend could not generate
// (results/proto/record.proto SampleError, stored apart from the samples:
// results/sample_errors.h), and the class a failure falls in.
#ifndef DOOMSCOPE_RUNNERS_SAMPLE_ERROR_H_
#define DOOMSCOPE_RUNNERS_SAMPLE_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "benchmarks/benchmark.h"
#include "results/proto/record.pb.h"
#include "runners/backend.h"
#include "runners/plan.h"
#include "runners/sample_record.h"

namespace doomscope {

// "http N" when an HTTP answer came (results/openai's status payload), else by
// code: DeadlineExceeded "timeout", Unavailable "connection", DataLoss "bad
// response", InvalidArgument "invalid request", NotFound "not found", else
// "other".
std::string SampleErrorClass(const absl::Status& status);

// `result.status` is not OK.
SampleError BuildSampleError(const RecordContext& context, const PlannedSample& sample,
                             const benchmarks::TaskItem& item, const BackendResult& result);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_SAMPLE_ERROR_H_
