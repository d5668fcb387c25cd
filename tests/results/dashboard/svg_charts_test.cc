#include "results/dashboard/svg_charts.h"

#include <string>

#include "gtest/gtest.h"

namespace doomscope::results {
namespace {

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

TEST(NiceStep, PicksOneTwoTwoAndAHalfOrFive) {
  EXPECT_DOUBLE_EQ(NiceStep(1.0, 5), 0.2);
  EXPECT_DOUBLE_EQ(NiceStep(0.45, 5), 0.1);
  EXPECT_DOUBLE_EQ(NiceStep(12, 5), 2.5);
  EXPECT_DOUBLE_EQ(NiceStep(230, 5), 50);
  EXPECT_DOUBLE_EQ(NiceStep(0, 5), 1);
}

LineChartSpec TwoSeries() {
  LineChartSpec spec;
  spec.title = "Doom-loop ratio <per stage>";
  spec.y_label = "ratio";
  spec.x = {{"PRETRAIN", "pt"}, {"SFT", "sft"}, {"RL", "rl"}};
  spec.series = {{"gsm8k \xC2\xB7 greedy", PaletteColor(0), {0.4, 0.2, 0.05},
                  {0.3, 0.12, 0.02}, {0.5, 0.3, 0.1}},
                 {"json \xC2\xB7 t0.8", PaletteColor(1), {0.3, std::nullopt, 0.1}, {}, {}}};
  return spec;
}

TEST(RenderLineChart, OnePointPerValueWhiskersAndLegend) {
  const std::string svg = RenderLineChart(TwoSeries());
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  EXPECT_EQ(Count(svg, "<circle cx"), 5 + 2);  // 5 points + 2 legend markers
  EXPECT_EQ(Count(svg, "class=\"ds-ci\""), 3);
  // The missing SFT value breaks the second line into two single-point moves.
  EXPECT_EQ(Count(svg, "<path d=\"M"), 2);
  EXPECT_NE(svg.find("&lt;per stage&gt;"), std::string::npos);  // escaped title
  EXPECT_NE(svg.find("gsm8k \xC2\xB7 greedy @ PRETRAIN pt: 40.0% [30.0%, 50.0%]"),
            std::string::npos);
  // The highest interval end (50%) plus headroom rounds up to a 60% axis
  // with 20% ticks.
  EXPECT_NE(svg.find(">60.0%</text>"), std::string::npos);
  EXPECT_NE(svg.find(">20.0%</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">80.0%</text>"), std::string::npos);
}

TEST(RenderLineChart, YValueMapsLinearlyOntoThePlot) {
  LineChartSpec spec;
  spec.title = "t";
  spec.height = 300;  // plot from y=40 (top) to y=250 (bottom)
  spec.x = {{"A", ""}};
  spec.series = {{"s", "#000", {0.5}, {}, {}}};
  const std::string svg = RenderLineChart(spec);
  // max 0.5 * 1.08 rounds up to a 0.6 axis: 0.5 sits at 250 - 210 * 5/6 = 75.
  EXPECT_NE(svg.find("cy=\"75.0\""), std::string::npos) << svg;
}

TEST(RenderBarChart, StackedBarsAddUp) {
  BarChartSpec spec;
  spec.title = "Loop periods";
  spec.stacked = true;
  spec.x = {{"1", ""}, {"2-3", ""}};
  spec.series = {{"PRETRAIN", "#111", {3, 0}}, {"SFT", "#222", {1, 4}}};
  const std::string svg = RenderBarChart(spec);
  EXPECT_EQ(Count(svg, "<rect x"), 3 + 2);  // zero bars are skipped; 2 legend swatches
  EXPECT_NE(svg.find("SFT @ 2-3 : 4"), std::string::npos);
}

TEST(RenderShareBars, SharesArePercentOfEachRow) {
  ShareBarsSpec spec;
  spec.title = "Finish reasons";
  spec.rows = {"ck-a", "ck-b"};
  spec.categories = {"eos", "length"};
  spec.colors = {"#0a0", "#a00"};
  spec.counts = {{3, 1}, {0, 0}};
  const std::string svg = RenderShareBars(spec);
  EXPECT_NE(svg.find("ck-a: eos 75.0% (3)"), std::string::npos);
  EXPECT_NE(svg.find("ck-a: length 25.0% (1)"), std::string::npos);
  EXPECT_EQ(svg.find("ck-b: "), std::string::npos);  // an empty row draws no parts
}

}  // namespace
}  // namespace doomscope::results
