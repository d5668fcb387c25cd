// `doomscope repair DIR`: salvage record files with corrupt bytes in the
// middle (results/run_repair.h). Report, export and the dashboard already
// skip such bytes with a warning; a run cannot resume onto a corrupt file, so
// this is what lets it go on.
#include <cstdio>
#include <string>
#include <vector>

#include "results/run_repair.h"
#include "runners/command.h"
#include "runners/commands/commands.h"

namespace doomscope {
namespace {

int RunRepair(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::fprintf(stderr, "doomscope repair: give exactly one run folder (doomscope repair DIR)\n");
    return kExitBadInput;
  }
  absl::StatusOr<std::vector<results::RepairedFile>> files = results::RepairRunDir(args[0]);
  if (!files.ok()) {
    std::fprintf(stderr, "doomscope repair: %s\n", std::string(files.status().message()).c_str());
    return files.status().code() == absl::StatusCode::kNotFound ? kExitBadInput : kExitFailure;
  }
  int repaired = 0;
  for (const results::RepairedFile& f : *files) {
    const results::ReadStats& s = f.result.stats;
    if (f.result.aside_path.empty()) {
      std::printf("%s: ok (%lld records)\n", f.path.c_str(), static_cast<long long>(s.records));
      continue;
    }
    ++repaired;
    std::printf("%s: kept %lld records, skipped %lld corrupt bytes in %lld place(s); the original is kept as %s\n",
                f.path.c_str(), static_cast<long long>(s.records), static_cast<long long>(s.corrupt_bytes),
                static_cast<long long>(s.corrupt_regions), f.result.aside_path.c_str());
  }
  std::printf("%d of %zu record files repaired\n", repaired, files->size());
  return kExitOk;
}

}  // namespace

Command RepairCommand() {
  return Command{
      .name = "repair",
      .summary = "Salvage a run folder's record files after corruption (keeps every valid record, sets bad bytes aside)",
      .usage = "doomscope repair DIR\n"
               "  Each DIR/records/*.tfrecord with corrupt bytes in the middle is copied whole to\n"
               "  NAME.tfrecord.corrupt-N and replaced by its valid records; a run can then resume.",
      .flags = {},
      .run = RunRepair,
  };
}

}  // namespace doomscope
