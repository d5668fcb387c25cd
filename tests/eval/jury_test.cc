// The jury's arithmetic and rules: aggregation and its tie rule, quorum,
// Krippendorff's alpha against published and hand-computed values, score
// parsing, loop compaction, preference-pair selection, rule judges, and the
// openai judge's handling of each kind of bad answer (transport faults over
// real HTTP are in tests/runners/jury_pass_test.cc).
#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eval/jury/aggregate.h"
#include "eval/jury/agreement.h"
#include "eval/jury/judge_score_parse.h"
#include "eval/jury/loop_compaction.h"
#include "eval/jury/openai_judge.h"
#include "eval/jury/pairs.h"
#include "eval/jury/rule_judge.h"
#include "gtest/gtest.h"

namespace doomscope::jury {
namespace {

using Units = std::vector<std::vector<std::optional<double>>>;
constexpr std::nullopt_t kNo = std::nullopt;

TEST(KrippendorffAlpha, MatchesThePublishedIntervalValue) {
  // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the
  // reliability data of 4 coders x 12 units with missing values: interval
  // alpha = 0.849.
  const std::vector<std::vector<std::optional<double>>> coders = {
      {1, 2, 3, 3, 2, 1, 4, 1, 2, kNo, kNo, kNo},
      {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, kNo, 3},
      {kNo, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, kNo},
      {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, kNo},
  };
  Units units(12);
  for (const auto& coder : coders) {
    for (size_t u = 0; u < 12; ++u) units[u].push_back(coder[u]);
  }
  const std::optional<double> alpha = KrippendorffAlphaInterval(units);
  ASSERT_TRUE(alpha.has_value());
  EXPECT_NEAR(*alpha, 0.849, 0.0005);
}

TEST(KrippendorffAlpha, MatchesAHandComputedValue) {
  // Units (1,1), (2,3), (3,3): D_o = (0 + 2/1 + 0) / 6 = 1/3; the six values
  // {1,1,2,3,3,3} give D_e = 2 (6*33 - 13^2) / (6*5) = 29/15; alpha = 1 -
  // (1/3)/(29/15) = 24/29. A unit with one value is not pairable and changes
  // nothing.
  const Units units = {{1, 1}, {2, 3}, {3, 3}, {kNo, 7}};
  EXPECT_NEAR(*KrippendorffAlphaInterval(units), 24.0 / 29.0, 1e-12);
  // Shifting every value leaves it unchanged (the interval metric).
  const Units shifted = {{1001, 1001}, {1002, 1003}, {1003, 1003}};
  EXPECT_NEAR(*KrippendorffAlphaInterval(shifted), 24.0 / 29.0, 1e-9);
}

TEST(KrippendorffAlpha, UndefinedWithoutVariation) {
  EXPECT_FALSE(KrippendorffAlphaInterval(Units{{1, 1}, {1, 1}}).has_value());
  EXPECT_FALSE(KrippendorffAlphaInterval(Units{{1, kNo}}).has_value());
}

TEST(TaskAgreement, PerfectAndInverted) {
  const std::vector<double> task = {1, 0, 1, 0};
  TaskAgreement same = AgreementWithTask(std::vector<double>{0.9, 0.1, 0.8, 0.2}, task);
  EXPECT_EQ(same.n, 4);
  EXPECT_DOUBLE_EQ(*same.agreement, 1.0);
  EXPECT_GT(*same.pearson, 0.95);
  TaskAgreement inverted = AgreementWithTask(std::vector<double>{0.1, 0.9, 0.2, 0.8}, task);
  EXPECT_DOUBLE_EQ(*inverted.agreement, 0.0);
  EXPECT_LT(*inverted.pearson, -0.95);
  EXPECT_LT(*inverted.alpha, 0);
}

JuryConfig Panel(int judges, Aggregation how) {
  JuryConfig jury;
  for (int j = 0; j < judges; ++j) jury.add_judge()->set_name(absl::StrCat("j", j));
  jury.set_aggregate(how);
  return jury;
}

TEST(JuryAggregate, MeanAndMedianOverVotesWithQuorum) {
  const std::vector<SampleVotes> samples = {
      {"g", {0.2, 0.4, 0.9}},
      {"g", {0.2, kNo, 0.9}},  // 2 of 3: quorum (2) met
      {"g", {kNo, kNo, 0.9}},  // 1 of 3: below quorum, not scored
      {"g", {0.1, 0.3, 0.8, 1.0}},  // a fourth judge's vote beyond the panel is ignored
  };
  std::vector<Aggregate> mean = AggregateVotes(samples, Panel(3, MEAN));
  EXPECT_NEAR(mean[0].value, 0.5, 1e-12);
  EXPECT_NEAR(mean[1].value, 0.55, 1e-12);
  EXPECT_EQ(mean[1].missing, 1);
  EXPECT_FALSE(mean[2].scored);
  EXPECT_EQ(mean[2].votes, 1);
  EXPECT_NEAR(mean[3].value, 0.4, 1e-12);
  std::vector<Aggregate> median = AggregateVotes(samples, Panel(3, MEDIAN));
  EXPECT_DOUBLE_EQ(median[0].value, 0.4);
  EXPECT_DOUBLE_EQ(median[1].value, 0.55);  // even count: mean of the middle two
  // AGGREGATION_UNSPECIFIED is MEAN; an explicit quorum of 1 scores a lone vote.
  JuryConfig one = Panel(3, AGGREGATION_UNSPECIFIED);
  one.set_quorum(1);
  std::vector<Aggregate> lone = AggregateVotes(samples, one);
  EXPECT_TRUE(lone[2].scored);
  EXPECT_DOUBLE_EQ(lone[2].value, 0.9);
}

TEST(JuryAggregate, MajorityTieRuleIsTheMoreConfidentSideNotJudgeOrder) {
  bool tie = false;
  EXPECT_EQ(MajorityVote(std::vector<double>{0.9, 0.7, 0.1}, 0.5, &tie), 1);
  EXPECT_FALSE(tie);
  // One pass 0.95 (margin 0.45), one fail 0.2 (margin 0.3): the pass is surer.
  EXPECT_EQ(MajorityVote(std::vector<double>{0.95, 0.2}, 0.5, &tie), 1);
  EXPECT_TRUE(tie);
  EXPECT_EQ(MajorityVote(std::vector<double>{0.2, 0.95}, 0.5, &tie), 1);
  // One pass 0.6 (0.1), one fail 0.0 (0.5): the fail is surer, either order.
  EXPECT_EQ(MajorityVote(std::vector<double>{0.6, 0.0}, 0.5, &tie), 0);
  EXPECT_EQ(MajorityVote(std::vector<double>{0.0, 0.6}, 0.5, &tie), 0);
  // Exactly as sure: a split panel fails.
  EXPECT_EQ(MajorityVote(std::vector<double>{0.75, 0.25}, 0.5, &tie), 0);
  EXPECT_EQ(MajorityVote(std::vector<double>{0.25, 0.75}, 0.5, &tie), 0);
  const std::vector<SampleVotes> samples = {{"g", {0.95, 0.2}}};
  std::vector<Aggregate> a = AggregateVotes(samples, Panel(2, MAJORITY));
  EXPECT_TRUE(a[0].tie_broken);
  EXPECT_EQ(a[0].value, 1);
}

TEST(JuryAggregate, RankAverageRanksWithinAGroupWithSharedTies) {
  // Judge 0: 0.2, 0.8, 0.8 -> ranks 1, 2.5, 2.5 -> scaled 0, 0.75, 0.75.
  // Judge 1: 0.1, 0.3, 0.9 -> ranks 1, 2, 3 -> scaled 0, 0.5, 1.
  // The other group's sample is ranked alone (0.5 from each judge).
  const std::vector<SampleVotes> samples = {
      {"a", {0.2, 0.1}}, {"b", {0.0, 1.0}}, {"a", {0.8, 0.3}}, {"a", {0.8, 0.9}}};
  std::vector<Aggregate> r = AggregateVotes(samples, Panel(2, RANK_AVERAGE));
  EXPECT_DOUBLE_EQ(r[0].value, 0.0);
  EXPECT_DOUBLE_EQ(r[1].value, 0.5);
  EXPECT_DOUBLE_EQ(r[2].value, 0.625);
  EXPECT_DOUBLE_EQ(r[3].value, 0.875);
  EXPECT_EQ(MidRanks(std::vector<double>{3, 1, 3, 2}), (std::vector<double>{3.5, 1, 3.5, 2}));
}

TEST(JudgeScoreParse, JsonObjectThenScoreLine) {
  EXPECT_EQ(*ParseJudgeScore("{\"score\": 7}"), 7);
  EXPECT_EQ(*ParseJudgeScore("Sure! {\"reason\": \"fine {ok}\", \"score\": \"8\"} done"), 8);
  EXPECT_EQ(*ParseJudgeScore("The answer rambles.\nScore: 6/10"), 6);
  EXPECT_EQ(*ParseJudgeScore("**Score:** 4.5"), 4.5);
  EXPECT_EQ(*ParseJudgeScore("score: 2\nOn reflection:\nSCORE = 3"), 3);  // the last line counts
  EXPECT_EQ(*ParseJudgeScore("{\"verdict\": 1}\nScore: 5"), 5);           // an object without a score
  EXPECT_FALSE(ParseJudgeScore("I think it is quite good").ok());
  EXPECT_FALSE(ParseJudgeScore("{\"score\": \"high\"}").ok());
  EXPECT_FALSE(ParseJudgeScore("the score is not 5").ok());  // not a "Score:" line
  EXPECT_FALSE(ParseJudgeScore(std::string(100000, '{')).ok());
}

TEST(LoopCompaction, RepeatedTailBecomesOneCopyAndACount) {
  std::string looped = "Once there was a cat!\n";
  for (int i = 0; i < 20; ++i) looped += "The dog ran to the park. ";
  const CompactedOutput c = CompactLoopedOutput(looped);
  EXPECT_EQ(c.omitted_copies, 19);
  EXPECT_EQ(c.text, "Once there was a cat!\nThe dog ran to the park. \n[repeated 19 more times]");
  const std::string plain = "One. Two. Three. Four. Five. Six. Seven. Eight. Nine. Ten. Eleven.";
  EXPECT_EQ(CompactLoopedOutput(plain).text, plain);
  EXPECT_EQ(CompactLoopedOutput(plain).omitted_copies, 0);
  EXPECT_EQ(KeepHeadAndTail("abcdefghij", 4), "ab\n[... 6 bytes omitted ...]\nij");
}

Rollout R(std::string id, std::string group, double score, bool loop, int64_t length = 10, double vote_mean = 0) {
  return Rollout{std::move(id), std::move(group), true, score, vote_mean, length, loop};
}

TEST(Pairs, LoopsAreNeverChosenAndRejectedFirst) {
  std::vector<Rollout> rollouts = {
      R("a1", "A", 0.9, true),   // the best score, but a doom loop
      R("a2", "A", 0.6, false),
      R("a3", "A", 0.2, false),  // worst non-loop: still not rejected, a loop is there
      R("b1", "B", 0.5, true),   // all loops: skipped
      R("b2", "B", 0.4, true),
      R("c1", "C", 0.5, false),  // one scored rollout
      R("d1", "D", 0.5, false),  // tied
      R("d2", "D", 0.5, false),
      R("e1", "E", 0.55, false),  // below a 0.1 margin
      R("e2", "E", 0.5, false),
      R("f1", "F", 0.9, false),
      R("f2", "F", 0.1, false),
  };
  rollouts.push_back(Rollout{"c2", "C", false, 0, 0, 0, false});  // not scored
  const PairSelection s = SelectPairs(rollouts, 0.1);
  ASSERT_EQ(s.pairs.size(), 2u);
  EXPECT_EQ(rollouts[s.pairs[0].chosen].sample_id, "a2");
  EXPECT_EQ(rollouts[s.pairs[0].rejected].sample_id, "a1");
  EXPECT_TRUE(s.pairs[0].rejected_loops);
  EXPECT_EQ(rollouts[s.pairs[1].chosen].sample_id, "f1");
  EXPECT_EQ(rollouts[s.pairs[1].rejected].sample_id, "f2");
  EXPECT_EQ(s.skipped.all_loop, 1);
  EXPECT_EQ(s.skipped.too_few_scored, 1);
  EXPECT_EQ(s.skipped.tied, 1);
  EXPECT_EQ(s.skipped.below_margin, 1);
  EXPECT_EQ(s.looping_rejected, 1);
  EXPECT_DOUBLE_EQ(s.looping_rejected_share(), 0.5);
}

TEST(Pairs, TiesAreBrokenByVotesLengthAndIdNotInputOrder) {
  std::vector<Rollout> rollouts = {
      R("x1", "G", 0.8, false, 100, 0.5), R("x2", "G", 0.8, false, 100, 0.7),  // higher vote mean
      R("x3", "G", 0.8, false, 50, 0.5),                                        // shorter
      R("x4", "G", 0.1, false, 10, 0.2), R("x5", "G", 0.1, false, 30, 0.2),     // longer is rejected
      R("x6", "G", 0.1, false, 30, 0.2),                                        // same: larger id rejected
  };
  std::mt19937 rng(7);
  for (int trial = 0; trial < 10; ++trial) {
    std::shuffle(rollouts.begin(), rollouts.end(), rng);
    const PairSelection s = SelectPairs(rollouts, 0);
    ASSERT_EQ(s.pairs.size(), 1u);
    EXPECT_EQ(rollouts[s.pairs[0].chosen].sample_id, "x2");
    EXPECT_EQ(rollouts[s.pairs[0].rejected].sample_id, "x6");
  }
}

SampleRecord Sample(const std::string& text) {
  SampleRecord r;
  r.set_sample_id("s");
  r.set_prompt("Tell a story.");
  r.set_text(text);
  r.mutable_findings()->set_detector_version("test");
  return r;
}

TEST(RuleJudge, ScoresFromFindingsAndTaskScore) {
  SampleRecord r = Sample("{\"a\": 1}");
  r.mutable_findings()->mutable_ngram()->set_seq_rep_4(0.25);
  EXPECT_DOUBLE_EQ(RuleCheckJudge(REPETITION).Score(r).score, 0.75);
  r.mutable_findings()->mutable_verdict()->set_doom_loop(true);
  EXPECT_DOUBLE_EQ(RuleCheckJudge(REPETITION).Score(r).score, 0);
  EXPECT_DOUBLE_EQ(RuleCheckJudge(VALID_JSON).Score(r).score, 1);
  EXPECT_TRUE(RuleCheckJudge(TASK_SCORE).Score(r).abstained);
  EXPECT_TRUE(RuleCheckJudge(ANSWER_PRESENT).Score(r).abstained);
  r.mutable_score()->set_scored(true);
  r.mutable_score()->set_score(0.5);
  EXPECT_DOUBLE_EQ(RuleCheckJudge(TASK_SCORE).Score(r).score, 0.5);
  EXPECT_DOUBLE_EQ(RuleCheckJudge(ANSWER_PRESENT).Score(r).score, 0);
  EXPECT_DOUBLE_EQ(RuleCheckJudge(VALID_JSON).Score(Sample("```json\n[1, 2]\n```")).score, 1);
  EXPECT_DOUBLE_EQ(RuleCheckJudge(VALID_JSON).Score(Sample("here: [1, 2]")).score, 0);
  SampleRecord bare;
  EXPECT_TRUE(RuleCheckJudge(REPETITION).Score(bare).abstained);
}

json::Value Answer(const std::string& content) {
  json::Value message;
  message.Set("role", "assistant");
  message.Set("content", content);
  json::Value choice;
  choice.Set("message", std::move(message));
  json::Value out;
  out.Set("choices", json::Value(json::Array{std::move(choice)}));
  return out;
}

TEST(OpenAIJudge, ScalesParsesAndAbstains) {
  OpenAIJudge config;
  config.set_model("judge");
  json::Value sent;
  absl::StatusOr<json::Value> reply = Answer("{\"score\": 10}");
  OpenAIJudgeModel judge(config, [&](const json::Value& body) {
    sent = body;
    return reply;
  });
  std::string looped = "Start. ";
  for (int i = 0; i < 30; ++i) looped += "again and again and again. ";
  Verdict v = judge.Score(Sample(looped));
  EXPECT_FALSE(v.abstained);
  EXPECT_DOUBLE_EQ(v.score, 1.0);
  EXPECT_DOUBLE_EQ(v.raw, 10);
  const std::string content = sent.Find("messages")->as_array()[0].Find("content")->as_string();
  EXPECT_NE(content.find("[repeated 29 more times]"), std::string::npos);
  EXPECT_NE(content.find("Tell a story."), std::string::npos);
  EXPECT_EQ(sent.Find("model")->as_string(), "judge");

  reply = Answer("Score: 4");
  EXPECT_NEAR(judge.Score(Sample("x")).score, 3.0 / 9.0, 1e-12);
  reply = Answer("no idea");
  v = judge.Score(Sample("x"));
  EXPECT_TRUE(v.abstained);
  EXPECT_FALSE(v.retryable);
  EXPECT_NE(v.reason.find("unparseable"), std::string::npos);
  reply = Answer("{\"score\": 11}");
  EXPECT_TRUE(judge.Score(Sample("x")).abstained);
  reply = json::Value("not an object");
  EXPECT_TRUE(judge.Score(Sample("x")).abstained);
  reply = absl::DeadlineExceededError("POST ...: timed out");
  v = judge.Score(Sample("x"));
  EXPECT_TRUE(v.retryable);
  EXPECT_EQ(v.reason.rfind("timeout", 0), 0u);
  reply = absl::UnavailableError("POST http://x/v1/chat/completions: HTTP 500");
  v = judge.Score(Sample("x"));
  EXPECT_TRUE(v.abstained);
  EXPECT_TRUE(v.retryable);
  EXPECT_EQ(v.reason.rfind("unavailable: ", 0), 0u);
  reply = absl::InvalidArgumentError("HTTP 400: bad model");
  v = judge.Score(Sample("x"));
  EXPECT_FALSE(v.retryable);
  EXPECT_EQ(v.reason.rfind("refused: ", 0), 0u);
}

}  // namespace
}  // namespace doomscope::jury
