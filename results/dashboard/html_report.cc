#include "results/dashboard/html_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "results/dashboard/dashboard_assets.h"
#include "results/dashboard/html_escape.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "results/report_json.h"
#include "results/run_dir.h"
#include "results/dashboard/sample_compaction.h"
#include "results/stage_report.h"
#include "results/dashboard/svg_charts.h"
#include "results/dashboard/jury_section.h"
#include "results/jury_store.h"
#include "results/sample_errors.h"

namespace doomscope::results {
namespace {

std::string Esc(std::string_view s) { return HtmlEscape(s); }

// StageName as a std::string (Debian's absl::StrCat takes no std::string_view).
std::string StageLabel(int stage) { return std::string(StageName(static_cast<Stage>(stage))); }
int StageRank(int stage) { return StageOrder(static_cast<Stage>(stage)); }

std::string Pct(double x) {
  if (!std::isfinite(x)) return "–";
  return absl::StrFormat("%.1f%%", x * 100);
}

std::string PValue(double p) {
  if (!std::isfinite(p)) return "";
  if (p < 0.001) return "p&lt;0.001";
  return absl::StrFormat("p=%.3f", p);
}

const std::string& StageColor(int stage) {
  static const std::map<int, std::string>* colors = new std::map<int, std::string>{
      {PRETRAIN, "#5b6578"}, {SFT, "#2f6fb5"}, {DPO, "#7a4fb0"}, {RL, "#0f8a72"},
      {OTHER, "#9aa3b2"},    {STAGE_UNSPECIFIED, "#c0c6d0"}};
  auto it = colors->find(stage);
  return it == colors->end() ? colors->at(STAGE_UNSPECIFIED) : it->second;
}

std::string StagePill(int stage) {
  const std::string name(StageLabel(stage));
  return absl::StrCat("<span class=\"ds-stagepill st-", name, "\">", name, "</span>");
}

std::string Severity(double ratio) {
  return ratio >= 0.2 ? "sev-hi" : ratio >= 0.05 ? "sev-mid" : "sev-lo";
}

std::string RatioCell(double ratio) {
  return absl::StrFormat(
      "<span class=\"ds-ratio %s\"><span class=\"ds-bar\"><span style=\"width:%.1f%%\"></span>"
      "</span>%s</span>",
      Severity(ratio), std::clamp(ratio, 0.0, 1.0) * 100, Pct(ratio));
}

// A change in percentage points; `higher_is_bad` picks the colour.
std::string DeltaCell(double delta, double p, bool higher_is_bad, double alpha = 0.05) {
  if (!std::isfinite(delta)) return "";
  const bool significant = std::isfinite(p) && p < alpha;
  std::string cls = "d-ns";
  if (significant && delta != 0) cls = (delta > 0) == higher_is_bad ? "d-up d-sig" : "d-down d-sig";
  const char* arrow = delta > 0 ? "\xE2\x96\xB2" : delta < 0 ? "\xE2\x96\xBC" : "\xC2\xB7";
  return absl::StrFormat("<span class=\"%s\">%s %+.1f pp</span><span class=\"ds-p\">%s</span>", cls,
                         arrow, delta * 100, PValue(p));
}

std::string CellKeyString(const std::string& checkpoint, const std::string& task,
                          const std::string& sampling) {
  return absl::StrCat(checkpoint, "\x1f", task, "\x1f", sampling);
}

// Rows in the report's order: grouped by (task, sampling), stages in order.
std::vector<const StageRow*> SortedRows(const StageReport& report) {
  std::vector<const StageRow*> rows;
  for (const auto& r : report.rows) rows.push_back(&r);
  return rows;
}

struct CheckpointAxis {
  std::vector<std::pair<int, std::string>> order;  // (stage, checkpoint)
  std::map<std::string, size_t> index;
  std::vector<XCategory> categories;
};

CheckpointAxis BuildCheckpointAxis(const StageReport& report) {
  std::set<std::tuple<int, int64_t, std::string, int>> seen;
  for (const auto& r : report.rows) {
    seen.emplace(StageRank(r.key.stage), r.key.checkpoint_step, r.key.checkpoint,
                 static_cast<int>(r.key.stage));
  }
  CheckpointAxis axis;
  for (const auto& [order, step, name, stage] : seen) {
    if (axis.index.count(name)) continue;
    axis.index[name] = axis.order.size();
    axis.order.emplace_back(stage, name);
    axis.categories.push_back({std::string(StageLabel(stage)), name});
  }
  return axis;
}

// ---------------------------------------------------------------- sections

void RenderCards(const StageReport& report, const CheckpointAxis& axis, std::string* out) {
  struct Pool {
    int64_t n = 0, doom = 0, scored_n = 0, correct = 0;
  };
  std::vector<Pool> pools(axis.order.size());
  for (const auto& r : report.rows) {
    Pool& p = pools[axis.index.at(r.key.checkpoint)];
    p.n += r.n;
    p.doom += r.doom_loops;
    if (r.has_accuracy) {
      p.scored_n += r.n;
      p.correct += r.correct;
    }
  }
  *out += "<div class=\"ds-cards\" id=\"ds-cards\">";
  for (size_t i = 0; i < axis.order.size(); ++i) {
    const Pool& p = pools[i];
    const double ratio = p.n > 0 ? static_cast<double>(p.doom) / static_cast<double>(p.n) : 0;
    absl::StrAppend(out, "<div class=\"ds-card\"><div class=\"ds-stage\">",
                    StageLabel(axis.order[i].first), "</div><div class=\"ds-ck\" title=\"",
                    Esc(axis.order[i].second), "\">", Esc(axis.order[i].second),
                    "</div><div class=\"ds-big ", Severity(ratio), "\">", Pct(ratio),
                    "</div><div class=\"ds-sub\">doom loops · ", p.doom, " of ", p.n);
    if (p.scored_n > 0) {
      absl::StrAppend(out, " · accuracy ",
                      Pct(static_cast<double>(p.correct) / static_cast<double>(p.scored_n)));
    }
    *out += "</div></div>";
  }
  *out += "</div>";
}

void RenderStageTable(const StageReport& report, std::string* out) {
  std::map<std::string, const Transition*> into;  // cell -> its change vs the previous stage
  for (const auto& t : report.transitions) {
    into[CellKeyString(t.to.checkpoint, t.to.task, t.to.sampling)] = &t;
  }
  *out +=
      "<section id=\"stages\"><h2>Stage comparison</h2>"
      "<p class=\"ds-note\"><b>Doom-loop ratio</b> = share of generations that exhausted their "
      "token budget while their output ended in ≥ 3 exact repeats of one unit covering ≥ 25% of "
      "the output, with its Wilson 95% interval (clustered by prompt when there are several "
      "rollouts). <b>Δ</b> = change vs the previous stage on the same prompts, in percentage "
      "points, with the paired (McNemar) p-value; bold when p &lt; 0.05. Recovered = a loop inside "
      "an output that still ended by itself.</p>"
      "<div class=\"ds-filters\"><label>Filter rows<input type=\"search\" id=\"ds-table-filter\" "
      "placeholder=\"checkpoint, task, stage…\"></label></div>"
      "<div class=\"ds-tablewrap\"><table class=\"ds-table\" id=\"ds-stage-table\"><thead><tr>"
      "<th>Stage</th><th>Checkpoint</th><th class=\"num\">n</th><th>Doom-loop ratio "
      "[95% CI]</th><th>Δ vs prev</th><th class=\"num\">Accuracy</th><th>Δ acc</th>"
      "<th class=\"num\">Cap hit</th><th class=\"num\">Recovered</th><th class=\"num\" "
      "title=\"some 30-token n-gram occurs 20 times or more\">N-gram</th><th class=\"num\">"
      "Early stop</th><th class=\"num\" title=\"share of the token budget spent inside doom "
      "loops\">Wasted</th></tr></thead>";
  std::string group;
  bool open_body = false;
  for (const StageRow* r : SortedRows(report)) {
    const std::string g = absl::StrCat(r->key.task, " · ", r->key.sampling);
    if (g != group || !open_body) {
      if (open_body) *out += "</tbody>";
      absl::StrAppend(out, "<tbody><tr class=\"ds-group\"><td colspan=\"12\">", Esc(r->key.task),
                      " <span class=\"ds-ci\">·</span> ", Esc(r->key.sampling), "</td></tr>");
      group = g;
      open_body = true;
    }
    const auto it = into.find(CellKeyString(r->key.checkpoint, r->key.task, r->key.sampling));
    const Transition* t = it == into.end() ? nullptr : it->second;
    absl::StrAppend(
        out, "<tr class=\"ds-row stage-row\" data-checkpoint=\"", Esc(r->key.checkpoint),
        "\" data-stage=\"", StageLabel(r->key.stage), "\" data-task=\"", Esc(r->key.task),
        "\" data-sampling=\"", Esc(r->key.sampling), "\" data-ratio=\"",
        absl::StrFormat("%.6f", r->doom_loop_ratio), "\"><td>", StagePill(r->key.stage),
        "</td><td><a class=\"ds-cell-link\" href=\"#samples\" title=\"show these samples\" "
        "data-checkpoint=\"", Esc(r->key.checkpoint), "\" data-task=\"", Esc(r->key.task),
        "\" data-sampling=\"", Esc(r->key.sampling), "\">", Esc(r->key.checkpoint),
        "</a></td><td class=\"num\">", r->n, "</td><td>",
        RatioCell(r->doom_loop_ratio), " <span class=\"ds-ci\">[", Pct(r->ci_low), ", ",
        Pct(r->ci_high), "]</span></td><td>",
        t ? DeltaCell(t->doom_loop_delta, t->mcnemar_p, /*higher_is_bad=*/true) : "", "</td>");
    if (r->has_accuracy) {
      absl::StrAppend(out, "<td class=\"num\" title=\"95% CI [", Pct(r->acc_ci_low), ", ",
                      Pct(r->acc_ci_high), "]\">", Pct(r->accuracy), "</td><td>",
                      t && t->has_accuracy
                          ? DeltaCell(t->accuracy_delta, t->accuracy_p, /*higher_is_bad=*/false)
                          : "",
                      "</td>");
    } else {
      *out += "<td class=\"num ds-ci\">n/a</td><td></td>";
    }
    absl::StrAppend(out, "<td class=\"num\">", Pct(r->cap_hit_rate), "</td><td class=\"num\">",
                    Pct(r->recovered_rate), "</td><td class=\"num\">", Pct(r->ngram_loop_rate),
                    "</td><td class=\"num\">", Pct(r->early_stop_rate), "</td><td class=\"num\">",
                    Pct(r->wasted_token_share), "</td></tr>");
  }
  if (open_body) *out += "</tbody>";
  *out += "</table></div></section>";
}

std::vector<LineSeries> RatioSeries(const StageReport& report, const CheckpointAxis& axis,
                                    bool accuracy) {
  std::map<std::pair<std::string, std::string>, size_t> index;
  std::vector<LineSeries> series;
  for (const StageRow* r : SortedRows(report)) {
    if (accuracy && !r->has_accuracy) continue;
    const auto key = std::make_pair(r->key.task, r->key.sampling);
    auto [it, inserted] = index.emplace(key, series.size());
    if (inserted) {
      LineSeries s;
      s.name = absl::StrCat(r->key.task, " · ", r->key.sampling);
      s.color = PaletteColor(series.size());
      s.y.assign(axis.order.size(), std::nullopt);
      s.low.assign(axis.order.size(), 0);
      s.high.assign(axis.order.size(), 0);
      series.push_back(std::move(s));
    }
    LineSeries& s = series[it->second];
    const size_t x = axis.index.at(r->key.checkpoint);
    s.y[x] = accuracy ? r->accuracy : r->doom_loop_ratio;
    s.low[x] = accuracy ? r->acc_ci_low : r->ci_low;
    s.high[x] = accuracy ? r->acc_ci_high : r->ci_high;
  }
  return series;
}

void RenderCharts(const StageReport& report, const CheckpointAxis& axis,
                  const std::vector<SampleRecord>& records, std::string* out) {
  *out += "<section id=\"charts\"><h2>Charts</h2><div class=\"ds-charts\">";
  auto figure = [&](const std::string& svg, const std::string& caption) {
    absl::StrAppend(out, "<figure class=\"ds-fig\">", svg, "<figcaption>", caption,
                    "</figcaption></figure>");
  };
  LineChartSpec ratio;
  ratio.title = "Doom-loop ratio per stage";
  ratio.y_label = "doom-loop ratio";
  ratio.x = axis.categories;
  ratio.series = RatioSeries(report, axis, false);
  figure(RenderLineChart(ratio),
         "One line per task · sampling config; bars are Wilson 95% intervals.");

  LineChartSpec acc = ratio;
  acc.title = "Task accuracy per stage";
  acc.y_label = "accuracy";
  acc.series = RatioSeries(report, axis, true);
  if (!acc.series.empty()) figure(RenderLineChart(acc), "Scored tasks only; 95% intervals.");

  // Loop periods (log2 bins) and onsets (share of the output), stacked by stage.
  const std::vector<std::string> period_bins = {"1",  "2",   "4",   "8",   "16",   "32",
                                                "64", "128", "256", "512", "≥1024"};
  std::map<int, std::vector<double>> periods, onsets;
  for (const auto& r : records) {
    const TailFindings& t = r.findings().tail();
    if (!t.periodic() || t.period_units() <= 0) continue;
    const int stage = r.stage();
    auto& p = periods[stage];
    auto& o = onsets[stage];
    p.resize(period_bins.size());
    o.resize(10);
    const int bin = std::min<int>(static_cast<int>(period_bins.size()) - 1,
                                  static_cast<int>(std::floor(std::log2(
                                      static_cast<double>(t.period_units())))));
    p[bin] += 1;
    o[std::clamp(static_cast<int>(t.onset_frac() * 10), 0, 9)] += 1;
  }
  auto stage_series = [&](const std::map<int, std::vector<double>>& counts) {
    std::vector<std::pair<int, int>> stages;
    for (const auto& [stage, v] : counts) stages.emplace_back(StageRank(stage), stage);
    std::sort(stages.begin(), stages.end());
    std::vector<BarSeries> series;
    for (const auto& [order, stage] : stages) {
      series.push_back({std::string(StageLabel(stage)), StageColor(stage), counts.at(stage)});
    }
    return series;
  };
  if (!periods.empty()) {
    BarChartSpec hist;
    hist.title = "Loop periods";
    hist.y_label = "samples";
    hist.stacked = true;
    for (const auto& b : period_bins) hist.x.push_back({b, ""});
    hist.series = stage_series(periods);
    figure(RenderBarChart(hist),
           "Period of the repeated unit (tokens or characters, the detector's level; bins of "
           "2<sup>k</sup>…2<sup>k+1</sup>−1) of every output that ends in a loop, by stage.");
    BarChartSpec onset;
    onset.title = "Loop onsets";
    onset.y_label = "samples";
    onset.stacked = true;
    for (int k = 0; k < 10; ++k) onset.x.push_back({absl::StrCat(k * 10, "%"), ""});
    onset.series = stage_series(onsets);
    figure(RenderBarChart(onset),
           "Where the loop starts, as a share of the output (bins of 10%); early onsets waste the "
           "most.");
  }

  // Finish reasons per checkpoint.
  ShareBarsSpec fin;
  fin.title = "Finish reasons";
  fin.categories = {"eos", "stop", "length (cap)", "loop (early stop)", "error"};
  fin.colors = {"#2fa36b", "#7fc8a0", "#c8324a", "#e39b2d", "#5f6b7a"};
  fin.counts.assign(axis.order.size(), std::vector<double>(5, 0));
  for (const auto& [stage, name] : axis.order) {
    fin.rows.push_back(absl::StrCat(StageLabel(stage), " · ", name));
  }
  for (const auto& r : records) {
    auto it = axis.index.find(r.checkpoint());
    if (it == axis.index.end()) continue;
    const int reason = r.finish_reason() != FINISH_REASON_UNSPECIFIED ? r.finish_reason()
                                                                       : r.findings().finish_reason();
    if (reason >= EOS && reason <= ERROR) fin.counts[it->second][reason - EOS] += 1;
  }
  figure(RenderShareBars(fin), "Share of samples per finish reason and checkpoint.");

  BarChartSpec waste;
  waste.title = "Wasted-token share";
  waste.y_label = "share of token budget";
  waste.percent = true;
  waste.x = axis.categories;
  for (const auto& s : ratio.series) {
    waste.series.push_back({s.name, s.color, std::vector<double>(axis.order.size(), 0)});
  }
  for (const auto& r : report.rows) {
    const std::string name = absl::StrCat(r.key.task, " · ", r.key.sampling);
    for (auto& s : waste.series) {
      if (s.name == name) s.values[axis.index.at(r.key.checkpoint)] = r.wasted_token_share;
    }
  }
  figure(RenderBarChart(waste),
         "Σ over doom loops of (budget − onset) / total budget: the decode spent inside loops.");
  *out += "</div></section>";
}

// The first few looping samples as static HTML, for readers without
// JavaScript; the script replaces them with the full browser.
void RenderStaticSamples(const std::vector<SampleRecord>& records, const CompactionLimits& limits,
                         std::string* out) {
  int shown = 0;
  for (const auto& r : records) {
    if (shown >= 5) break;
    if (ClassifyVerdict(r.findings()) != VerdictClass::kDoomLoop) continue;
    const LoopSpan span = LocateTailLoop(r.text(), r.findings());
    if (span.mapping == LoopMapping::kNone) continue;
    ++shown;
    const std::string_view text = r.text();
    const std::string_view pre = Utf8SafeSuffix(text.substr(0, span.onset), limits.max_prefix_bytes);
    const std::string_view unit =
        Utf8SafePrefix(text.substr(span.onset, span.unit_end - span.onset), limits.max_unit_bytes);
    absl::StrAppend(out, "<article class=\"ds-sample v-doom_loop\"><div class=\"ds-shead\">"
                         "<span class=\"ds-badge b-doom_loop\">doom loop</span>",
                    StagePill(r.stage()), "<b>", Esc(r.checkpoint()), "</b><span>", Esc(r.task()),
                    " · ", Esc(r.sampling()), "</span><span class=\"ds-id\">", Esc(r.item_id()),
                    "</span></div><div class=\"ds-text\">", Esc(pre),
                    "<span class=\"ds-onset\">▼ loop onset</span><mark class=\"ds-unit\">",
                    Esc(unit), "</mark><span class=\"ds-copies\">× ",
                    absl::StrFormat("%.2f", r.findings().tail().repeats()),
                    " copies</span></div></article>");
  }
  if (shown == 0) *out += "<p class=\"ds-empty\">No doom loops in these records.</p>";
}

void RenderSampleBrowser(const std::vector<SampleRecord>& records, const CompactionLimits& limits,
                         int64_t kept, std::string* out) {
  const int64_t cells = [&] {
    std::set<std::string> keys;
    for (const auto& r : records) keys.insert(CellKeyString(r.checkpoint(), r.task(), r.sampling()));
    return static_cast<int64_t>(keys.size());
  }();
  absl::StrAppend(
      out, "<section id=\"samples\"><h2>Samples</h2><p class=\"ds-note\">",
      records.size(), " samples in ", cells,
      " cells. To keep this file small, text is kept for at most ", limits.text_samples_per_cell,
      " samples per (checkpoint, task, sampling) cell (", kept,
      " in all, chosen across verdicts); the others show their findings only. Looped outputs "
      "are compacted to the text before the loop, one copy of the repeated unit "
      "(highlighted) and the number of copies; long prompts and outputs keep their head and "
      "tail. <code>doomscope serve</code> shows every sample in full.</p>"
      "<div id=\"ds-browser\"><p class=\"ds-note\">Without JavaScript: the first doom loops.</p>");
  RenderStaticSamples(records, limits, out);
  *out += "</div></section>";
}

// ---------------------------------------------------------------- run vs run

struct Cell {
  CellKey key;
  std::vector<const SampleRecord*> records;
};

std::map<std::string, Cell> CellsOf(const std::vector<SampleRecord>& records) {
  std::map<std::string, Cell> cells;
  for (const auto& r : records) {
    Cell& c = cells[CellKeyString(r.checkpoint(), r.task(), r.sampling())];
    if (c.records.empty()) {
      c.key = CellKey{r.checkpoint(), r.stage(), r.task(), r.sampling(), r.checkpoint_step()};
    }
    c.records.push_back(&r);
  }
  return cells;
}

// The baseline cell a candidate cell is compared with: the same checkpoint,
// else the only baseline checkpoint of the same stage, else the only one.
const Cell* Counterpart(const Cell& cand, const std::map<std::string, Cell>& base) {
  auto same = base.find(CellKeyString(cand.key.checkpoint, cand.key.task, cand.key.sampling));
  if (same != base.end()) return &same->second;
  const Cell* by_stage = nullptr;
  const Cell* only = nullptr;
  int stage_matches = 0, matches = 0;
  for (const auto& [key, b] : base) {
    if (b.key.task != cand.key.task || b.key.sampling != cand.key.sampling) continue;
    ++matches;
    only = &b;
    if (b.key.stage == cand.key.stage) {
      ++stage_matches;
      by_stage = &b;
    }
  }
  if (stage_matches == 1) return by_stage;
  if (matches == 1) return only;
  return nullptr;
}

void RenderRunVsRun(const DashboardRun& base, const DashboardRun& cand, std::string* out) {
  const auto base_cells = CellsOf(base.records);
  const auto cand_cells = CellsOf(cand.records);
  absl::StrAppend(
      out, "<h3>", Esc(cand.label), " <span class=\"ds-ci\">vs baseline</span> ", Esc(base.label),
      "</h3><p class=\"ds-note\">Cells are matched by checkpoint, else by stage, else the only "
      "checkpoint of the task · sampling config; samples are paired by item and rollout. Newly "
      "looping = not a doom loop in the baseline, a doom loop in the candidate; recovered = the "
      "reverse. Δ and p (exact McNemar) are over the paired samples.</p>"
      "<div class=\"ds-tablewrap\"><table class=\"ds-table ds-compare\" id=\"ds-compare-table\">"
      "<thead><tr><th>Task · sampling</th><th>Baseline</th><th>Candidate</th><th>Baseline ratio"
      "</th><th>Candidate ratio</th><th>Δ (paired)</th><th class=\"num\">Paired</th>"
      "<th class=\"num\">Newly looping</th><th class=\"num\">Recovered</th>"
      "<th class=\"num\">Accuracy</th><th>Δ acc</th></tr></thead><tbody>");
  int rows = 0;
  for (const auto& [key, c] : cand_cells) {
    const Cell* b = Counterpart(c, base_cells);
    if (b == nullptr) continue;
    ++rows;
    const StageRow rb = ComputeRow(b->key, b->records);
    const StageRow rc = ComputeRow(c.key, c.records);
    const Transition t = ComparePaired(b->key, b->records, c.key, c.records);
    absl::StrAppend(
        out, "<tr class=\"ds-row compare-row\" data-task=\"", Esc(c.key.task),
        "\" data-sampling=\"", Esc(c.key.sampling), "\" data-newly=\"", t.newly_looping,
        "\" data-recovered=\"", t.recovered, "\"><td>", Esc(c.key.task), " · ",
        Esc(c.key.sampling), "</td><td>", StagePill(b->key.stage), " ", Esc(b->key.checkpoint),
        "</td><td>", StagePill(c.key.stage), " ", Esc(c.key.checkpoint), "</td><td>",
        RatioCell(rb.doom_loop_ratio), " <span class=\"ds-ci\">[", Pct(rb.ci_low), ", ",
        Pct(rb.ci_high), "]</span></td><td>", RatioCell(rc.doom_loop_ratio),
        " <span class=\"ds-ci\">[", Pct(rc.ci_low), ", ", Pct(rc.ci_high), "]</span></td><td>",
        t.n_paired > 0 ? DeltaCell(t.doom_loop_delta, t.mcnemar_p, true) : "", "</td><td class=\"num\">",
        t.n_paired, "</td><td class=\"num\">", t.newly_looping, "</td><td class=\"num\">",
        t.recovered, "</td>");
    if (rb.has_accuracy && rc.has_accuracy) {
      absl::StrAppend(out, "<td class=\"num\">", Pct(rb.accuracy), " → ", Pct(rc.accuracy),
                      "</td><td>",
                      t.has_accuracy ? DeltaCell(t.accuracy_delta, t.accuracy_p, false) : "",
                      "</td></tr>");
    } else {
      *out += "<td class=\"num ds-ci\">n/a</td><td></td></tr>";
    }
  }
  if (rows == 0) {
    *out += "<tr><td colspan=\"11\" class=\"ds-empty\">No cells in common.</td></tr>";
  }
  *out += "</tbody></table></div>";
}

int64_t TotalErrored(const std::vector<ErrorCell>& cells) {
  int64_t n = 0;
  for (const ErrorCell& c : cells) n += c.errored;
  return n;
}

// Samples the backend failed: counted here only, never in a ratio or chart.
void RenderErrorsSection(const std::vector<ErrorCell>& cells, std::string* out) {
  if (cells.empty()) return;
  absl::StrAppend(out, "<section id=\"errors\"><h2>Errored samples</h2><p class=\"ds-note\">", TotalErrored(cells),
                  " samples could not be generated: the backend failed on them after its retries. They are in no "
                  "ratio, score, chart or gate cell; the next resume of the run retries them.</p>"
                  "<div class=\"ds-tablewrap\"><table class=\"ds-table\" id=\"ds-errors-table\"><thead><tr>"
                  "<th>Checkpoint</th><th>Task</th><th class=\"num\">Errored</th><th>Classes</th><th>Example</th>"
                  "</tr></thead><tbody>");
  for (const ErrorCell& c : cells) {
    std::string classes;
    for (const auto& [name, n] : c.by_class) absl::StrAppend(&classes, classes.empty() ? "" : ", ", name, " ", n);
    absl::StrAppend(out, "<tr><td>", Esc(c.checkpoint), "</td><td>", Esc(c.task), "</td><td class=\"num\">",
                    c.errored, "</td><td>", Esc(classes), "</td><td><code>", Esc(c.example), "</code></td></tr>");
  }
  *out += "</tbody></table></div></section>";
}

}  // namespace

std::string RenderDashboardHtml(const std::vector<DashboardRun>& runs,
                                const DashboardOptions& options) {
  static const DashboardRun kEmpty;
  const DashboardRun& run = runs.empty() ? kEmpty : runs.front();
  const StageReport report = BuildStageReport(run.records);
  const CheckpointAxis axis = BuildCheckpointAxis(report);
  CompactionLimits limits;
  limits.text_samples_per_cell = options.text_samples_per_cell;
  const json::Value blob = BuildSampleBlob(run.records, limits);

  std::set<std::string> tasks, samplings;
  std::string detector_version;
  for (const auto& r : run.records) {
    tasks.insert(r.task());
    samplings.insert(r.sampling());
    if (detector_version.empty()) detector_version = r.findings().detector_version();
  }

  std::string out;
  out.reserve(1 << 20);
  absl::StrAppend(&out, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                        "<meta name=\"generator\" content=\"doomscope\"><title>",
                  Esc(options.title), " — ", Esc(run.label), "</title><style>", std::string(DashboardCss()),
                  "</style></head><body");
  if (options.live) absl::StrAppend(&out, " data-live-ms=\"", options.live_poll_ms, "\"");
  absl::StrAppend(&out, "><header class=\"ds-top\"><h1>doomscope <span>",
                  options.live ? "live" : "report", "</span>",
                  options.live ? "<span class=\"ds-live\" id=\"ds-live\">● live</span>" : "",
                  "</h1><div class=\"ds-meta\">run <code>", Esc(run.label), "</code> · ",
                  run.records.size(), " samples · ", axis.order.size(), " checkpoints · ",
                  tasks.size(), " tasks · ", samplings.size(), " sampling configs");
  if (!detector_version.empty()) {
    absl::StrAppend(&out, " · detectors <code>", Esc(detector_version), "</code>");
  }
  absl::StrAppend(&out, " · generated ",
                  absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::Now(), absl::UTCTimeZone()),
                  "</div></header><nav class=\"ds-nav\"><a href=\"#stages\">Stages</a>"
                  "<a href=\"#charts\">Charts</a><a href=\"#samples\">Samples</a>");
  if (!run.errors.empty()) out += "<a href=\"#errors\">Errors</a>";
  if (run.jury.is_object()) out += "<a href=\"#jury\">Jury</a>";
  if (runs.size() > 1) out += "<a href=\"#compare\">Run vs run</a>";
  out += "</nav><main>";
  for (const auto& r : runs) {
    for (const auto& w : r.warnings) {
      absl::StrAppend(&out, "<div class=\"ds-warn\">", Esc(r.label), ": ", Esc(w), "</div>");
    }
  }
  if (run.records.empty()) {
    out += "<div class=\"ds-warn\">No records yet.</div>";
  }
  if (!run.errors.empty()) {
    absl::StrAppend(&out, "<div class=\"ds-warn\">", TotalErrored(run.errors),
                    " samples errored and are not counted (<a href=\"#errors\">Errored samples</a>).</div>");
  }
  RenderCards(report, axis, &out);
  RenderStageTable(report, &out);
  RenderCharts(report, axis, run.records, &out);
  RenderSampleBrowser(run.records, limits, blob.Find("kept")->as_int(), &out);
  RenderErrorsSection(run.errors, &out);
  RenderJurySection(run.jury, run.jury_coverage, &out);
  if (runs.size() > 1) {
    out += "<section id=\"compare\"><h2>Run vs run</h2>";
    for (size_t i = 1; i < runs.size(); ++i) RenderRunVsRun(runs[0], runs[i], &out);
    out += "</section>";
  }
  out += "</main><footer>Made by doomscope. Self-contained: no network access. Tables and charts "
         "are static HTML/SVG; the script only adds filtering and paging.</footer>"
         "<script type=\"application/json\" id=\"ds-data\">";
  out += EscapeJsonForScript(json::Serialize(blob));
  out += "</script><script>";
  out += DashboardJs();
  out += "</script></body></html>\n";
  return out;
}

absl::StatusOr<DashboardRun> LoadDashboardRun(const std::string& dir, std::vector<SampleRecord> records,
                                              std::vector<std::string> warnings) {
  DashboardRun run;
  run.label = dir;
  run.records = std::move(records);
  run.warnings = std::move(warnings);
  run.jury = ReadJuryReport(dir);
  absl::StatusOr<JuryCoverage> coverage = CheckJuryCoverage(dir, run.records, run.jury);
  if (!coverage.ok()) return coverage.status();
  run.jury_coverage = *coverage;
  absl::StatusOr<StoredErrors> errors = LoadSampleErrors(dir, run.records);
  if (!errors.ok()) return errors.status();
  for (std::string& w : errors->warnings) run.warnings.push_back(std::move(w));
  run.errors = TallyErrors(errors->errors);
  return run;
}

absl::Status WriteHtmlReport(const std::vector<std::string>& dirs, const std::string& path) {
  if (dirs.empty()) return absl::InvalidArgumentError("report --html: no results folder given");
  std::vector<DashboardRun> runs;
  for (const auto& dir : dirs) {
    absl::StatusOr<RunContents> contents = LoadRunDir(dir, ReadMode::kSalvage);
    if (!contents.ok()) return contents.status();
    absl::StatusOr<DashboardRun> run =
        LoadDashboardRun(dir, std::move(contents->records), std::move(contents->warnings));
    if (!run.ok()) return run.status();
    runs.push_back(*std::move(run));
  }
  const std::string html = RenderDashboardHtml(runs, DashboardOptions{});
  absl::Status st = json::WriteFileAtomically(path, html);
  if (!st.ok()) {
    return absl::Status(st.code(), absl::StrCat("writing ", path, ": ", st.message()));
  }
  return absl::OkStatus();
}

}  // namespace doomscope::results
