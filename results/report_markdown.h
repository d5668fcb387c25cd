// Human-readable stage reports: Markdown (`report --markdown`, PR comments)
// and a fixed-width text table for the terminal (`doomscope report`).
#ifndef DOOMSCOPE_RESULTS_REPORT_MARKDOWN_H_
#define DOOMSCOPE_RESULTS_REPORT_MARKDOWN_H_

#include <span>
#include <string>

#include "results/stage_report.h"

namespace doomscope::results {

// One table per (task, sampling) with a row per checkpoint in stage order,
// then a transitions table. Cells are escaped ('|' and newlines).
std::string StageReportToMarkdown(const StageReport& report);

// Fixed-width columns, one block per (task, sampling), transitions indented
// under the checkpoint they lead to.
std::string StageReportToText(const StageReport& report);

// Errored samples (StageReport.errors) as a Markdown section or a text
// block; "" when there are none. Both renderers above end with them.
std::string ErrorsToMarkdown(std::span<const ErrorCell> cells);
std::string ErrorsToText(std::span<const ErrorCell> cells);

// "12.5%" style percentage with one decimal.
std::string Percent(double fraction);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_REPORT_MARKDOWN_H_
