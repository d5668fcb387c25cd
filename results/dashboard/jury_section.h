// The dashboard's jury section: what the last jury pass over the folder
// reported (DIR/jury/report.json, written by `doomscope judge` and by runs
// whose suite has a jury): per-judge votes, abstentions and mean scores,
// Krippendorff's alpha across the judges, each judge's agreement with the
// task score, and the mean aggregate per checkpoint.
#ifndef DOOMSCOPE_RESULTS_DASHBOARD_JURY_SECTION_H_
#define DOOMSCOPE_RESULTS_DASHBOARD_JURY_SECTION_H_

#include <string>

#include "results/json/json.h"

namespace doomscope::results {

// Appends <section id="jury"> for `report` (nothing when it is not an object).
void RenderJurySection(const json::Value& report, std::string* out);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DASHBOARD_JURY_SECTION_H_
