// A jury pass over a run folder: every judge of the jury scores every stored
// sample of the shard that it has not scored yet, and each vote is appended to
// DIR/jury/votes-shard-I-of-N.tfrecord the moment it is cast (results/
// jury_store.h), flushed (fdatasync) every `flush_every` votes or
// `flush_seconds`, like generated records. A pass killed at any moment and
// run again asks only for the votes that are not stored, so each vote is
// stored once; retryable abstentions (transport failures) are asked again.
//
// `doomscope run` runs the pass after generation when the suite has a jury;
// `doomscope judge DIR --jury FILE` runs it later over a stored run. The pass
// writes DIR/jury/manifest (the jury and each judge's fingerprint) first and
// DIR/jury/report.json (jury_view.h's report, with the "coverage" of
// results/jury_coverage.h: which samples it saw) last.
#ifndef DOOMSCOPE_RUNNERS_JURY_PASS_H_
#define DOOMSCOPE_RUNNERS_JURY_PASS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eval/jury/judge.h"
#include "results/json/json.h"
#include "results/proto/jury.pb.h"
#include "runners/plan.h"

namespace doomscope {

using MakeJudgeFn = std::function<absl::StatusOr<std::unique_ptr<jury::Judge>>(const JudgeConfig&, int threads)>;

// The judges this build runs: rule, logprob (the bundled engine) and openai
// (HTTP through results/openai's client).
absl::StatusOr<std::unique_ptr<jury::Judge>> MakeJudge(const JudgeConfig& judge, int threads);

// An openai judge over HTTP (runners/openai_judge_client.cc).
absl::StatusOr<std::unique_ptr<jury::Judge>> MakeOpenAIJudge(const JudgeConfig& judge);

// Each judge's identity: its name and a fingerprint of what decides its votes
// (the config without transport settings or paths, plus the sha256 of a
// logprob judge's files).
absl::StatusOr<std::vector<JudgeIdentity>> JudgeIdentities(const JuryConfig& jury);

struct JuryPassOptions {
  std::string dir;
  JuryConfig jury;         // paths resolved, validated
  std::string jury_path;   // where it came from, for the manifest
  Shard shard;
  int threads = 0;         // engine threads of logprob judges (0 = all cores)
  std::FILE* progress_out = stderr;  // null: quiet
  int flush_every = 32;
  double flush_seconds = 2.0;
  MakeJudgeFn make_judge;  // null = MakeJudge
  // Stop after this many new votes, as if killed there (tests); 0 = no limit.
  int64_t stop_after_votes = 0;
};

struct JudgeTally {
  std::string name;
  int64_t stored = 0;     // final votes found before the pass
  int64_t asked = 0;
  int64_t abstained = 0;  // of those asked
  int64_t retryable = 0;
};

struct JuryPassOutcome {
  int64_t samples = 0;    // of this shard
  std::vector<JudgeTally> judges;
  json::Value report;     // what DIR/jury/report.json holds
  std::vector<std::string> warnings;
};

absl::StatusOr<JuryPassOutcome> RunJuryPass(const JuryPassOptions& options);

// The report as a fixed-width table for the terminal.
std::string JuryReportToText(const json::Value& report);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_JURY_PASS_H_
