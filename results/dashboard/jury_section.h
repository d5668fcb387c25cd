// The dashboard's jury section: what the last jury pass over the folder
// reported (DIR/jury/report.json, written by `doomscope judge` and by runs
// whose suite has a jury): per-judge votes, abstentions and mean scores,
// Krippendorff's alpha across the judges, each judge's agreement with the
// task score, and the mean aggregate per checkpoint; and whether that report
// still covers the folder's samples (results/jury_coverage.h).
#ifndef DOOMSCOPE_RESULTS_DASHBOARD_JURY_SECTION_H_
#define DOOMSCOPE_RESULTS_DASHBOARD_JURY_SECTION_H_

#include <string>

#include "results/json/json.h"
#include "results/jury_coverage.h"

namespace doomscope::results {

// Appends <section id="jury"> for `report` (nothing when it is not an object),
// led by a warning when `coverage` says samples were stored after the report
// ("jury covers N of M samples — run `doomscope judge DIR` to update").
void RenderJurySection(const json::Value& report, const JuryCoverage& coverage, std::string* out);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DASHBOARD_JURY_SECTION_H_
