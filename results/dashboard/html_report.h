// The self-contained HTML dashboard (`doomscope report DIR... --html FILE`,
// and the page `doomscope serve` returns).
//
// One file, no network: CSS, JavaScript and SVG are inline. Everything a
// reviewer must read (the stage table, the charts, run vs run) is rendered
// here in C++, so the page reads fine with JavaScript off; the script only
// enhances (sample browser filtering and paging, toggles, live refresh).
//
// Sample data travels as one JSON blob in <script type="application/json">
// and is rendered lazily a page at a time. To keep 100,000-sample runs small
// (< 25 MB), looped outputs are compacted to onset + one copy + a count, and
// text is kept only for a bounded number of samples per cell (see
// results/sample_compaction.h); the page says so.
#ifndef DOOMSCOPE_RESULTS_DASHBOARD_HTML_REPORT_H_
#define DOOMSCOPE_RESULTS_DASHBOARD_HTML_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "results/json/json.h"
#include "results/jury_coverage.h"
#include "results/proto/record.pb.h"
#include "results/sample_errors.h"

namespace doomscope::results {

// One run folder's records, as the dashboard sees them.
struct DashboardRun {
  std::string label;  // shown in the page (the folder path)
  std::vector<SampleRecord> records;
  std::vector<std::string> warnings;  // e.g. a torn record file tail that was dropped
  json::Value jury = {};  // DIR/jury/report.json when the folder was judged (jury_section.h)
  // Whether `jury` still covers `records` (results/jury_coverage.h): the jury
  // section says so when samples were stored after the last jury pass.
  JuryCoverage jury_coverage = {};
  // Samples the backend failed, per (checkpoint, task) (results/sample_errors.h):
  // in no chart or ratio, listed in a section of their own.
  std::vector<ErrorCell> errors = {};
};

// DIR as the dashboard shows it: `records` and `warnings` as LoadRunDir gave
// them, plus the jury report, its coverage and the errored samples read from
// DIR. Errors name the file that could not be read.
absl::StatusOr<DashboardRun> LoadDashboardRun(const std::string& dir, std::vector<SampleRecord> records,
                                              std::vector<std::string> warnings);

struct DashboardOptions {
  std::string title = "doomscope report";
  // Samples per (checkpoint, task, sampling) cell whose text is kept, split
  // between looping and non-looping samples; the rest keep metadata only.
  int text_samples_per_cell = 24;
  // `serve` mode: the script polls `/api/summary` and reloads on change.
  bool live = false;
  int live_poll_ms = 3000;
};

// Renders the dashboard for `runs` (the first is the report's subject; with
// two or more runs, each later run is also compared against the first).
std::string RenderDashboardHtml(const std::vector<DashboardRun>& runs,
                                const DashboardOptions& options);

// Loads each results folder (LoadRunDir) and writes the dashboard to `path`
// atomically. Errors name the folder or file that failed.
absl::Status WriteHtmlReport(const std::vector<std::string>& dirs, const std::string& path);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DASHBOARD_HTML_REPORT_H_
