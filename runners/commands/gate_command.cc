// `doomscope gate`: CI exit code from a baseline and a candidate run folder.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "results/gate.h"
#include "results/json/jsonl.h"
#include "results/junit.h"
#include "results/run_dir.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_FLAG(std::string, baseline, "", "Baseline run folder.");
ABSL_FLAG(std::string, candidate, "", "Candidate run folder.");
ABSL_FLAG(std::string, policy, "",
          "GatePolicy textproto (default: the candidate suite's gate block, else 0.02 / 0.01 / alpha 0.05).");
ABSL_FLAG(std::string, junit, "", "Write JUnit XML (one test case per cell) to this file.");

namespace doomscope {
namespace {

int Error(const std::string& message) {
  std::fprintf(stderr, "doomscope gate: %s\n", message.c_str());
  return results::kGateError;
}

int RunGateCommand(const std::vector<std::string>& args) {
  if (!args.empty()) return Error("unexpected argument '" + args[0] + "' (use --baseline and --candidate)");
  const std::string baseline_dir = absl::GetFlag(FLAGS_baseline);
  const std::string candidate_dir = absl::GetFlag(FLAGS_candidate);
  if (baseline_dir.empty() || candidate_dir.empty()) return Error("--baseline and --candidate are required");
  absl::StatusOr<results::RunContents> baseline = results::LoadRunDir(baseline_dir);
  if (!baseline.ok()) return Error(std::string(baseline.status().message()));
  absl::StatusOr<results::RunContents> candidate = results::LoadRunDir(candidate_dir);
  if (!candidate.ok()) return Error(std::string(candidate.status().message()));
  for (const auto* run : {&*baseline, &*candidate}) {
    for (const std::string& w : run->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  }
  GatePolicy policy = candidate->manifest.suite().gate();
  if (const std::string path = absl::GetFlag(FLAGS_policy); !path.empty()) {
    absl::StatusOr<GatePolicy> read = results::ReadGatePolicy(path);
    if (!read.ok()) return Error(std::string(read.status().message()));
    policy = *read;
  } else if (absl::Status s = results::ValidateGatePolicy(policy); !s.ok()) {
    return Error(absl::StrCat(results::ManifestPath(candidate_dir), ": gate policy: ", std::string(s.message())));
  }
  const results::GateReport report = results::RunGate(baseline->records, candidate->records, policy);
  for (const results::GateCell& c : report.cells) {
    std::printf("%-12s %s / %s / %s: %s\n", results::GateVerdictName(c.verdict), c.key.checkpoint.c_str(),
                c.key.task.c_str(), c.key.sampling.c_str(), c.reason.c_str());
  }
  static const char* kNames[] = {"pass", "regression", "inconclusive", "error"};
  std::printf("gate: %s (%zu cells)\n", kNames[report.exit_code], report.cells.size());
  if (const std::string path = absl::GetFlag(FLAGS_junit); !path.empty()) {
    if (absl::Status s = json::WriteFileAtomically(path, results::GateToJUnit(report)); !s.ok()) {
      return Error(std::string(s.message()));
    }
  }
  if (const std::string path = absl::GetFlag(FLAGS_markdown); !path.empty()) {
    if (absl::Status s = json::WriteFileAtomically(path, results::GateToMarkdown(report, baseline_dir, candidate_dir));
        !s.ok()) {
      return Error(std::string(s.message()));
    }
  }
  return report.exit_code;
}

}  // namespace

Command GateCommand() {
  return Command{
      .name = "gate",
      .summary = "CI gate: exit 0 pass, 1 regression, 2 inconclusive, 3 error (candidate vs baseline run)",
      .usage = "doomscope gate --baseline DIR --candidate DIR [--policy FILE.textproto] [--junit FILE.xml] "
               "[--markdown FILE.md]",
      .flags = {"baseline", "candidate", "policy", "junit", "markdown"},
      .run = RunGateCommand,
  };
}

}  // namespace doomscope
