// The one entry point that turns a task config into items: finds the task's
// benchmark by its kind, checks that the config sets no field of another
// benchmark, resolves the dataset path and lets the benchmark load it.
#ifndef DOOMSCOPE_BENCHMARKS_LOAD_ITEMS_H_
#define DOOMSCOPE_BENCHMARKS_LOAD_ITEMS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/benchmark.h"
#include "results/proto/task.pb.h"

namespace doomscope::benchmarks {

// Relative paths in `cfg` are resolved against `base_dir` (the suite file's
// folder; "" = as given). Errors name the task, or the file, line and field.
absl::StatusOr<std::vector<TaskItem>> LoadTaskItems(const TaskConfig& cfg, const std::string& base_dir);

// The checks LoadTaskItems makes before reading anything: a known kind, the
// dataset field set, limit >= 0, no field that only another benchmark reads.
absl::Status CheckTaskConfig(const TaskConfig& cfg);

// The dataset path a config names in its benchmark's data field ("" when unset).
std::string DatasetPath(const TaskConfig& cfg, const Benchmark& benchmark);

// `path` unchanged when absolute or when base_dir is empty, else base_dir/path.
std::string ResolveDataPath(const std::string& path, const std::string& base_dir);

}  // namespace doomscope::benchmarks

#endif  // DOOMSCOPE_BENCHMARKS_LOAD_ITEMS_H_
