#include "benchmarks/load_items.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "benchmarks/registry.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace doomscope::benchmarks {
namespace {

bool Owns(const Benchmark& b, std::string_view field) {
  const auto own = b.own_fields();
  return std::find(own.begin(), own.end(), field) != own.end();
}

// The benchmark that reads a TaskConfig field no other one reads, or null.
const Benchmark* OwnerOf(std::string_view field) {
  for (const Benchmark* b : AllBenchmarks()) {
    if (Owns(*b, field)) return b;
  }
  return nullptr;
}

absl::Status TaskError(const TaskConfig& cfg, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("task '", cfg.name(), "': ", std::string(what)));
}

}  // namespace

std::string DatasetPath(const TaskConfig& cfg, const Benchmark& benchmark) {
  const google::protobuf::FieldDescriptor* f =
      TaskConfig::descriptor()->FindFieldByName(std::string(benchmark.data_field()));
  if (f == nullptr || f->type() != google::protobuf::FieldDescriptor::TYPE_STRING || f->is_repeated()) return "";
  return TaskConfig::GetReflection()->GetString(cfg, f);
}

std::string ResolveDataPath(const std::string& path, const std::string& base_dir) {
  if (base_dir.empty() || path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

absl::Status CheckTaskConfig(const TaskConfig& cfg) {
  absl::StatusOr<const Benchmark*> benchmark = FindBenchmark(cfg.kind());
  if (!benchmark.ok()) return TaskError(cfg, std::string(benchmark.status().message()));
  if (DatasetPath(cfg, **benchmark).empty()) {
    return TaskError(cfg, absl::StrCat("field '", std::string((*benchmark)->data_field()), "' is not set"));
  }
  if (cfg.limit() < 0) return TaskError(cfg, "limit must be >= 0");
  // A field another benchmark reads would be silently ignored here.
  std::vector<const google::protobuf::FieldDescriptor*> set;
  TaskConfig::GetReflection()->ListFields(cfg, &set);
  for (const google::protobuf::FieldDescriptor* f : set) {
    const Benchmark* owner = OwnerOf(f->name());
    if (owner == nullptr || owner == *benchmark) continue;
    return TaskError(cfg, absl::StrCat("field '", f->name(), "' applies to ", TaskKind_Name(owner->kind()),
                                       " tasks only, not to ", TaskKind_Name(cfg.kind())));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TaskItem>> LoadTaskItems(const TaskConfig& cfg, const std::string& base_dir) {
  if (absl::Status s = CheckTaskConfig(cfg); !s.ok()) return s;
  const Benchmark& benchmark = **FindBenchmark(cfg.kind());
  return benchmark.LoadItems(cfg, ResolveDataPath(DatasetPath(cfg, benchmark), base_dir));
}

}  // namespace doomscope::benchmarks
