// `doomscope pairs DIR --out FILE [--min-margin X] [--json]`: DPO preference
// pairs from a judged run (eval/jury/pairs.h selects, pair_lines.h writes).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "eval/jury/jury_view.h"
#include "eval/jury/pair_lines.h"
#include "eval/jury/pairs.h"
#include "results/json/jsonl.h"
#include "results/run_dir.h"
#include "runners/command.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"
#include "runners/judged_run.h"
#include "runners/pair_prompts.h"

ABSL_FLAG(double, min_margin, 0,
          "pairs: skip a prompt whose chosen and rejected aggregates differ by less than this "
          "(a looping rejected side is exempt: its verdict rejects it)");

namespace doomscope {
namespace {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "doomscope pairs: %s\n", message.c_str());
  return code;
}

json::Value SummaryJson(const jury::PairSelection& s, int64_t rollouts, const std::string& out) {
  json::Value skipped;
  skipped.Set("too_few_scored", s.skipped.too_few_scored);
  skipped.Set("all_loop", s.skipped.all_loop);
  skipped.Set("tied", s.skipped.tied);
  skipped.Set("below_margin", s.skipped.below_margin);
  json::Value summary;
  summary.Set("pairs", static_cast<int64_t>(s.pairs.size()));
  summary.Set("skipped", std::move(skipped));
  summary.Set("looping_rejected", s.looping_rejected);
  summary.Set("looping_rejected_share", s.looping_rejected_share());
  summary.Set("rollouts", rollouts);
  summary.Set("out", out);
  return summary;
}

int RunPairs(const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("give exactly one run folder (doomscope pairs DIR --out FILE)", kExitBadInput);
  const std::string dir = args[0];
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return Fail("--out FILE is required", kExitBadInput);
  const double min_margin = absl::GetFlag(FLAGS_min_margin);
  if (!(min_margin >= 0) || min_margin > 1) return Fail("--min-margin must be in [0, 1]", kExitBadInput);

  absl::StatusOr<results::RunContents> run = results::LoadRunDir(dir, results::ReadMode::kSalvage);
  if (!run.ok()) return Fail(std::string(run.status().message()), kExitBadInput);
  absl::StatusOr<std::optional<JudgedRun>> judged = LoadJudgedRun(dir, run->records);
  if (!judged.ok()) return Fail(std::string(judged.status().message()), kExitBadInput);
  if (!judged->has_value()) {
    return Fail(dir + ": no jury votes (run doomscope judge " + dir + " --jury FILE first)", kExitBadInput);
  }
  for (const std::string& w : run->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  for (const std::string& w : (*judged)->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  const jury::JuryView& view = (*judged)->view;
  std::vector<jury::Rollout> rollouts(run->records.size());
  for (size_t i = 0; i < run->records.size(); ++i) {
    const SampleRecord& r = run->records[i];
    jury::Rollout& ro = rollouts[i];
    ro.sample_id = r.sample_id();
    ro.group = view.sample_votes[i].group;
    ro.scored = view.aggregates[i].scored;
    ro.score = view.aggregates[i].value;
    double sum = 0;
    int n = 0;
    for (const std::optional<double>& v : view.sample_votes[i].scores) {
      if (v.has_value()) {
        sum += *v;
        ++n;
      }
    }
    ro.vote_mean = n > 0 ? sum / n : 0;
    ro.length = static_cast<int64_t>(r.text().size());
    ro.doom_loop = r.findings().verdict().doom_loop();
  }
  const jury::PairSelection selection = jury::SelectPairs(rollouts, min_margin);

  absl::StatusOr<PairPrompts> prompts = PairPrompts::ForRun(run->manifest);
  if (!prompts.ok()) return Fail(std::string(prompts.status().message()), kExitBadInput);
  json::AtomicFileWriter writer(out);
  if (absl::Status s = writer.Open(); !s.ok()) return Fail(std::string(s.message()), kExitFailure);
  for (const jury::PreferencePair& p : selection.pairs) {
    jury::PairSides sides;
    sides.chosen = &run->records[p.chosen];
    sides.rejected = &run->records[p.rejected];
    sides.chosen_score = view.aggregates[p.chosen].value;
    sides.rejected_score = view.aggregates[p.rejected].value;
    sides.prompt_messages = prompts->Messages(*sides.chosen);
    if (absl::Status s = writer.WriteLine(jury::PairLine(sides)); !s.ok()) {
      return Fail(std::string(s.message()), kExitFailure);
    }
  }
  if (absl::Status s = writer.Commit(); !s.ok()) return Fail(std::string(s.message()), kExitFailure);

  const json::Value summary = SummaryJson(selection, static_cast<int64_t>(rollouts.size()), out);
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", json::Serialize(summary).c_str());
  } else {
    std::printf(
        "wrote %zu pairs to %s (%.1f%% with a looping rejected side); skipped prompts: %lld with fewer than 2 "
        "scored rollouts, %lld all looping, %lld tied, %lld below the margin\n",
        selection.pairs.size(), out.c_str(), 100 * selection.looping_rejected_share(),
        static_cast<long long>(selection.skipped.too_few_scored), static_cast<long long>(selection.skipped.all_loop),
        static_cast<long long>(selection.skipped.tied), static_cast<long long>(selection.skipped.below_margin));
  }
  return kExitOk;
}

}  // namespace

Command PairsCommand() {
  return Command{
      .name = "pairs",
      .summary = "DPO preference pairs (TRL's prompt/chosen/rejected) from a judged run",
      .usage = "doomscope pairs DIR --out FILE [--min-margin X] [--json]\n"
               "  Per prompt (one checkpoint, task and item) with >= 2 rollouts scored by the jury\n"
               "  (doomscope judge): chosen = best aggregate among the non-looping rollouts, rejected =\n"
               "  the worst doom loop if any, else the worst of the rest. Writes one JSON object per\n"
               "  pair to FILE atomically; --json prints {\"pairs\", \"skipped\", \"looping_rejected_share\"}.",
      .flags = {"out", "min_margin", "json"},
      .run = &RunPairs,
  };
}

}  // namespace doomscope
