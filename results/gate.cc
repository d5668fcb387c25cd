#include "results/gate.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "results/report_markdown.h"
#include "results/stats/stats.h"
#include "results/textproto/textproto_file.h"

namespace doomscope::results {
namespace {

using CellId = std::tuple<std::string, std::string, std::string>;  // checkpoint, task, sampling

std::map<CellId, std::vector<const SampleRecord*>> GroupCells(const std::vector<SampleRecord>& records) {
  std::map<CellId, std::vector<const SampleRecord*>> cells;
  for (const SampleRecord& r : records) cells[{r.checkpoint(), r.task(), r.sampling()}].push_back(&r);
  return cells;
}

CellKey KeyOf(const CellId& id, const std::vector<const SampleRecord*>& records) {
  const SampleRecord* first = records.empty() ? nullptr : records.front();
  return CellKey{std::get<0>(id), first ? first->stage() : STAGE_UNSPECIFIED, std::get<1>(id), std::get<2>(id),
                 first ? first->checkpoint_step() : 0};
}

std::string P(double p) { return p < 0.001 ? "<0.001" : absl::StrFormat("%.3f", p); }
std::string Pp(double d) { return absl::StrFormat("%+.1f pp", 100.0 * d); }

void Judge(const GatePolicy& policy, GateCell* c) {
  const Transition& t = c->paired;
  if (c->baseline_n == 0 || c->candidate_n == 0) {
    c->verdict = GateVerdict::kError;
    c->reason = c->baseline_n == 0 ? "cell missing from the baseline run" : "cell missing from the candidate run";
    return;
  }
  if (t.n_paired == 0) {
    c->verdict = GateVerdict::kError;
    c->reason = "no sample pairs up (different items or rollouts in the two runs)";
    return;
  }
  const std::string doom = absl::StrCat("doom-loop ratio ", Percent(c->baseline_ratio), " -> ",
                                        Percent(c->candidate_ratio), " (", Pp(t.doom_loop_delta), ", McNemar p=",
                                        P(t.mcnemar_p), ", ", t.newly_looping, " newly looping, ", t.recovered,
                                        " recovered, n=", t.n_paired, ")");
  const std::string acc =
      t.has_accuracy ? absl::StrCat("; accuracy ", Percent(c->baseline_accuracy), " -> ",
                                    Percent(c->candidate_accuracy), " (", Pp(t.accuracy_delta),
                                    ", p=", P(t.accuracy_p), ")")
                     : "";
  const bool doom_big = t.doom_loop_delta > policy.max_doom_loop_increase();
  const bool acc_big = t.has_accuracy && -t.accuracy_delta > policy.max_accuracy_drop();
  if ((doom_big && t.mcnemar_p < policy.alpha()) || (acc_big && t.accuracy_p < policy.alpha())) {
    c->verdict = GateVerdict::kRegression;
    c->reason = absl::StrCat("regression: ", doom, acc);
    return;
  }
  if (t.n_paired < policy.min_samples()) {
    c->verdict = GateVerdict::kInconclusive;
    c->reason = absl::StrCat("too few paired samples (", t.n_paired, " < min_samples ", policy.min_samples(),
                             "): ", doom, acc);
    return;
  }
  if (McNemarMinP(t.n_paired) >= policy.alpha()) {
    c->verdict = GateVerdict::kInconclusive;
    c->reason = absl::StrCat("too few pairs for any change to reach p < ", policy.alpha(), ": ", doom, acc);
    return;
  }
  if (doom_big || acc_big) {
    c->verdict = GateVerdict::kInconclusive;
    c->reason = absl::StrCat("change beyond the policy but not significant at alpha ", policy.alpha(), ": ", doom,
                             acc);
    return;
  }
  c->verdict = GateVerdict::kPass;
  c->reason = absl::StrCat("pass: ", doom, acc);
}

}  // namespace

const char* GateVerdictName(GateVerdict v) {
  switch (v) {
    case GateVerdict::kPass: return "pass";
    case GateVerdict::kRegression: return "regression";
    case GateVerdict::kInconclusive: return "inconclusive";
    case GateVerdict::kError: return "error";
  }
  return "error";
}

GatePolicy EffectivePolicy(const GatePolicy& policy) {
  GatePolicy p = policy;
  if (p.max_doom_loop_increase() <= 0) p.set_max_doom_loop_increase(0.02);
  if (p.max_accuracy_drop() <= 0) p.set_max_accuracy_drop(0.01);
  if (p.alpha() <= 0 || p.alpha() >= 1) p.set_alpha(0.05);
  if (p.min_samples() <= 0) p.set_min_samples(10);
  return p;
}

absl::StatusOr<GatePolicy> ReadGatePolicy(const std::string& path) {
  GatePolicy policy;
  if (absl::Status s = ReadTextProtoFile(path, &policy); !s.ok()) return s;
  if (absl::Status s = ValidateGatePolicy(policy); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", std::string(s.message())));
  }
  return policy;
}

absl::Status ValidateGatePolicy(const GatePolicy& policy) {
  // Written so that NaN fails every check.
  auto fraction = [](const char* field, double v) -> absl::Status {
    if (v >= 0 && v <= 1) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(field, " must be a number in [0, 1], got ", v));
  };
  if (absl::Status s = fraction("max_doom_loop_increase", policy.max_doom_loop_increase()); !s.ok()) return s;
  if (absl::Status s = fraction("max_accuracy_drop", policy.max_accuracy_drop()); !s.ok()) return s;
  if (!(policy.alpha() >= 0 && policy.alpha() < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("alpha must be in (0, 1) (0: the default 0.05), got ", policy.alpha()));
  }
  if (policy.min_samples() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("min_samples must be >= 0, got ", policy.min_samples()));
  }
  return absl::OkStatus();
}

GateReport RunGate(const std::vector<SampleRecord>& baseline, const std::vector<SampleRecord>& candidate,
                   const GatePolicy& policy) {
  GateReport report;
  report.policy = EffectivePolicy(policy);
  const auto base_cells = GroupCells(baseline);
  const auto cand_cells = GroupCells(candidate);
  std::map<CellId, bool> ids;
  for (const auto& [id, v] : base_cells) ids[id] = true;
  for (const auto& [id, v] : cand_cells) ids[id] = true;
  static const std::vector<const SampleRecord*> kNone;
  for (const auto& [id, unused] : ids) {
    auto b = base_cells.find(id);
    auto c = cand_cells.find(id);
    const auto& base = b == base_cells.end() ? kNone : b->second;
    const auto& cand = c == cand_cells.end() ? kNone : c->second;
    GateCell cell;
    cell.key = KeyOf(id, cand.empty() ? base : cand);
    cell.baseline_n = static_cast<int64_t>(base.size());
    cell.candidate_n = static_cast<int64_t>(cand.size());
    cell.paired = ComparePaired(KeyOf(id, base), base, cell.key, cand);
    // Ratios over the paired samples only, so they match the paired delta.
    int64_t base_loops = 0, acc_pairs_base_correct = 0;
    std::map<std::pair<std::string, int32_t>, const SampleRecord*> cand_by_pair;
    for (const SampleRecord* r : cand) cand_by_pair.emplace(std::make_pair(r->item_id(), r->rollout()), r);
    for (const SampleRecord* r : base) {
      auto it = cand_by_pair.find({r->item_id(), r->rollout()});
      if (it == cand_by_pair.end()) continue;
      if (r->findings().verdict().doom_loop()) ++base_loops;
      if (r->score().scored() && it->second->score().scored() && r->score().correct()) ++acc_pairs_base_correct;
      cand_by_pair.erase(it);
    }
    const Transition& t = cell.paired;
    if (t.n_paired > 0) {
      cell.baseline_ratio = static_cast<double>(base_loops) / static_cast<double>(t.n_paired);
      cell.candidate_ratio = cell.baseline_ratio + t.doom_loop_delta;
    }
    cell.has_accuracy = t.has_accuracy;
    if (t.has_accuracy && t.n_acc_paired > 0) {
      cell.baseline_accuracy = static_cast<double>(acc_pairs_base_correct) / static_cast<double>(t.n_acc_paired);
      cell.candidate_accuracy = cell.baseline_accuracy + t.accuracy_delta;
    }
    Judge(report.policy, &cell);
    report.cells.push_back(std::move(cell));
  }
  std::stable_sort(report.cells.begin(), report.cells.end(), [](const GateCell& a, const GateCell& b) {
    return std::forward_as_tuple(a.key.task, a.key.sampling, StageOrder(a.key.stage), a.key.checkpoint_step,
                                 a.key.checkpoint) < std::forward_as_tuple(b.key.task, b.key.sampling,
                                                                           StageOrder(b.key.stage),
                                                                           b.key.checkpoint_step, b.key.checkpoint);
  });
  bool error = report.cells.empty(), regression = false, inconclusive = false;
  for (const GateCell& c : report.cells) {
    error |= c.verdict == GateVerdict::kError;
    regression |= c.verdict == GateVerdict::kRegression;
    inconclusive |= c.verdict == GateVerdict::kInconclusive;
  }
  report.exit_code = error ? kGateError : regression ? kGateRegression : inconclusive ? kGateInconclusive : kGatePass;
  return report;
}

std::string GateToMarkdown(const GateReport& report, const std::string& baseline_label,
                           const std::string& candidate_label) {
  auto esc = [](const std::string& s) { return absl::StrReplaceAll(s, {{"|", "\\|"}, {"\n", " "}}); };
  const char* headline = report.exit_code == kGatePass           ? "PASS"
                         : report.exit_code == kGateRegression   ? "REGRESSION"
                         : report.exit_code == kGateInconclusive ? "INCONCLUSIVE"
                                                                 : "ERROR";
  std::string out = absl::StrCat("## doomscope gate: **", headline, "**\n\nBaseline `", esc(baseline_label),
                                 "` vs candidate `", esc(candidate_label), "`. Policy: fail when the doom-loop ratio "
                                 "rises by more than ", Pp(report.policy.max_doom_loop_increase()),
                                 " or accuracy drops by more than ", Pp(report.policy.max_accuracy_drop()),
                                 " with exact McNemar p < ", report.policy.alpha(), " (min ",
                                 report.policy.min_samples(), " paired samples).\n\n");
  if (report.cells.empty()) return out + "No cells to compare.\n";
  out +=
      "| verdict | checkpoint | task | sampling | paired | doom-loop ratio | change | p | accuracy | change | p |\n"
      "|---|---|---|---|---:|---|---|---|---|---|---|\n";
  for (const GateCell& c : report.cells) {
    const Transition& t = c.paired;
    absl::StrAppend(&out, "| ", GateVerdictName(c.verdict), " | ", esc(c.key.checkpoint), " | ", esc(c.key.task),
                    " | ", esc(c.key.sampling), " | ", t.n_paired, " | ", Percent(c.baseline_ratio), " → ",
                    Percent(c.candidate_ratio), " | ", Pp(t.doom_loop_delta), " | ", P(t.mcnemar_p), " | ",
                    c.has_accuracy ? absl::StrCat(Percent(c.baseline_accuracy), " → ", Percent(c.candidate_accuracy))
                                   : "-",
                    " | ", c.has_accuracy ? Pp(t.accuracy_delta) : "-", " | ",
                    c.has_accuracy ? P(t.accuracy_p) : "-", " |\n");
  }
  out += "\n";
  for (const GateCell& c : report.cells) {
    if (c.verdict == GateVerdict::kPass) continue;
    absl::StrAppend(&out, "- `", esc(c.key.checkpoint), "/", esc(c.key.task), "/", esc(c.key.sampling),
                    "`: ", esc(c.reason), "\n");
  }
  return out;
}

}  // namespace doomscope::results
