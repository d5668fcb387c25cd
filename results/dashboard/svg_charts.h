// Small inline SVG charts for the dashboard: no script, no external fonts,
// styled by the page's CSS classes (ds-*) so they print and read with
// JavaScript off. Each chart carries its own legend and a <title> on every
// mark (the browser's native tooltip gives exact values).
#ifndef DOOMSCOPE_RESULTS_DASHBOARD_SVG_CHARTS_H_
#define DOOMSCOPE_RESULTS_DASHBOARD_SVG_CHARTS_H_

#include <optional>
#include <string>
#include <vector>

namespace doomscope::results {

// A categorical palette that stays distinguishable for common colour-vision
// deficiencies (Okabe–Ito order, then darker variants).
const std::string& PaletteColor(size_t index);

struct XCategory {
  std::string label;     // first line (e.g. the stage)
  std::string sublabel;  // second line (e.g. the checkpoint), may be empty
};

struct LineSeries {
  std::string name;
  std::string color;
  std::vector<std::optional<double>> y;  // one per x category; nullopt = no point
  // Optional interval bars, same length as y when present.
  std::vector<double> low, high;
};

struct LineChartSpec {
  std::string title;
  std::string y_label;
  bool percent = true;  // y values are shares in [0, 1], printed as %
  std::vector<XCategory> x;
  std::vector<LineSeries> series;
  int width = 640;
  int height = 320;
};

// Lines over ordered categories, with interval whiskers where given.
std::string RenderLineChart(const LineChartSpec& spec);

struct BarSeries {
  std::string name;
  std::string color;
  std::vector<double> values;  // one per x category
};

struct BarChartSpec {
  std::string title;
  std::string y_label;
  bool percent = false;  // values are shares in [0, 1]
  bool stacked = false;  // stacked, else grouped side by side
  std::vector<XCategory> x;
  std::vector<BarSeries> series;
  int width = 640;
  int height = 300;
};

// Vertical bars per category, grouped or stacked, with a legend.
std::string RenderBarChart(const BarChartSpec& spec);

struct ShareBarsSpec {
  std::string title;
  std::vector<std::string> rows;                // one horizontal bar per row
  std::vector<std::string> categories;          // stacked parts, in order
  std::vector<std::string> colors;              // one per category
  std::vector<std::vector<double>> counts;      // [row][category]
  int width = 640;
};

// Horizontal 100% stacked bars (e.g. finish reasons per checkpoint).
std::string RenderShareBars(const ShareBarsSpec& spec);

// A tick step of 1, 2, 2.5 or 5 x 10^k giving about `target` ticks up to max.
double NiceStep(double max, int target);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_DASHBOARD_SVG_CHARTS_H_
