// The dashboard's inline stylesheet and script (no frameworks, no network).
//
// The script only enhances server-rendered HTML: it reads the sample blob
// from <script type="application/json" id="ds-data">, renders the sample
// browser a page at a time (building DOM nodes with textContent, never
// parsing sample text as HTML), filters the stage table, and in live mode
// polls /api/summary and reloads the page when the records change.
#ifndef DOOMSCOPE_RESULTS_DASHBOARD_DASHBOARD_ASSETS_H_
#define DOOMSCOPE_RESULTS_DASHBOARD_DASHBOARD_ASSETS_H_

#include <string_view>

namespace doomscope::results {

std::string_view DashboardCss();
std::string_view DashboardJs();

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DASHBOARD_DASHBOARD_ASSETS_H_
