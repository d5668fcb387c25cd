// `doomscope run [--suite FILE] [--out DIR] [--shard i/n] [--threads N] [--shared DIR]`
#include <cstdio>
#include <string>
#include <unistd.h>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "runners/command.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"
#include "runners/default_suite.h"
#include "runners/progress.h"
#include "runners/run_suite.h"

ABSL_FLAG(std::string, shard, "", "Run only slice i of n of the plan (0-based, e.g. 0/4); shards share --out.");

namespace doomscope {
namespace {

int RunRun(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "doomscope run: unexpected argument \"%s\" (use --suite FILE)\n", args[0].c_str());
    return kExitBadInput;
  }
  RunOptions options;
  options.suite_path = absl::GetFlag(FLAGS_suite);
  options.out_dir = absl::GetFlag(FLAGS_out);
  if (options.suite_path.empty()) {
    if (options.out_dir.empty()) options.out_dir = "out/stages-a";
    absl::StatusOr<std::string> suite = WriteDefaultSuite(SharedDir(), options.out_dir);
    if (!suite.ok()) {
      std::fprintf(stderr, "doomscope run: %s\n", std::string(suite.status().message()).c_str());
      return kExitBadInput;
    }
    std::fprintf(stderr, "doomscope run: no --suite, running the embedded default (%s)\n", suite->c_str());
    options.suite_path = *suite;
  }
  absl::StatusOr<Shard> shard = ParseShard(absl::GetFlag(FLAGS_shard));
  if (!shard.ok()) {
    std::fprintf(stderr, "doomscope run: %s\n", std::string(shard.status().message()).c_str());
    return kExitBadInput;
  }
  options.shard = *shard;
  options.threads = absl::GetFlag(FLAGS_threads);
  if (options.threads < 0) {
    std::fprintf(stderr, "doomscope run: --threads must be >= 0\n");
    return kExitBadInput;
  }
  // The bar goes to stderr so stdout carries only the table.
  options.progress_out = stderr;
  options.progress_interactive = Progress::IsTerminal(stderr);
  absl::StatusOr<RunOutcome> outcome = RunSuite(options);
  if (!outcome.ok()) {
    std::fprintf(stderr, "doomscope run: %s\n", std::string(outcome.status().message()).c_str());
    return ExitCodeFor(outcome.status());
  }
  std::printf("%s", outcome->table.c_str());
  std::printf("%s: %lld planned, %lld already stored, %lld generated, %lld failed in %.2f s; summary in %s/summary.json\n",
              outcome->out_dir.c_str(), static_cast<long long>(outcome->planned),
              static_cast<long long>(outcome->skipped), static_cast<long long>(outcome->generated),
              static_cast<long long>(outcome->failed), outcome->wall_s, outcome->out_dir.c_str());
  if (!outcome->all_failed.empty()) std::fprintf(stderr, "doomscope run: %s\n", outcome->all_failed.c_str());
  return outcome->failed > 0 ? kExitFailure : kExitOk;
}

}  // namespace

Command RunCommand() {
  return Command{
      .name = "run",
      .summary = "Run a suite of checkpoints x tasks x sampling configs and store every sample",
      .usage = "doomscope run [--suite FILE] [--out DIR] [--shard i/n] [--threads N] [--shared DIR]\n"
               "  Generates every planned sample not yet stored in DIR (default runs/<suite name>),\n"
               "  runs the doom-loop detectors and task scorers on each, appends crash-safe records,\n"
               "  and writes DIR/summary.json. Rerun the same command to resume after a crash.\n"
               "  Without --suite it runs the embedded default: the four stages-a checkpoints of the\n"
               "  shared data folder (--shared, $DOOMSCOPE_SHARED or ../shared) into out/stages-a.",
      .flags = {"suite", "out", "shard", "threads", "shared"},
      .run = &RunRun,
  };
}

}  // namespace doomscope
