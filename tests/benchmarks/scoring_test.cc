// ScoreSample per benchmark, termination-aware zeroing, and the aggregate.
#include "benchmarks/score_sample.h"

#include "eval/aggregate.h"
#include "eval/error_classes.h"
#include "gtest/gtest.h"

namespace doomscope::benchmarks {
namespace {

json::Value J(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *std::move(v) : json::Value();
}

TaskConfig Cfg(TaskKind kind) {
  TaskConfig cfg;
  cfg.set_name("t");
  cfg.set_kind(kind);
  return cfg;
}

TaskItem Gsm8kItem(std::string answer) {
  TaskItem item;
  item.id = "gsm8k-1";
  item.gold = json::Value(json::Object{{"answer", json::Value(std::move(answer))}});
  item.extra = J(R"({"stop": ["\nQuestion:"]})");
  return item;
}

TaskItem WnutItem(std::string_view fields) {
  TaskItem item;
  item.id = "w1";
  item.gold = J(fields);
  return item;
}

constexpr std::string_view kFields =
    R"({"person": ["Colonel Rajesh Kalia", "Ann"], "location": ["Paris"], "group": [], "corporation": [], "product": [], "creative-work": []})";

TEST(ScoringTest, Gsm8kStrictAndFlexible) {
  const TaskItem item = Gsm8kItem("1450000");
  eval::ScoreResult r = ScoreSample(Cfg(GSM8K_JSONL), item, "So the total is 1,450,000 dollars.", false);
  EXPECT_FALSE(r.correct);  // strict needs a marker
  EXPECT_EQ(r.error_class, eval::error_class::kNoAnswer);
  EXPECT_TRUE(r.answer_extractable);
  EXPECT_EQ(r.details.Find("flexible_correct")->as_bool(), true);
  TaskConfig flexible = Cfg(GSM8K_JSONL);
  flexible.set_gsm8k_scoring(GSM8K_SCORING_FLEXIBLE);
  r = ScoreSample(flexible, item, "So the total is 1,450,000 dollars.", false);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.extracted, "1450000");
  r = ScoreSample(Cfg(GSM8K_JSONL), item, "The answer is $1,450,000.00.", false);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.error_class, "");
  r = ScoreSample(Cfg(GSM8K_JSONL), item, "The answer is 12.", false);
  EXPECT_EQ(r.error_class, eval::error_class::kWrongAnswer);
  EXPECT_EQ(r.extracted, "12");
}

TEST(ScoringTest, StopStringsCutTheOutputFirst) {
  // A base model invents the next question after answering; its numbers must not count.
  const TaskItem item = Gsm8kItem("18");
  TaskConfig flexible = Cfg(GSM8K_JSONL);
  flexible.set_gsm8k_scoring(GSM8K_SCORING_FLEXIBLE);
  const eval::ScoreResult r = ScoreSample(flexible, item, " 16-3-4=9, 9*2=18\nQuestion: Tom has 5 cats", false);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.extracted, "18");
}

TEST(ScoringTest, ThinkingIsNeverTheAnswer) {
  // A chat model reasons in <think>...</think> first: a number written while
  // thinking (even a "stop string" in it) is not its answer.
  const TaskItem item = Gsm8kItem("7");
  eval::ScoreResult r = ScoreSample(Cfg(GSM8K_JSONL), item, "<think>The answer is 5?\nQuestion: no</think>\n#### 7", false);
  EXPECT_TRUE(r.correct) << r.extracted;
  EXPECT_EQ(r.extracted, "7");
  r = ScoreSample(Cfg(GSM8K_JSONL), item, "<think>The answer is 7.</think>\nThe answer is 5.", false);
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.extracted, "5");
  // Still thinking when generation stopped: no answer at all.
  r = ScoreSample(Cfg(GSM8K_JSONL), item, "Let me see. <think>The answer is 7.", false);
  EXPECT_EQ(r.error_class, eval::error_class::kNoAnswer);
  // The opening was in the prompt (DeepSeek-R1's generation prompt ends in "<think>\n").
  r = ScoreSample(Cfg(GSM8K_JSONL), item, "The answer is 5.</think>The answer is 7.", false);
  EXPECT_TRUE(r.correct) << r.extracted;
  // Several segments.
  EXPECT_EQ(eval::WithoutThinking("a<think>x</think>b<think>y</think>c"), "abc");
  EXPECT_EQ(eval::WithoutThinking("no reasoning"), "no reasoning");
  EXPECT_EQ(eval::WithoutThinking(""), "");
}

TEST(ScoringTest, Wnut17ClassesAndF1) {
  const TaskItem item = WnutItem(kFields);
  // Case, spacing and surrounding punctuation do not matter; fences are fine.
  eval::ScoreResult r = ScoreSample(Cfg(WNUT17_JSONL), item,
                              "```json\n{\"person\": [\"colonel  rajesh kalia.\", \"\\\"Ann\\\"\"], \"location\": "
                              "[\"PARIS\"], \"group\": [], \"corporation\": [], \"product\": [], \"creative-work\": []}\n```",
                              false);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.error_class, eval::error_class::kValid);
  EXPECT_EQ(r.score, 1.0);
  // One miss, one spurious: tp 2, fp 1, fn 1 -> F1 = 4/6.
  r = ScoreSample(Cfg(WNUT17_JSONL), item,
                  R"({"person": ["Ann", "Bob"], "location": ["Paris"], "group": [], "corporation": [], "product": [], "creative-work": []})",
                  false);
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.error_class, eval::error_class::kValid);
  EXPECT_DOUBLE_EQ(r.score, 4.0 / 6.0);
  EXPECT_EQ(json::Serialize(*r.details.Find("counts")->Find("person")), "[1,1,1]");
  // Missing keys: wrong schema, still scored on what is there.
  r = ScoreSample(Cfg(WNUT17_JSONL), item, R"({"person": ["Ann", "Colonel Rajesh Kalia"], "location": "Paris"})", false);
  EXPECT_EQ(r.error_class, eval::error_class::kWrongSchema);
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.score, 1.0);
  // Truncated JSON from a capped generation.
  r = ScoreSample(Cfg(WNUT17_JSONL), item, R"({"person": ["Ann", "Colo)", false);
  EXPECT_EQ(r.error_class, eval::error_class::kInvalidJson);
  EXPECT_FALSE(r.answer_extractable);
  EXPECT_EQ(r.score, 0.0);
  EXPECT_EQ(ScoreSample(Cfg(WNUT17_JSONL), item, "  ", false).error_class, eval::error_class::kEmpty);
  // An extra key is a schema error.
  r = ScoreSample(Cfg(WNUT17_JSONL), WnutItem(R"({"person": [], "location": [], "group": [], "corporation": [], "product": [], "creative-work": []})"),
                  R"({"person": [], "location": [], "group": [], "corporation": [], "product": [], "creative-work": [], "date": []})",
                  false);
  EXPECT_EQ(r.error_class, eval::error_class::kWrongSchema);
}

TEST(ScoringTest, BfclIrrelevanceAndAbstentions) {
  TaskItem item;
  item.id = "irrelevance_0";
  item.gold = json::Value(json::Array{});
  item.extra = J(R"({"category": "irrelevance", "functions": [{"name": "f", "parameters": {"type": "dict", "properties": {}}}]})");
  EXPECT_TRUE(ScoreSample(Cfg(BFCL_V4), item, "No function can do that.", false).correct);
  EXPECT_EQ(ScoreSample(Cfg(BFCL_V4), item, "[f()]", false).error_class, eval::error_class::kUnexpectedCall);
  EXPECT_EQ(ScoreSample(Cfg(BFCL_V4), item, "[f(a=", false).error_class, eval::error_class::kParseError);
  EXPECT_EQ(ScoreSample(Cfg(BFCL_V4), item, "", false).error_class, eval::error_class::kEmpty);
  item.id = "simple_python_0";
  item.gold = J(R"([{"f": {}}])");
  item.extra.Set("category", json::Value("simple_python"));
  EXPECT_EQ(ScoreSample(Cfg(BFCL_V4), item, "No function can do that.", false).error_class, eval::error_class::kAbstained);
  const eval::ScoreResult r = ScoreSample(Cfg(BFCL_V4), item, "[f()]", false);
  EXPECT_TRUE(r.correct);
  EXPECT_EQ(r.extracted, "[f()]");
}

TEST(ScoringTest, DoomLoopsScoreZeroButReportWhatWasExtractable) {
  const TaskItem item = Gsm8kItem("7");
  const std::string looped = "The answer is 7. The answer is 7. The answer is 7. The answer is 7.";
  eval::ScoreResult r = ScoreSample(Cfg(GSM8K_JSONL), item, looped, true);
  EXPECT_FALSE(r.correct);
  EXPECT_EQ(r.score, 0.0);
  EXPECT_EQ(r.error_class, eval::error_class::kDoomLoop);
  EXPECT_TRUE(r.answer_extractable);
  EXPECT_TRUE(r.details.Find("unzeroed")->Find("correct")->as_bool());
  EXPECT_FALSE(r.details.Find("strict_correct")->as_bool());

  TaskConfig naive = Cfg(GSM8K_JSONL);
  naive.set_loop_scores_zero(false);
  r = ScoreSample(naive, item, looped, true);
  EXPECT_TRUE(r.correct);
  EXPECT_TRUE(r.details.Find("doom_loop")->as_bool());

  const TaskItem w = WnutItem(kFields);
  r = ScoreSample(Cfg(WNUT17_JSONL), w, std::string(kFields), true);
  EXPECT_EQ(r.error_class, eval::error_class::kDoomLoop);
  EXPECT_EQ(json::Serialize(*r.details.Find("counts")->Find("person")), "[0,0,2]");
}

TEST(ScoringTest, ContinuationIsNotScored) {
  TaskItem item;
  item.id = "c";
  EXPECT_FALSE(ScoreSample(Cfg(PROMPTS_JSONL), item, "text", true).scored);
}

TEST(AggregateTest, AccuracyIntervalErrorsAndLoopCounts) {
  TaskConfig gsm8k = Cfg(GSM8K_JSONL);
  gsm8k.set_name("gsm8k");
  eval::ScoreAggregator agg = NewScoreAggregator(gsm8k);
  const TaskItem item = Gsm8kItem("7");
  agg.Add("a", ScoreSample(Cfg(GSM8K_JSONL), item, "The answer is 7.", false));
  agg.Add("b", ScoreSample(Cfg(GSM8K_JSONL), item, "The answer is 8.", false));
  agg.Add("c", ScoreSample(Cfg(GSM8K_JSONL), item, "I give up", false));
  agg.Add("d", ScoreSample(Cfg(GSM8K_JSONL), item, "The answer is 7. The answer is 7.", true));
  const eval::TaskSummary s = agg.Summary();
  EXPECT_EQ(s.n, 4);
  EXPECT_EQ(s.correct, 1);
  EXPECT_DOUBLE_EQ(s.accuracy, 0.25);
  // Wilson 95% for 1/4.
  EXPECT_NEAR(s.ci_low, 0.0455, 1e-4);
  EXPECT_NEAR(s.ci_high, 0.6994, 1e-4);
  EXPECT_EQ(s.errors.at("wrong_answer"), 1);
  EXPECT_EQ(s.errors.at("no_answer"), 1);
  EXPECT_EQ(s.errors.at("doom_loop"), 1);
  EXPECT_EQ(s.doom_loops, 1);
  EXPECT_EQ(s.looped_extractable, 1);
  EXPECT_EQ(s.looped_would_be_correct, 1);
  EXPECT_DOUBLE_EQ(s.metrics.Find("strict_accuracy")->as_double(), 0.25);
  const json::Value j = eval::SummaryToJson(s);
  for (const char* key : {"task", "n", "correct", "accuracy", "ci_low", "ci_high", "errors"}) {
    EXPECT_NE(j.Find(key), nullptr) << key;
  }
  EXPECT_EQ(json::Serialize(*j.Find("errors")), R"({"doom_loop":1,"no_answer":1,"wrong_answer":1})");
}

TEST(AggregateTest, Wnut17MicroAndPerType) {
  TaskConfig wnut = Cfg(WNUT17_JSONL);
  wnut.set_name("wnut17");
  eval::ScoreAggregator agg = NewScoreAggregator(wnut);
  const TaskItem item = WnutItem(kFields);
  agg.Add("w1", ScoreSample(Cfg(WNUT17_JSONL), item, std::string(kFields), false));
  agg.Add("w2", ScoreSample(Cfg(WNUT17_JSONL), item,
                            R"({"person": ["Ann"], "location": ["Rome"], "group": [], "corporation": [], "product": [], "creative-work": []})",
                            false));
  const eval::TaskSummary s = agg.Summary();
  // tp 3+1=4, fp 0+1=1, fn 0+2=2.
  const json::Value* micro = s.metrics.Find("micro");
  EXPECT_EQ(micro->Find("tp")->as_int(), 4);
  EXPECT_EQ(micro->Find("fp")->as_int(), 1);
  EXPECT_EQ(micro->Find("fn")->as_int(), 2);
  EXPECT_DOUBLE_EQ(micro->Find("f1")->as_double(), 8.0 / 11.0);
  EXPECT_DOUBLE_EQ(s.metrics.Find("per_type")->Find("location")->Find("precision")->as_double(), 0.5);
  EXPECT_DOUBLE_EQ(s.metrics.Find("exact_match")->as_double(), 0.5);
  EXPECT_DOUBLE_EQ(s.metrics.Find("schema_validity")->as_double(), 1.0);
  EXPECT_EQ(s.errors.at("valid"), 2);
}

}  // namespace
}  // namespace doomscope::benchmarks
