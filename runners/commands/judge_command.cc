// `doomscope judge DIR [--jury FILE] [--shard i/n] [--threads N] [--json]`:
// a jury pass over a stored run (runners/jury_pass.h).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "results/json/json.h"
#include "results/run_dir.h"
#include "runners/command.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"
#include "runners/jury_config.h"
#include "runners/jury_pass.h"

ABSL_FLAG(std::string, jury, "",
          "judge: a JuryConfig textproto (judges and aggregation; paths relative to it). Default: the "
          "jury { } of the run's suite.");
ABSL_DECLARE_FLAG(std::string, shard);

namespace doomscope {
namespace {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "doomscope judge: %s\n", message.c_str());
  return code;
}

int ExitCodeFor(const absl::Status& s) {
  const absl::StatusCode c = s.code();
  return c == absl::StatusCode::kInvalidArgument || c == absl::StatusCode::kNotFound ||
                 c == absl::StatusCode::kFailedPrecondition || c == absl::StatusCode::kDataLoss
             ? kExitBadInput
             : kExitFailure;
}

int RunJudge(const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("give exactly one run folder (doomscope judge DIR --jury FILE)", kExitBadInput);
  JuryPassOptions options;
  options.dir = args[0];
  if (const std::string path = absl::GetFlag(FLAGS_jury); !path.empty()) {
    absl::StatusOr<JuryConfig> jury = LoadJuryConfig(path);
    if (!jury.ok()) return Fail(std::string(jury.status().message()), kExitBadInput);
    options.jury = *std::move(jury);
    options.jury_path = path;
  } else {
    absl::StatusOr<RunManifest> manifest = results::ReadManifest(options.dir);
    if (!manifest.ok()) return Fail(std::string(manifest.status().message()), kExitBadInput);
    if (!manifest->suite().has_jury()) {
      return Fail(options.dir + ": the run's suite has no jury { }; give one with --jury FILE", kExitBadInput);
    }
    options.jury = manifest->suite().jury();
    options.jury_path = manifest->suite_path();
    if (absl::Status s = ValidateJuryConfig(options.jury); !s.ok()) {
      return Fail(absl::StrCat(options.jury_path, ": jury: ", s.message()), kExitBadInput);
    }
  }
  absl::StatusOr<Shard> shard = ParseShard(absl::GetFlag(FLAGS_shard));
  if (!shard.ok()) return Fail(std::string(shard.status().message()), kExitBadInput);
  options.shard = *shard;
  options.threads = absl::GetFlag(FLAGS_threads);
  if (options.threads < 0) return Fail("--threads must be >= 0", kExitBadInput);
  options.progress_out = stderr;
  absl::StatusOr<JuryPassOutcome> outcome = RunJuryPass(options);
  if (!outcome.ok()) return Fail(std::string(outcome.status().message()), ExitCodeFor(outcome.status()));
  for (const std::string& w : outcome->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", json::Serialize(outcome->report).c_str());
  } else {
    std::printf("%s", JuryReportToText(outcome->report).c_str());
  }
  return kExitOk;
}

}  // namespace

Command JudgeCommand() {
  return Command{
      .name = "judge",
      .summary = "Score a stored run's samples with a jury of judges (resumable)",
      .usage = "doomscope judge DIR [--jury FILE] [--shard i/n] [--threads N] [--json]\n"
               "  Each judge scores every sample it has not scored yet; votes are appended crash-safe to\n"
               "  DIR/jury/ (rerun to resume; transport failures are asked again). Prints per-judge scores,\n"
               "  abstentions, Krippendorff's alpha across judges and agreement with the task score\n"
               "  (--json: the report object, also written to DIR/jury/report.json).",
      .flags = {"jury", "shard", "threads", "json"},
      .run = &RunJudge,
  };
}

}  // namespace doomscope
