// The record stored for one generated sample: ids and names, the prompt as the
// model saw it, the output (text as valid UTF-8, token ids exact), finish and
// timings, detector findings, the task score and, on shadow samples, the
// early-stop shadow finding.
#ifndef DOOMSCOPE_RUNNERS_SAMPLE_RECORD_H_
#define DOOMSCOPE_RUNNERS_SAMPLE_RECORD_H_

#include <string>
#include <string_view>

#include "benchmarks/benchmark.h"
#include "detectors/config_defaults.h"
#include "results/proto/record.pb.h"
#include "results/proto/suite.pb.h"
#include "runners/backend.h"
#include "runners/plan.h"

namespace doomscope {

// What every record of one checkpoint shares. Read-only while records are
// built, so several threads may build records at once.
struct RecordContext {
  const SuiteConfig* suite = nullptr;
  const CheckpointConfig* checkpoint = nullptr;
  std::string checkpoint_sha256;
  const ResolvedConfig* detector = nullptr;
  const Backend* backend = nullptr;  // detokenizes prompts and unit previews
};

SampleRecord BuildSampleRecord(const RecordContext& context, const PlannedSample& sample,
                               const benchmarks::TaskItem& item, const BackendResult& result);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_SAMPLE_RECORD_H_
