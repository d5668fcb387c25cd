#include "results/report_markdown.h"

#include <algorithm>
#include <span>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace doomscope::results {
namespace {

std::string EscapeCell(std::string_view s) {
  return absl::StrReplaceAll(std::string(s), {{"|", "\\|"}, {"\n", " "}, {"\r", " "}});
}

std::string PValue(double p) {
  if (p < 0.001) return "<0.001";
  return absl::StrFormat("%.3f", p);
}

std::string SignedPoints(double delta) { return absl::StrFormat("%+.1f pp", 100.0 * delta); }

// The transition that leads into `row` (same task/sampling, `to` = row), if any.
const Transition* IncomingTransition(const StageReport& report, const StageRow& row) {
  for (const Transition& t : report.transitions) {
    if (t.to.checkpoint == row.key.checkpoint && t.to.stage == row.key.stage && t.to.task == row.key.task &&
        t.to.sampling == row.key.sampling && t.to.checkpoint_step == row.key.checkpoint_step) {
      return &t;
    }
  }
  return nullptr;
}

std::string ChangeText(const Transition* t) {
  if (t == nullptr) return "";
  return absl::StrCat(SignedPoints(t->doom_loop_delta), " (p=", PValue(t->mcnemar_p), ")");
}

std::string AccuracyText(const StageRow& r) {
  if (!r.has_accuracy) return "-";
  return absl::StrFormat("%s [%s, %s]", Percent(r.accuracy), Percent(r.acc_ci_low), Percent(r.acc_ci_high));
}

// Consecutive rows sharing (task, sampling) form one block.
std::vector<std::pair<size_t, size_t>> Blocks(const StageReport& report) {
  std::vector<std::pair<size_t, size_t>> blocks;
  for (size_t i = 0; i < report.rows.size();) {
    size_t j = i + 1;
    while (j < report.rows.size() && report.rows[j].key.task == report.rows[i].key.task &&
           report.rows[j].key.sampling == report.rows[i].key.sampling) {
      ++j;
    }
    blocks.emplace_back(i, j);
    i = j;
  }
  return blocks;
}

// "connection 3, http 500 2"
std::string ClassesText(const ErrorCell& cell) {
  std::string out;
  for (const auto& [name, n] : cell.by_class) absl::StrAppend(&out, out.empty() ? "" : ", ", name, " ", n);
  return out;
}

int64_t TotalErrored(std::span<const ErrorCell> cells) {
  int64_t n = 0;
  for (const ErrorCell& c : cells) n += c.errored;
  return n;
}

// Of the samples with a think segment, the share that never closed it.
double UnclosedThinkShare(const StageRow& r) {
  return static_cast<double>(r.think_unclosed) / static_cast<double>(r.think_opened);
}

// Reasoning segments of one row, as a sentence ("" when no output had one).
std::string ThinkLine(const StageRow& r) {
  if (r.think_opened == 0) return "";
  return absl::StrFormat("reasoning: %d of %d in a think segment, %d never closed it (%s), %d of %d doom loops "
                         "inside it, %.1f think tokens on average",
                         r.think_opened, r.n, r.think_unclosed, Percent(UnclosedThinkShare(r)),
                         r.think_doom_loops, r.doom_loops, r.mean_think_tokens);
}

// The same for a block of rows, as a table; "" when no row has think segments.
std::string ThinkMarkdown(const StageReport& report, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    const StageRow& r = report.rows[i];
    if (r.think_opened == 0) continue;
    if (out.empty()) {
      out = "Reasoning (`<think>` segments):\n\n| checkpoint | in a think segment | never closed | doom loops inside "
            "it | mean think tokens |\n|---|---:|---:|---:|---:|\n";
    }
    absl::StrAppend(&out, "| ", EscapeCell(r.key.checkpoint), " | ", r.think_opened, " of ", r.n, " | ",
                    r.think_unclosed, " (", Percent(UnclosedThinkShare(r)), ") | ",
                    r.think_doom_loops, " of ", r.doom_loops, " | ", absl::StrFormat("%.1f", r.mean_think_tokens),
                    " |\n");
  }
  return out.empty() ? out : out + "\n";
}

}  // namespace

std::string ErrorsToText(std::span<const ErrorCell> cells) {
  if (cells.empty()) return "";
  size_t width = 10;
  for (const ErrorCell& c : cells) width = std::max(width, c.checkpoint.size());
  std::string out = absl::StrCat("errored samples (not in any ratio; the next resume retries them): ",
                                 TotalErrored(cells), "\n");
  for (const ErrorCell& c : cells) {
    absl::StrAppend(&out, absl::StrFormat("  %-*s task %-16s %6d  %s\n", static_cast<int>(width), c.checkpoint,
                                          c.task, c.errored, ClassesText(c)));
    absl::StrAppend(&out, "    e.g. ", c.example, "\n");
  }
  return out;
}

std::string ErrorsToMarkdown(std::span<const ErrorCell> cells) {
  if (cells.empty()) return "";
  std::string out = absl::StrCat("\n### Errored samples\n\n", TotalErrored(cells),
                                 " samples could not be generated (the backend failed after its retries). They are "
                                 "in no ratio, score or gate cell; the next resume retries them.\n\n"
                                 "| checkpoint | task | errored | classes | example |\n|---|---|---:|---|---|\n");
  for (const ErrorCell& c : cells) {
    absl::StrAppend(&out, "| ", EscapeCell(c.checkpoint), " | ", EscapeCell(c.task), " | ", c.errored, " | ",
                    EscapeCell(ClassesText(c)), " | ", EscapeCell(c.example), " |\n");
  }
  return out;
}

std::string Percent(double fraction) { return absl::StrFormat("%.1f%%", 100.0 * fraction); }

std::string StageReportToMarkdown(const StageReport& report) {
  std::string out = "## Doom-loop ratio by training stage\n\n";
  if (report.rows.empty()) return out + "No samples.\n" + ErrorsToMarkdown(report.errors);
  out +=
      "Doom loop = the generation hit its token budget (or was stopped by the streaming loop rule) and its "
      "output ends in >= 3 exact repeats of one unit covering >= 25% of it. Intervals are Wilson 95%, "
      "clustered by prompt; changes are paired on (item, rollout) with an exact McNemar test.\n\n";
  for (const auto& [begin, end] : Blocks(report)) {
    const StageRow& first = report.rows[begin];
    absl::StrAppend(&out, "### task `", EscapeCell(first.key.task), "`, sampling `",
                    EscapeCell(first.key.sampling), "`\n\n");
    out +=
        "| checkpoint | stage | n | doom loops | ratio [95% CI] | change vs previous | recovered | n-gram loop | "
        "loop any | cap hit | cap, no loop | early stop | seq-rep-4 | new tokens | wasted tokens | accuracy |\n"
        "|---|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (size_t i = begin; i < end; ++i) {
      const StageRow& r = report.rows[i];
      absl::StrAppend(&out, "| ", EscapeCell(r.key.checkpoint), " | ", StageName(r.key.stage), " | ", r.n, " | ",
                      r.doom_loops, " | ",
                      absl::StrFormat("%s [%s, %s]", Percent(r.doom_loop_ratio), Percent(r.ci_low),
                                      Percent(r.ci_high)),
                      " | ", ChangeText(IncomingTransition(report, r)), " | ", Percent(r.recovered_rate), " | ",
                      Percent(r.ngram_loop_rate), " | ", Percent(r.loop_any_rate), " | ", Percent(r.cap_hit_rate),
                      " | ", Percent(r.cap_no_loop_rate), " | ", Percent(r.early_stop_rate), " | ",
                      absl::StrFormat("%.3f", r.mean_seq_rep_4), " | ", absl::StrFormat("%.1f", r.mean_new_tokens),
                      " | ", Percent(r.wasted_token_share), " | ", AccuracyText(r), " |\n");
    }
    out += "\n";
    out += ThinkMarkdown(report, begin, end);
  }
  if (!report.transitions.empty()) {
    out +=
        "### Transitions\n\n| task | sampling | from | to | paired | newly looping | recovered | change | "
        "McNemar p | accuracy change | accuracy p |\n|---|---|---|---|---:|---:|---:|---|---|---|---|\n";
    for (const Transition& t : report.transitions) {
      absl::StrAppend(&out, "| ", EscapeCell(t.to.task), " | ", EscapeCell(t.to.sampling), " | ",
                      EscapeCell(t.from.checkpoint), " (", StageName(t.from.stage), ") | ",
                      EscapeCell(t.to.checkpoint), " (", StageName(t.to.stage), ") | ", t.n_paired, " | ",
                      t.newly_looping, " | ", t.recovered, " | ", SignedPoints(t.doom_loop_delta), " | ",
                      PValue(t.mcnemar_p), " | ", t.has_accuracy ? SignedPoints(t.accuracy_delta) : "-", " | ",
                      t.has_accuracy ? PValue(t.accuracy_p) : "-", " |\n");
    }
  }
  return out + ErrorsToMarkdown(report.errors);
}

std::string StageReportToText(const StageReport& report) {
  if (report.rows.empty()) return absl::StrCat("no samples\n", ErrorsToText(report.errors));
  size_t name_width = 10;
  for (const StageRow& r : report.rows) name_width = std::max(name_width, r.key.checkpoint.size());
  const int w = static_cast<int>(name_width);
  std::string out;
  for (const auto& [begin, end] : Blocks(report)) {
    const StageRow& first = report.rows[begin];
    absl::StrAppend(&out, "task ", first.key.task, ", sampling ", first.key.sampling, "\n");
    absl::StrAppend(&out, absl::StrFormat("  %-*s %-8s %6s %6s %7s %-17s %-22s %7s %7s %7s %7s %7s %6s %7s %7s %s\n",
                                          w, "checkpoint", "stage", "n", "doom", "ratio", "95% CI",
                                          "change (McNemar p)", "recov", "ngram", "cap", "capNoL", "early",
                                          "rep4", "newtok", "wasted", "accuracy"));
    for (size_t i = begin; i < end; ++i) {
      const StageRow& r = report.rows[i];
      absl::StrAppend(
          &out, absl::StrFormat("  %-*s %-8s %6d %6d %7s %-17s %-22s %7s %7s %7s %7s %7s %6.3f %7.1f %7s %s\n", w,
                                r.key.checkpoint, StageName(r.key.stage), r.n, r.doom_loops,
                                Percent(r.doom_loop_ratio),
                                absl::StrCat("[", Percent(r.ci_low), ", ", Percent(r.ci_high), "]"),
                                ChangeText(IncomingTransition(report, r)), Percent(r.recovered_rate),
                                Percent(r.ngram_loop_rate), Percent(r.cap_hit_rate), Percent(r.cap_no_loop_rate),
                                Percent(r.early_stop_rate), r.mean_seq_rep_4, r.mean_new_tokens,
                                Percent(r.wasted_token_share), AccuracyText(r)));
    }
    for (size_t i = begin; i < end; ++i) {
      if (const std::string line = ThinkLine(report.rows[i]); !line.empty()) {
        absl::StrAppend(&out, absl::StrFormat("  %-*s %s\n", w, report.rows[i].key.checkpoint, line));
      }
    }
    // Early-stop shadows: how often a loop the streaming rule fired on escaped.
    for (size_t i = begin; i < end; ++i) {
      const StageRow& r = report.rows[i];
      if (r.shadow_samples == 0) continue;
      absl::StrAppend(&out, absl::StrFormat("  %-*s early-stop shadows: %d run to the cap, rule fired on %d, %d escaped",
                                            w, r.key.checkpoint, r.shadow_samples, r.shadow_fired, r.shadow_escaped));
      if (r.shadow_fired > 0) {
        absl::StrAppend(&out, " (escape rate ", Percent(r.escape_rate), " [", Percent(r.escape_ci_low), ", ",
                        Percent(r.escape_ci_high), "])");
      }
      out += "\n";
    }
    out += "\n";
  }
  return out + ErrorsToText(report.errors);
}

}  // namespace doomscope::results
