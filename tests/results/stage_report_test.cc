#include "results/stage_report.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "results/report_json.h"
#include "results/report_markdown.h"
#include "results/run_dir.h"
#include "tests/results/record_builders.h"
#include "tests/test_support.h"

namespace doomscope::results {
namespace {

using testing::Cell;
using testing::Sample;
using testing::SetScore;

void Add(std::vector<SampleRecord>* all, std::vector<SampleRecord> more) {
  for (SampleRecord& r : more) all->push_back(std::move(r));
}

std::vector<SampleRecord> TwoStageRecords() {
  std::vector<SampleRecord> all;
  // SFT first in the input: the report must still put PRETRAIN first.
  std::vector<SampleRecord> sft = Cell("sft", SFT, "stories", "greedy", 10, 0);
  sft[0] = Sample("sft", SFT, "stories", "greedy", 0, 0, true);
  sft[9] = Sample("sft", SFT, "stories", "greedy", 9, 0, true);
  Add(&all, sft);
  Add(&all, Cell("pre", PRETRAIN, "stories", "greedy", 10, 4));  // loops on items 0..3
  return all;
}

TEST(StageReportTest, RowsRatiosAndExactIntervals) {
  const StageReport report = BuildStageReport(TwoStageRecords());
  ASSERT_EQ(report.rows.size(), 2u);
  const StageRow& pre = report.rows[0];
  EXPECT_EQ(pre.key.checkpoint, "pre");
  EXPECT_EQ(pre.key.stage, PRETRAIN);
  EXPECT_EQ(pre.n, 10);
  EXPECT_EQ(pre.n_prompts, 10);
  EXPECT_EQ(pre.doom_loops, 4);
  EXPECT_DOUBLE_EQ(pre.doom_loop_ratio, 0.4);
  EXPECT_NEAR(pre.ci_low, 0.16818032970623614, 1e-12);
  EXPECT_NEAR(pre.ci_high, 0.6873262302663417, 1e-12);
  EXPECT_EQ(pre.cap_hits, 4);
  EXPECT_DOUBLE_EQ(pre.cap_hit_rate, 0.4);
  EXPECT_DOUBLE_EQ(pre.loop_any_rate, 0.4);
  EXPECT_DOUBLE_EQ(pre.cap_no_loop_rate, 0.0);
  EXPECT_DOUBLE_EQ(pre.mean_seq_rep_4, 0.2);
  EXPECT_DOUBLE_EQ(pre.mean_new_tokens, (4 * 100 + 6 * 30) / 10.0);
  // 4 loops x (100 - 40) wasted of 10 x 100 budget.
  EXPECT_DOUBLE_EQ(pre.wasted_token_share, 0.24);
  EXPECT_FALSE(pre.has_accuracy);
  const StageRow& sft = report.rows[1];
  EXPECT_EQ(sft.key.checkpoint, "sft");
  EXPECT_EQ(sft.doom_loops, 2);
  EXPECT_DOUBLE_EQ(sft.doom_loop_ratio, 0.2);
}

TEST(StageReportTest, TransitionIsPairedMcNemar) {
  const StageReport report = BuildStageReport(TwoStageRecords());
  ASSERT_EQ(report.transitions.size(), 1u);
  const Transition& t = report.transitions[0];
  EXPECT_EQ(t.from.checkpoint, "pre");
  EXPECT_EQ(t.to.checkpoint, "sft");
  EXPECT_EQ(t.n_paired, 10);
  EXPECT_EQ(t.newly_looping, 1);  // item 9
  EXPECT_EQ(t.recovered, 3);      // items 1..3
  EXPECT_DOUBLE_EQ(t.doom_loop_delta, -0.2);
  EXPECT_NEAR(t.mcnemar_p, 0.625, 1e-12);
  EXPECT_FALSE(t.has_accuracy);
}

TEST(StageReportTest, OrderIsTaskSamplingThenStageThenStep) {
  std::vector<SampleRecord> all;
  Add(&all, Cell("rl-late", RL, "b-task", "greedy", 2, 0));
  Add(&all, Cell("rl-early", RL, "b-task", "greedy", 2, 0));
  for (SampleRecord& r : all) r.set_checkpoint_step(r.checkpoint() == "rl-late" ? 200 : 100);
  Add(&all, Cell("other", OTHER, "b-task", "greedy", 2, 0));
  Add(&all, Cell("dpo", DPO, "b-task", "greedy", 2, 0));
  Add(&all, Cell("pre", PRETRAIN, "b-task", "t0.8", 2, 0));
  Add(&all, Cell("sft", SFT, "a-task", "greedy", 2, 0));
  const StageReport report = BuildStageReport(all);
  std::vector<std::string> order;
  for (const StageRow& r : report.rows) order.push_back(r.key.task + ":" + r.key.sampling + ":" + r.key.checkpoint);
  EXPECT_EQ(order, (std::vector<std::string>{"a-task:greedy:sft", "b-task:greedy:dpo", "b-task:greedy:rl-early",
                                             "b-task:greedy:rl-late", "b-task:greedy:other",
                                             "b-task:t0.8:pre"}));
  // Transitions only inside a (task, sampling) group: dpo->rl-early->rl-late->other.
  ASSERT_EQ(report.transitions.size(), 3u);
  EXPECT_EQ(report.transitions[0].from.checkpoint, "dpo");
  EXPECT_EQ(report.transitions[2].to.checkpoint, "other");
}

TEST(StageReportTest, ACheckpointWithAParentIsComparedWithIt) {
  // base -> sft-a, and sft-b forked from base too: sft-b compares with base,
  // not with sft-a, the row before it.
  std::vector<SampleRecord> all;
  Add(&all, Cell("base", PRETRAIN, "t", "greedy", 10, 2));
  Add(&all, Cell("sft-a", SFT, "t", "greedy", 10, 6));
  std::vector<SampleRecord> b = Cell("sft-b", SFT, "t", "greedy", 10, 3);
  for (SampleRecord& r : b) r.set_checkpoint_parent("base");
  Add(&all, b);
  // A parent missing from the records falls back to the row before.
  std::vector<SampleRecord> c = Cell("sft-c", SFT, "t", "greedy", 10, 3);
  for (SampleRecord& r : c) r.set_checkpoint_parent("not-run");
  Add(&all, c);
  const StageReport report = BuildStageReport(all);
  ASSERT_EQ(report.transitions.size(), 3u);
  EXPECT_EQ(report.transitions[0].from.checkpoint, "base");
  EXPECT_EQ(report.transitions[0].to.checkpoint, "sft-a");
  EXPECT_EQ(report.transitions[1].from.checkpoint, "base");
  EXPECT_EQ(report.transitions[1].to.checkpoint, "sft-b");
  EXPECT_EQ(report.transitions[1].newly_looping, 1);  // items 0-1 loop in both, item 2 newly
  EXPECT_EQ(report.transitions[2].from.checkpoint, "sft-b");
  EXPECT_EQ(report.rows[2].parent, "base");
}

TEST(StageReportTest, ShadowSamplesGiveTheEscapeRate) {
  std::vector<SampleRecord> all = Cell("rl", RL, "t", "greedy", 20, 4);
  for (int i = 0; i < 8; ++i) {
    EarlyStopShadow* shadow = all[i].mutable_shadow();
    shadow->set_shadow(true);
    shadow->set_fired(i < 6);  // items 0-3 ended in a loop; 4 and 5 fired and then escaped
    shadow->set_detected_at(i < 6 ? 50 : 0);
    shadow->set_escaped(i == 4 || i == 5);
  }
  const StageReport report = BuildStageReport(all);
  const StageRow& row = report.rows[0];
  EXPECT_EQ(row.shadow_samples, 8);
  EXPECT_EQ(row.shadow_fired, 6);
  EXPECT_EQ(row.shadow_escaped, 2);
  EXPECT_DOUBLE_EQ(row.escape_rate, 2.0 / 6.0);
  EXPECT_LT(row.escape_ci_low, row.escape_rate);
  EXPECT_GT(row.escape_ci_high, row.escape_rate);
  EXPECT_EQ(StageRowToJson(row).Find("shadow_escaped")->as_int(), 2);
  EXPECT_NE(StageReportToText(report).find("early-stop shadows: 8 run to the cap, rule fired on 6, 2 escaped"),
            std::string::npos)
      << StageReportToText(report);
}

TEST(StageReportTest, RolloutsClusterByPromptAndPairOnRollout) {
  std::vector<SampleRecord> all;
  const int loops[5] = {2, 2, 0, 0, 1};
  for (int item = 0; item < 5; ++item) {
    for (int k = 0; k < 2; ++k) {
      all.push_back(Sample("pre", PRETRAIN, "t", "t0.8", item, k, k < loops[item]));
      all.push_back(Sample("sft", SFT, "t", "t0.8", item, k, false));
    }
  }
  const StageReport report = BuildStageReport(all);
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_EQ(report.rows[0].n, 10);
  EXPECT_EQ(report.rows[0].n_prompts, 5);
  EXPECT_NEAR(report.rows[0].ci_low, 0.17042358064358776, 1e-12);
  EXPECT_NEAR(report.rows[0].ci_high, 0.8295764193564122, 1e-12);
  ASSERT_EQ(report.transitions.size(), 1u);
  EXPECT_EQ(report.transitions[0].n_paired, 10);
  EXPECT_EQ(report.transitions[0].recovered, 5);
  EXPECT_NEAR(report.transitions[0].mcnemar_p, 0.0625, 1e-12);
}

TEST(StageReportTest, AccuracyFromScoredRecords) {
  std::vector<SampleRecord> pre = Cell("pre", PRETRAIN, "gsm8k", "greedy", 10, 0);
  std::vector<SampleRecord> sft = Cell("sft", SFT, "gsm8k", "greedy", 10, 0);
  for (int i = 0; i < 10; ++i) {
    SetScore(&pre[i], i < 1);
    SetScore(&sft[i], i < 7);
  }
  pre[0].mutable_score()->set_answer_extractable(true);
  std::vector<SampleRecord> all = pre;
  Add(&all, sft);
  const StageReport report = BuildStageReport(all);
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_TRUE(report.rows[1].has_accuracy);
  EXPECT_EQ(report.rows[1].correct, 7);
  EXPECT_DOUBLE_EQ(report.rows[1].accuracy, 0.7);
  EXPECT_NEAR(report.rows[1].acc_ci_low, 0.39677814746114537, 1e-12);
  EXPECT_NEAR(report.rows[1].acc_ci_high, 0.8922087325936989, 1e-12);
  const Transition& t = report.transitions[0];
  EXPECT_TRUE(t.has_accuracy);
  EXPECT_EQ(t.acc_gained, 6);
  EXPECT_EQ(t.acc_lost, 0);
  EXPECT_DOUBLE_EQ(t.accuracy_delta, 0.6);
  EXPECT_NEAR(t.accuracy_p, 0.03125, 1e-12);
}

TEST(StageReportTest, JsonShapeAndSummaryFile) {
  const StageReport report = BuildStageReport(TwoStageRecords());
  const std::string dir = doomscope::testing::MakeTempDir("summary");
  ASSERT_TRUE(WriteSummary(dir, report).ok());
  auto parsed = json::Parse(doomscope::testing::ReadFile(SummaryPath(dir)));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const json::Value* rows = parsed->Find("rows");
  ASSERT_NE(rows, nullptr);
  ASSERT_EQ(rows->as_array().size(), 2u);
  const json::Value& row = rows->as_array()[0];
  EXPECT_EQ(row.Find("checkpoint")->as_string(), "pre");
  EXPECT_EQ(row.Find("stage")->as_string(), "PRETRAIN");
  EXPECT_EQ(row.Find("task")->as_string(), "stories");
  EXPECT_EQ(row.Find("sampling")->as_string(), "greedy");
  EXPECT_EQ(row.Find("n")->as_int(), 10);
  EXPECT_EQ(row.Find("doom_loops")->as_int(), 4);
  EXPECT_DOUBLE_EQ(row.Find("doom_loop_ratio")->as_double(), 0.4);
  EXPECT_NEAR(row.Find("ci_low")->as_double(), 0.16818032970623614, 1e-12);
  EXPECT_DOUBLE_EQ(row.Find("wasted_token_share")->as_double(), 0.24);
  EXPECT_EQ(row.Find("accuracy"), nullptr);
  const json::Value& t = parsed->Find("transitions")->as_array().at(0);
  EXPECT_EQ(t.Find("from_checkpoint")->as_string(), "pre");
  EXPECT_EQ(t.Find("newly_looping")->as_int(), 1);
  EXPECT_NEAR(t.Find("mcnemar_p")->as_double(), 0.625, 1e-12);
}

TEST(StageReportTest, MarkdownAndTextShowTheNumbers) {
  const StageReport report = BuildStageReport(TwoStageRecords());
  const std::string md = StageReportToMarkdown(report);
  EXPECT_NE(md.find("| pre | PRETRAIN | 10 | 4 | 40.0% [16.8%, 68.7%] |"), std::string::npos) << md;
  EXPECT_NE(md.find("| sft | SFT | 10 | 2 | 20.0% [5.7%, 51.0%] | -20.0 pp (p=0.625) |"), std::string::npos) << md;
  const std::string text = StageReportToText(report);
  EXPECT_NE(text.find("task stories, sampling greedy"), std::string::npos) << text;
  EXPECT_NE(text.find("-20.0 pp (p=0.625)"), std::string::npos) << text;
  EXPECT_EQ(StageReportToText(StageReport{}), "no samples\n");
}

}  // namespace
}  // namespace doomscope::results
