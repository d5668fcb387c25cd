// One stored sample as the JSON object `doomscope export --jsonl` writes per
// line (for pandas and other tools): ids, stage, finish reason, verdict, text,
// tokens, and the full findings and score (results/proto_json.h's form).
#ifndef DOOMSCOPE_RESULTS_SAMPLE_EXPORT_H_
#define DOOMSCOPE_RESULTS_SAMPLE_EXPORT_H_

#include "results/json/json.h"
#include "results/proto/record.pb.h"

namespace doomscope::results {

json::Value SampleToExportJson(const SampleRecord& record);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_SAMPLE_EXPORT_H_
