#include "results/gate.h"

#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "results/junit.h"
#include "tests/results/record_builders.h"
#include "tests/test_support.h"

namespace doomscope::results {
namespace {

using testing::Cell;

TEST(GateTest, IdenticalRunsPass) {
  const auto base = Cell("sft", SFT, "t", "greedy", 40, 5);
  const GateReport r = RunGate(base, base, GatePolicy());
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].verdict, GateVerdict::kPass) << r.cells[0].reason;
  EXPECT_EQ(r.exit_code, kGatePass);
  EXPECT_DOUBLE_EQ(r.policy.max_doom_loop_increase(), 0.02);
  EXPECT_DOUBLE_EQ(r.policy.alpha(), 0.05);
}

TEST(GateTest, SignificantRiseIsARegression) {
  const GateReport r = RunGate(Cell("sft", SFT, "t", "greedy", 40, 5), Cell("sft", SFT, "t", "greedy", 40, 15),
                               GatePolicy());
  ASSERT_EQ(r.cells.size(), 1u);
  const GateCell& c = r.cells[0];
  EXPECT_EQ(c.verdict, GateVerdict::kRegression) << c.reason;
  EXPECT_EQ(c.paired.newly_looping, 10);
  EXPECT_EQ(c.paired.recovered, 0);
  EXPECT_DOUBLE_EQ(c.baseline_ratio, 0.125);
  EXPECT_DOUBLE_EQ(c.candidate_ratio, 0.375);
  EXPECT_NEAR(c.paired.mcnemar_p, 2.0 / 1024.0, 1e-12);
  EXPECT_EQ(r.exit_code, kGateRegression);
}

TEST(GateTest, LargeButInsignificantRiseIsInconclusive) {
  // 3 of 20 newly looping: +15 pp but p = 0.25.
  const GateReport r = RunGate(Cell("sft", SFT, "t", "greedy", 20, 0), Cell("sft", SFT, "t", "greedy", 20, 3),
                               GatePolicy());
  EXPECT_EQ(r.cells[0].verdict, GateVerdict::kInconclusive) << r.cells[0].reason;
  EXPECT_EQ(r.exit_code, kGateInconclusive);
}

TEST(GateTest, TinyCellsAreInconclusiveEvenWhenIdentical) {
  const auto tiny = Cell("sft", SFT, "t", "greedy", 4, 0);
  const GateReport r = RunGate(tiny, tiny, GatePolicy());
  EXPECT_EQ(r.cells[0].verdict, GateVerdict::kInconclusive);
  EXPECT_EQ(r.exit_code, kGateInconclusive);
  // With min_samples lowered, 5 pairs still cannot reach p < 0.05 (min p = 0.0625).
  GatePolicy policy;
  policy.set_min_samples(1);
  const auto five = Cell("sft", SFT, "t", "greedy", 5, 0);
  EXPECT_EQ(RunGate(five, five, policy).exit_code, kGateInconclusive);
  const auto six = Cell("sft", SFT, "t", "greedy", 6, 0);
  EXPECT_EQ(RunGate(six, six, policy).exit_code, kGatePass);
}

TEST(GateTest, AccuracyDropFails) {
  auto base = Cell("sft", SFT, "gsm8k", "greedy", 30, 0);
  auto cand = base;
  for (int i = 0; i < 30; ++i) {
    testing::SetScore(&base[i], i < 20);
    testing::SetScore(&cand[i], i < 10);
  }
  const GateReport r = RunGate(base, cand, GatePolicy());
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].verdict, GateVerdict::kRegression) << r.cells[0].reason;
  EXPECT_DOUBLE_EQ(r.cells[0].paired.accuracy_delta, -1.0 / 3.0);
  EXPECT_NEAR(r.cells[0].baseline_accuracy, 2.0 / 3.0, 1e-12);
}

TEST(GateTest, MissingCellIsAnError) {
  auto base = Cell("sft", SFT, "t", "greedy", 20, 0);
  auto extra = Cell("rl", RL, "t", "greedy", 20, 0);
  base.insert(base.end(), extra.begin(), extra.end());
  const GateReport r = RunGate(base, Cell("sft", SFT, "t", "greedy", 20, 0), GatePolicy());
  ASSERT_EQ(r.cells.size(), 2u);
  // Cells in stage order: sft, then rl.
  EXPECT_EQ(r.cells[1].key.checkpoint, "rl");
  EXPECT_EQ(r.cells[1].verdict, GateVerdict::kError);
  EXPECT_EQ(r.cells[1].reason, "cell missing from the candidate run");
  EXPECT_EQ(r.exit_code, kGateError);
  EXPECT_EQ(RunGate({}, {}, GatePolicy()).exit_code, kGateError);
}

TEST(GateTest, PolicyFileParsesAndNamesErrors) {
  const std::string dir = doomscope::testing::MakeTempDir("policy");
  doomscope::testing::WriteFile(dir + "/ok.textproto", "max_doom_loop_increase: 0.1\nalpha: 0.01\n");
  auto ok = ReadGatePolicy(dir + "/ok.textproto");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_DOUBLE_EQ(ok->max_doom_loop_increase(), 0.1);
  EXPECT_DOUBLE_EQ(EffectivePolicy(*ok).max_accuracy_drop(), 0.01);
  doomscope::testing::WriteFile(dir + "/bad.textproto", "alpha: 0.01\nmax_doom: 1\n");
  auto bad = ReadGatePolicy(dir + "/bad.textproto");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("bad.textproto:2:"), std::string::npos) << bad.status();
}

TEST(GateTest, NanOrOutOfRangeThresholdsAreErrorsNamingTheField) {
  // Issue 14 #1: "max_doom_loop_increase: nan" compared false and passed a
  // candidate 13.3 pp worse.
  const std::string dir = doomscope::testing::MakeTempDir("policy");
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {"max_doom_loop_increase: nan\n", "max_doom_loop_increase"},
           {"max_accuracy_drop: inf\n", "max_accuracy_drop"},
           {"max_accuracy_drop: 2\n", "max_accuracy_drop"},
           {"alpha: nan\n", "alpha"},
           {"alpha: -0.5\n", "alpha"},
           {"min_samples: -3\n", "min_samples"}}) {
    doomscope::testing::WriteFile(dir + "/p.textproto", text);
    auto policy = ReadGatePolicy(dir + "/p.textproto");
    ASSERT_FALSE(policy.ok()) << text;
    EXPECT_NE(std::string(policy.status().message()).find("p.textproto: " + field), std::string::npos)
        << policy.status();
  }
  GatePolicy nan;
  nan.set_max_doom_loop_increase(std::numeric_limits<double>::quiet_NaN());
  EXPECT_FALSE(ValidateGatePolicy(nan).ok());
  EXPECT_TRUE(ValidateGatePolicy(GatePolicy()).ok());
}

TEST(GateTest, CellsFollowStageAndStepOrder) {
  std::vector<SampleRecord> runs;
  for (auto [name, stage, step] : std::vector<std::tuple<std::string, Stage, int64_t>>{
           {"z-rl", RL, 0}, {"b-sft-late", SFT, 2000}, {"a-sft-early", SFT, 1000}, {"pre", PRETRAIN, 0}}) {
    for (SampleRecord& r : Cell(name, stage, "t", "greedy", 12, 0)) {
      r.set_checkpoint_step(step);
      runs.push_back(std::move(r));
    }
  }
  const GateReport r = RunGate(runs, runs, GatePolicy());
  ASSERT_EQ(r.cells.size(), 4u);
  EXPECT_EQ(r.cells[0].key.checkpoint, "pre");
  EXPECT_EQ(r.cells[1].key.checkpoint, "a-sft-early");
  EXPECT_EQ(r.cells[1].key.checkpoint_step, 1000);
  EXPECT_EQ(r.cells[2].key.checkpoint, "b-sft-late");
  EXPECT_EQ(r.cells[3].key.checkpoint, "z-rl");
}

TEST(JUnitTest, EscapesAndCountsCells) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'\x01"), "a&lt;b&gt;&amp;&quot;c&apos;");
  auto base = Cell("s<f>t&", SFT, "t", "greedy", 40, 5);
  auto missing = Cell("gone", RL, "t", "greedy", 20, 0);
  auto all_base = base;
  all_base.insert(all_base.end(), missing.begin(), missing.end());
  const GateReport r = RunGate(all_base, Cell("s<f>t&", SFT, "t", "greedy", 40, 15), GatePolicy());
  const std::string xml = GateToJUnit(r);
  EXPECT_NE(xml.find("<testsuite name=\"doomscope gate\" tests=\"2\" failures=\"1\" errors=\"1\" skipped=\"0\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("classname=\"s&lt;f&gt;t&amp;\" name=\"t/greedy\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"regression: doom-loop ratio 12.5% -&gt; 37.5%"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("s<f>"), std::string::npos);
  // Balanced elements.
  auto count = [&](const std::string& s) {
    size_t n = 0;
    for (size_t p = xml.find(s); p != std::string::npos; p = xml.find(s, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<testcase"), 2u);
  EXPECT_EQ(count("</testcase>"), 2u);
  const std::string md = GateToMarkdown(r, "base", "cand");
  EXPECT_NE(md.find("## doomscope gate: **ERROR**"), std::string::npos) << md;
  EXPECT_NE(md.find("| regression | s<f>t& | t | greedy | 40 | 12.5% → 37.5% | +25.0 pp | 0.002 |"),
            std::string::npos)
      << md;
}

}  // namespace
}  // namespace doomscope::results
