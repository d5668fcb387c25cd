// LoadTaskItems: the one entry point that turns a task config into items.
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "benchmarks/tasks/bfcl_data.h"
#include "benchmarks/tasks/continuation.h"
#include "benchmarks/tasks/gsm8k.h"
#include "benchmarks/tasks/task.h"
#include "benchmarks/tasks/wnut17.h"

namespace doomscope::tasks {

std::string ResolveDataPath(const std::string& path, const std::string& base_dir) {
  if (base_dir.empty() || path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

absl::StatusOr<std::vector<TaskItem>> LoadTaskItems(const TaskConfig& cfg, const std::string& base_dir) {
  const std::string& file = cfg.kind() == CONTINUATION ? cfg.prompts() : cfg.data();
  const char* field = cfg.kind() == CONTINUATION ? "prompts" : "data";
  if (cfg.kind() == TASK_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': field 'kind' is not set"));
  }
  if (file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': field '", field, "' is not set"));
  }
  if (cfg.limit() < 0) return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': limit must be >= 0"));
  if (cfg.kind() != REASONING && (cfg.shots() != 0 || cfg.exemplar_ids_size() > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("task '", cfg.name(), "': shots and exemplar_ids apply to REASONING tasks only"));
  }
  if (cfg.kind() != TOOL_USE && cfg.bfcl_categories_size() > 0) {
    return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': bfcl_categories applies to TOOL_USE tasks only"));
  }
  const std::string path = ResolveDataPath(file, base_dir);
  switch (cfg.kind()) {
    case CONTINUATION: return LoadContinuationItems(cfg, path);
    case REASONING: return LoadGsm8kItems(cfg, path);
    case EXTRACTION: return LoadWnut17Items(cfg, path);
    case TOOL_USE: return LoadBfclItems(cfg, path);
    default:
      return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': unknown kind ", static_cast<int>(cfg.kind())));
  }
}

}  // namespace doomscope::tasks
