// `doomscope repair DIR`: makes a run folder whose record files have corrupt
// bytes in the middle (a flipped byte, a bad sector) readable again without
// losing anything: each such file is kept whole beside itself as
// NAME.tfrecord.corrupt-N and replaced by exactly its valid records.
#ifndef DOOMSCOPE_RESULTS_RUN_REPAIR_H_
#define DOOMSCOPE_RESULTS_RUN_REPAIR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "results/record_file.h"

namespace doomscope::results {

struct RepairedFile {
  std::string path;
  RepairResult result;  // result.aside_path empty: nothing to repair
};

// Repairs every DIR/records/*.tfrecord. Errors: DIR has no records folder, a
// file is being written by a run, or a write fails (then that file is as it was).
absl::StatusOr<std::vector<RepairedFile>> RepairRunDir(const std::string& dir);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_RUN_REPAIR_H_
