#include "results/dashboard/svg_charts.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "results/dashboard/html_escape.h"

namespace doomscope::results {
namespace {

constexpr double kLeft = 58, kRight = 18, kTop = 40;
constexpr double kLegendRow = 20;
constexpr double kLegendItemWidth = 190;

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

std::string FormatValue(double v, bool percent) {
  if (percent) {
    const double p = v * 100;
    return p != 0 && std::fabs(p) < 1 ? absl::StrFormat("%.2f%%", p) : absl::StrFormat("%.1f%%", p);
  }
  if (std::fabs(v) >= 100 || v == std::floor(v)) return absl::StrFormat("%.0f", v);
  return absl::StrFormat("%.2f", v);
}

std::string Truncate(const std::string& s, size_t max_chars) {
  if (s.size() <= max_chars) return s;
  return std::string(Utf8SafePrefix(s, max_chars - 1)) + "\xE2\x80\xA6";  // …
}

std::string OpenSvg(const std::string& title, double width, double height) {
  return absl::StrCat("<svg class=\"ds-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ",
                      Num(width), " ", Num(height), "\" width=\"", Num(width), "\" height=\"",
                      Num(height), "\" role=\"img\" aria-label=\"", HtmlEscape(title), "\"><title>",
                      HtmlEscape(title), "</title><text class=\"ds-ctitle\" x=\"", Num(kLeft - 40),
                      "\" y=\"20\">", HtmlEscape(title), "</text>");
}

// Rows needed for `n` legend items across `width`.
int LegendRows(size_t n, double width) {
  const int per_row = std::max(1, static_cast<int>((width - kLeft) / kLegendItemWidth));
  return n == 0 ? 0 : static_cast<int>((n + per_row - 1) / per_row);
}

void AppendLegend(const std::vector<std::pair<std::string, std::string>>& items, double width,
                  double top, bool lines, std::string* out) {
  const int per_row = std::max(1, static_cast<int>((width - kLeft) / kLegendItemWidth));
  for (size_t i = 0; i < items.size(); ++i) {
    const double x = kLeft + static_cast<double>(i % per_row) * kLegendItemWidth;
    const double y = top + static_cast<double>(i / per_row) * kLegendRow;
    const auto& [name, color] = items[i];
    if (lines) {
      absl::StrAppend(out, "<line x1=\"", Num(x), "\" y1=\"", Num(y - 4), "\" x2=\"", Num(x + 18),
                      "\" y2=\"", Num(y - 4), "\" stroke=\"", color,
                      "\" stroke-width=\"2.5\"/><circle cx=\"", Num(x + 9), "\" cy=\"", Num(y - 4),
                      "\" r=\"3.5\" fill=\"", color, "\"/>");
    } else {
      absl::StrAppend(out, "<rect x=\"", Num(x + 4), "\" y=\"", Num(y - 10), "\" width=\"11\" ",
                      "height=\"11\" rx=\"2\" fill=\"", color, "\"/>");
    }
    absl::StrAppend(out, "<text class=\"ds-legend\" x=\"", Num(x + 24), "\" y=\"", Num(y),
                    "\">", HtmlEscape(Truncate(name, 28)), "<title>", HtmlEscape(name),
                    "</title></text>");
  }
}

// Y grid, tick labels and the axis title; returns the tick maximum.
double AppendYAxis(double max_value, bool percent, const std::string& y_label, double width,
                   double y_top, double y_bottom, std::string* out) {
  double y_max = max_value > 0 ? max_value * 1.08 : (percent ? 0.1 : 1);
  if (percent) y_max = std::min(y_max, 1.0);
  const double step = NiceStep(y_max, 5);
  y_max = std::ceil(y_max / step - 1e-9) * step;
  for (int k = 0;; ++k) {
    const double v = k * step;
    if (v > y_max + step * 1e-6) break;
    const double y = y_bottom - (y_bottom - y_top) * (v / y_max);
    absl::StrAppend(out, "<line class=\"", k == 0 ? "ds-axis" : "ds-grid", "\" x1=\"", Num(kLeft),
                    "\" y1=\"", Num(y), "\" x2=\"", Num(width - kRight), "\" y2=\"", Num(y),
                    "\"/><text class=\"ds-tick\" x=\"", Num(kLeft - 6), "\" y=\"", Num(y + 4),
                    "\" text-anchor=\"end\">", FormatValue(v, percent), "</text>");
  }
  if (!y_label.empty()) {
    const double mid = (y_top + y_bottom) / 2;
    absl::StrAppend(out, "<text class=\"ds-axislabel\" transform=\"translate(12 ", Num(mid),
                    ") rotate(-90)\" text-anchor=\"middle\">", HtmlEscape(y_label), "</text>");
  }
  return y_max;
}

void AppendXLabels(const std::vector<XCategory>& x, double x_left, double step, double y_bottom,
                   std::string* out) {
  const size_t max_chars = std::max<size_t>(6, static_cast<size_t>(step / 6.5));
  for (size_t i = 0; i < x.size(); ++i) {
    const double cx = x_left + (static_cast<double>(i) + 0.5) * step;
    absl::StrAppend(out, "<text class=\"ds-xlabel\" x=\"", Num(cx), "\" y=\"", Num(y_bottom + 16),
                    "\" text-anchor=\"middle\">", HtmlEscape(Truncate(x[i].label, max_chars)),
                    "</text>");
    if (!x[i].sublabel.empty()) {
      absl::StrAppend(out, "<text class=\"ds-xsub\" x=\"", Num(cx), "\" y=\"", Num(y_bottom + 30),
                      "\" text-anchor=\"middle\">",
                      HtmlEscape(Truncate(x[i].sublabel, max_chars)), "<title>",
                      HtmlEscape(x[i].sublabel), "</title></text>");
    }
  }
}

}  // namespace

const std::string& PaletteColor(size_t index) {
  static const std::vector<std::string>* palette = new std::vector<std::string>{
      "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
      "#7A5195", "#8C8C00", "#003f5c", "#B35806", "#1B7837", "#762A83"};
  return (*palette)[index % palette->size()];
}

double NiceStep(double max, int target) {
  if (!(max > 0) || target < 1) return 1;
  const double raw = max / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude >= raw * (1 - 1e-9)) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string RenderLineChart(const LineChartSpec& spec) {
  const double width = spec.width;
  const int legend_rows = LegendRows(spec.series.size(), width);
  const double y_bottom = spec.height - 50.0;
  const double height = spec.height + legend_rows * kLegendRow;
  std::string out = OpenSvg(spec.title, width, height);

  double max_value = 0;
  for (const auto& s : spec.series) {
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!s.y[i]) continue;
      max_value = std::max(max_value, *s.y[i]);
      if (i < s.high.size()) max_value = std::max(max_value, s.high[i]);
    }
  }
  const double y_max =
      AppendYAxis(max_value, spec.percent, spec.y_label, width, kTop, y_bottom, &out);
  const double plot_width = width - kLeft - kRight;
  const double step = spec.x.empty() ? plot_width : plot_width / static_cast<double>(spec.x.size());
  AppendXLabels(spec.x, kLeft, step, y_bottom, &out);
  auto y_of = [&](double v) { return y_bottom - (y_bottom - kTop) * std::clamp(v / y_max, 0.0, 1.0); };

  const double n_series = static_cast<double>(spec.series.size());
  const double jitter = std::min(7.0, step * 0.4 / std::max(1.0, n_series));
  for (size_t si = 0; si < spec.series.size(); ++si) {
    const LineSeries& s = spec.series[si];
    const double dx = (static_cast<double>(si) - (n_series - 1) / 2) * jitter;
    auto x_of = [&](size_t i) { return kLeft + (static_cast<double>(i) + 0.5) * step + dx; };
    absl::StrAppend(&out, "<g class=\"ds-series\" data-series=\"", HtmlEscape(s.name), "\">");
    // The line, broken where a category has no value.
    std::string path;
    bool pen_down = false;
    for (size_t i = 0; i < s.y.size() && i < spec.x.size(); ++i) {
      if (!s.y[i]) {
        pen_down = false;
        continue;
      }
      absl::StrAppend(&path, pen_down ? " L" : " M", Num(x_of(i)), " ", Num(y_of(*s.y[i])));
      pen_down = true;
    }
    if (!path.empty()) {
      absl::StrAppend(&out, "<path d=\"", path.substr(1), "\" fill=\"none\" stroke=\"", s.color,
                      "\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>");
    }
    for (size_t i = 0; i < s.y.size() && i < spec.x.size(); ++i) {
      if (!s.y[i]) continue;
      const double x = x_of(i);
      std::string tip = absl::StrCat(s.name, " @ ", spec.x[i].label, " ", spec.x[i].sublabel, ": ",
                                     FormatValue(*s.y[i], spec.percent));
      if (i < s.low.size() && i < s.high.size()) {
        absl::StrAppend(&tip, " [", FormatValue(s.low[i], spec.percent), ", ",
                        FormatValue(s.high[i], spec.percent), "]");
        const double yl = y_of(s.low[i]), yh = y_of(s.high[i]);
        absl::StrAppend(&out, "<path class=\"ds-ci\" d=\"M", Num(x), " ", Num(yl), " V", Num(yh),
                        " M", Num(x - 4), " ", Num(yl), " h8 M", Num(x - 4), " ", Num(yh),
                        " h8\" stroke=\"", s.color, "\"/>");
      }
      absl::StrAppend(&out, "<circle cx=\"", Num(x), "\" cy=\"", Num(y_of(*s.y[i])),
                      "\" r=\"4\" fill=\"", s.color, "\" stroke=\"#fff\" stroke-width=\"1.5\"><title>",
                      HtmlEscape(tip), "</title></circle>");
    }
    out += "</g>";
  }
  std::vector<std::pair<std::string, std::string>> legend;
  for (const auto& s : spec.series) legend.emplace_back(s.name, s.color);
  AppendLegend(legend, width, spec.height - 4.0, /*lines=*/true, &out);
  out += "</svg>";
  return out;
}

std::string RenderBarChart(const BarChartSpec& spec) {
  const double width = spec.width;
  const int legend_rows = LegendRows(spec.series.size(), width);
  const double y_bottom = spec.height - 50.0;
  const double height = spec.height + legend_rows * kLegendRow;
  std::string out = OpenSvg(spec.title, width, height);

  double max_value = 0;
  for (size_t i = 0; i < spec.x.size(); ++i) {
    double total = 0;
    for (const auto& s : spec.series) {
      const double v = i < s.values.size() ? s.values[i] : 0;
      total += v;
      if (!spec.stacked) max_value = std::max(max_value, v);
    }
    if (spec.stacked) max_value = std::max(max_value, total);
  }
  const double y_max =
      AppendYAxis(max_value, spec.percent, spec.y_label, width, kTop, y_bottom, &out);
  const double plot_width = width - kLeft - kRight;
  const double step = spec.x.empty() ? plot_width : plot_width / static_cast<double>(spec.x.size());
  AppendXLabels(spec.x, kLeft, step, y_bottom, &out);
  const double scale = (y_bottom - kTop) / y_max;
  const double n_series = static_cast<double>(std::max<size_t>(1, spec.series.size()));
  const double group_width = step * 0.78;
  const double bar_width = spec.stacked ? group_width : group_width / n_series;

  for (size_t i = 0; i < spec.x.size(); ++i) {
    const double left = kLeft + static_cast<double>(i) * step + (step - group_width) / 2;
    double stack = 0;
    for (size_t si = 0; si < spec.series.size(); ++si) {
      const BarSeries& s = spec.series[si];
      const double v = i < s.values.size() ? s.values[i] : 0;
      if (v <= 0) continue;
      const double h = v * scale;
      const double x = spec.stacked ? left : left + static_cast<double>(si) * bar_width;
      const double y = y_bottom - (spec.stacked ? stack * scale : 0) - h;
      stack += v;
      absl::StrAppend(&out, "<rect x=\"", Num(x + 0.5), "\" y=\"", Num(y), "\" width=\"",
                      Num(std::max(1.0, bar_width - 1)), "\" height=\"", Num(h), "\" fill=\"",
                      s.color, "\"><title>",
                      HtmlEscape(absl::StrCat(s.name, " @ ", spec.x[i].label, " ",
                                              spec.x[i].sublabel, ": ",
                                              FormatValue(v, spec.percent))),
                      "</title></rect>");
    }
  }
  std::vector<std::pair<std::string, std::string>> legend;
  for (const auto& s : spec.series) legend.emplace_back(s.name, s.color);
  AppendLegend(legend, width, spec.height - 4.0, /*lines=*/false, &out);
  out += "</svg>";
  return out;
}

std::string RenderShareBars(const ShareBarsSpec& spec) {
  constexpr double kRowHeight = 24, kLabelWidth = 190;
  const double width = spec.width;
  const int legend_rows = LegendRows(spec.categories.size(), width);
  const double bars_top = kTop + legend_rows * kLegendRow;
  const double height = bars_top + static_cast<double>(spec.rows.size()) * kRowHeight + 10;
  std::string out = OpenSvg(spec.title, width, height);
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t c = 0; c < spec.categories.size(); ++c) {
    legend.emplace_back(spec.categories[c], c < spec.colors.size() ? spec.colors[c] : "#999");
  }
  AppendLegend(legend, width, kTop + 2, /*lines=*/false, &out);
  const double bar_left = kLabelWidth, bar_width = width - kLabelWidth - kRight;
  for (size_t r = 0; r < spec.rows.size(); ++r) {
    const double y = bars_top + static_cast<double>(r) * kRowHeight;
    absl::StrAppend(&out, "<text class=\"ds-rowlabel\" x=\"", Num(bar_left - 8), "\" y=\"",
                    Num(y + 15), "\" text-anchor=\"end\">", HtmlEscape(Truncate(spec.rows[r], 30)),
                    "<title>", HtmlEscape(spec.rows[r]), "</title></text>");
    double total = 0;
    const std::vector<double> empty;
    const std::vector<double>& counts = r < spec.counts.size() ? spec.counts[r] : empty;
    for (double v : counts) total += std::max(0.0, v);
    if (total <= 0) continue;
    double x = bar_left;
    for (size_t c = 0; c < counts.size() && c < spec.categories.size(); ++c) {
      if (counts[c] <= 0) continue;
      const double share = counts[c] / total;
      const double w = share * bar_width;
      const std::string& color = c < spec.colors.size() ? spec.colors[c] : PaletteColor(c);
      absl::StrAppend(&out, "<rect x=\"", Num(x), "\" y=\"", Num(y + 3), "\" width=\"", Num(w),
                      "\" height=\"", Num(kRowHeight - 6), "\" fill=\"", color, "\"><title>",
                      HtmlEscape(absl::StrCat(spec.rows[r], ": ", spec.categories[c], " ",
                                              FormatValue(share, true), " (",
                                              absl::StrFormat("%.0f", counts[c]), ")")),
                      "</title></rect>");
      if (w > 44) {
        absl::StrAppend(&out, "<text class=\"ds-barlabel\" x=\"", Num(x + w / 2), "\" y=\"",
                        Num(y + 16), "\" text-anchor=\"middle\">", FormatValue(share, true),
                        "</text>");
      }
      x += w;
    }
  }
  out += "</svg>";
  return out;
}

}  // namespace doomscope::results
