#include "runners/run_table.h"

#include <map>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "detectors/wilson.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "results/run_dir.h"

namespace doomscope {

std::vector<RunTableRow> BuildRunTable(const std::vector<SampleRecord>& records) {
  // First-seen order of names keeps the table in suite order.
  absl::flat_hash_map<std::string, int> order;
  auto rank = [&](const std::string& key) { return order.emplace(key, static_cast<int>(order.size())).first->second; };
  struct Cell {
    RunTableRow row;
    std::map<std::string, ClusterCount> by_item;
    double tokens = 0, rep4 = 0, score = 0;
    int64_t capped = 0, early = 0, stopped = 0;
  };
  std::map<std::tuple<int, int, int, int>, Cell> cells;
  for (const SampleRecord& r : records) {
    auto key = std::make_tuple(static_cast<int>(r.stage()), rank("c:" + r.checkpoint()), rank("t:" + r.task()),
                               rank("s:" + r.sampling()));
    Cell& cell = cells[key];
    cell.row.checkpoint = r.checkpoint();
    cell.row.stage = r.stage();
    cell.row.task = r.task();
    cell.row.sampling = r.sampling();
    ++cell.row.n;
    const DetectorFindings& f = r.findings();
    bool doom = f.verdict().doom_loop();
    cell.row.doom_loops += doom;
    ClusterCount& cluster = cell.by_item[r.item_id()];
    ++cluster.n;
    cluster.successes += doom;
    cell.capped += f.capped();
    cell.early += f.early_stopped();
    cell.stopped += r.finish_reason() == STOP || r.finish_reason() == EOS;
    cell.tokens += static_cast<double>(f.n_generated_tokens());
    cell.rep4 += f.ngram().seq_rep_4();
    if (r.score().scored()) {
      ++cell.row.scored;
      cell.score += r.score().score();
    }
  }
  std::vector<RunTableRow> rows;
  for (auto& [key, cell] : cells) {
    RunTableRow row = cell.row;
    double n = static_cast<double>(row.n);
    row.doom_loop_ratio = row.doom_loops / n;
    std::vector<ClusterCount> clusters;
    for (const auto& [item, count] : cell.by_item) clusters.push_back(count);
    Interval ci = ClusteredWilsonInterval(clusters);
    row.ci_low = ci.lo;
    row.ci_high = ci.hi;
    row.cap_hit_rate = cell.capped / n;
    row.early_stop_rate = cell.early / n;
    row.stop_rate = cell.stopped / n;
    row.mean_new_tokens = cell.tokens / n;
    row.mean_seq_rep_4 = cell.rep4 / n;
    row.accuracy = row.scored > 0 ? cell.score / static_cast<double>(row.scored) : 0;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string FormatRunTable(const std::vector<RunTableRow>& rows) {
  std::string out = absl::StrFormat("%-12s %-8s %-12s %-10s %6s %6s %7s %17s %6s %6s %6s %7s %6s\n", "checkpoint",
                                    "stage", "task", "sampling", "n", "doom", "ratio", "95% CI", "cap", "early",
                                    "stop", "tokens", "rep4");
  for (const RunTableRow& r : rows) {
    absl::StrAppend(&out, absl::StrFormat("%-12s %-8s %-12s %-10s %6d %6d %7.4f [%6.4f, %6.4f] %6.3f %6.3f %6.3f "
                                          "%7.1f %6.3f",
                                          r.checkpoint, Stage_Name(r.stage), r.task, r.sampling, r.n, r.doom_loops,
                                          r.doom_loop_ratio, r.ci_low, r.ci_high, r.cap_hit_rate, r.early_stop_rate,
                                          r.stop_rate, r.mean_new_tokens, r.mean_seq_rep_4));
    if (r.scored > 0) absl::StrAppend(&out, absl::StrFormat(" acc %.4f", r.accuracy));
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string RunTableJson(const std::vector<RunTableRow>& rows) {
  json::Array out_rows;
  for (const RunTableRow& r : rows) {
    json::Value v;
    v.Set("checkpoint", r.checkpoint);
    v.Set("stage", Stage_Name(r.stage));
    v.Set("task", r.task);
    v.Set("sampling", r.sampling);
    v.Set("n", r.n);
    v.Set("doom_loops", r.doom_loops);
    v.Set("doom_loop_ratio", r.doom_loop_ratio);
    v.Set("ci_low", r.ci_low);
    v.Set("ci_high", r.ci_high);
    v.Set("cap_hit_rate", r.cap_hit_rate);
    v.Set("early_stop_rate", r.early_stop_rate);
    v.Set("stop_rate", r.stop_rate);
    v.Set("mean_new_tokens", r.mean_new_tokens);
    v.Set("mean_seq_rep_4", r.mean_seq_rep_4);
    if (r.scored > 0) v.Set("accuracy", r.accuracy);
    out_rows.push_back(std::move(v));
  }
  json::Value root;
  root.Set("rows", json::Value(std::move(out_rows)));
  return json::Serialize(root) + "\n";
}

absl::StatusOr<std::string> WriteRunSummary(const std::string& dir) {
  absl::StatusOr<results::RunContents> contents = results::LoadRunDir(dir);
  if (!contents.ok()) return contents.status();
  std::vector<RunTableRow> rows = BuildRunTable(contents->records);
  if (absl::Status s = json::WriteFileAtomically(results::SummaryPath(dir), RunTableJson(rows)); !s.ok()) return s;
  return FormatRunTable(rows);
}

}  // namespace doomscope
