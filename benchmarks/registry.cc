#include "benchmarks/registry.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace doomscope::benchmarks {

#define DOOMSCOPE_BENCHMARK(accessor) const Benchmark& accessor();
#include "benchmarks/registered.inc"
#undef DOOMSCOPE_BENCHMARK

std::span<const Benchmark* const> AllBenchmarks() {
  static const std::vector<const Benchmark*>* const all = new std::vector<const Benchmark*>{
#define DOOMSCOPE_BENCHMARK(accessor) &accessor(),
#include "benchmarks/registered.inc"
#undef DOOMSCOPE_BENCHMARK
  };
  return *all;
}

absl::StatusOr<const Benchmark*> FindBenchmark(TaskKind kind) {
  for (const Benchmark* b : AllBenchmarks()) {
    if (b->kind() == kind) return b;
  }
  if (kind == TASK_KIND_UNSPECIFIED) return absl::NotFoundError("field 'kind' is not set");
  return absl::NotFoundError(absl::StrCat("no benchmark reads task kind ", static_cast<int>(kind)));
}

std::string KnownKindNames() {
  std::string out;
  const auto all = AllBenchmarks();
  for (size_t i = 0; i < all.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : i + 1 == all.size() ? " or " : ", ", TaskKind_Name(all[i]->kind()));
  }
  return out;
}

absl::StatusOr<const Benchmark*> FindBenchmarkByName(std::string_view name) {
  std::vector<std::string> names;
  for (const Benchmark* b : AllBenchmarks()) {
    if (b->name() == name) return b;
    names.emplace_back(b->name());
  }
  return absl::NotFoundError(
      absl::StrCat("unknown benchmark \"", std::string(name), "\" (known: ", absl::StrJoin(names, ", "), ")"));
}

}  // namespace doomscope::benchmarks
