// `doomscope score` as a user runs it: stored generations in, accuracy with a
// Wilson interval and error classes out; doom loops score 0.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "benchmarks/tool_calls/python_call_writer.h"
#include "benchmarks/load_items.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "tests/benchmarks/bfcl_gold.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunDoomscope;
using testing::SharedPath;
using testing::WriteFile;

std::string Line(const std::string& item_id, const std::string& text, const std::string& finish_reason = "") {
  json::Value v{json::Object{{"item_id", json::Value(item_id)}, {"text", json::Value(text)}}};
  if (!finish_reason.empty()) v.Set("finish_reason", json::Value(finish_reason));
  return json::Serialize(v) + "\n";
}

json::Value ParseJson(const std::string& text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status() << " in " << text;
  return v.ok() ? *std::move(v) : json::Value();
}

TEST(ScoreE2eTest, BfclGoldCallsScoreFullMarksWithPerSampleOutput) {
  const std::string data = SharedPath("data/bfcl/BFCL_v4_parallel.json");
  TaskConfig cfg;
  cfg.set_kind(BFCL_V4);
  cfg.set_data(data);
  auto items = benchmarks::LoadTaskItems(cfg, "");
  ASSERT_TRUE(items.ok()) << items.status();
  std::string gens;
  for (const benchmarks::TaskItem& item : *items) gens += Line(item.id, benchmarks::PythonCallList(testing::GoldCalls(item)));
  const std::string dir = MakeTempDir("score_bfcl");
  WriteFile(dir + "/gens.jsonl", gens);
  const auto r = RunDoomscope(absl::StrCat("score --task bfcl --data ", data, " --generations ", dir,
                                           "/gens.jsonl --json --output ", dir, "/per_sample.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::Value summary = ParseJson(r.out);
  EXPECT_EQ(summary.Find("task")->as_string(), "bfcl");
  EXPECT_EQ(summary.Find("n")->as_int(), 200);
  EXPECT_EQ(summary.Find("correct")->as_int(), 200);
  EXPECT_EQ(summary.Find("accuracy")->as_double(), 1.0);
  EXPECT_NEAR(summary.Find("ci_low")->as_double(), 0.9812, 1e-4);
  EXPECT_EQ(summary.Find("ci_high")->as_double(), 1.0);
  EXPECT_EQ(json::Serialize(*summary.Find("errors")), "{}");

  const std::vector<std::string> lines =
      absl::StrSplit(ReadFile(dir + "/per_sample.jsonl"), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 200u);
  const json::Value first = ParseJson(lines[0]);
  EXPECT_EQ(first.Find("item_id")->as_string(), "parallel_0");
  EXPECT_TRUE(first.Find("correct")->as_bool());
  EXPECT_EQ(first.Find("error_class")->as_string(), "");
  EXPECT_EQ(first.Find("extracted")->as_string(),
            "[spotify.play(artist=\"Taylor Swift\", duration=20), spotify.play(artist=\"Maroon 5\", duration=15)]");
}

TEST(ScoreE2eTest, Gsm8kMixedOutcomesTableAndLoops) {
  const std::string data = SharedPath("data/gsm8k/test.jsonl");
  const std::string dir = MakeTempDir("score_gsm8k");
  std::string loop;
  for (int i = 0; i < 40; ++i) loop += "So the answer is 18 dollars per day. ";
  WriteFile(dir + "/gens.jsonl",
            Line("gsm8k-0", "She sells 9 eggs for $2 each.\nThe answer is 18.", "stop") +  // correct
                Line("gsm8k-1", "The answer is 4.", "stop") +                               // wrong (3)
                Line("gsm8k-2", "I am not sure.", "stop") +                                 // no answer
                Line("gsm8k-3", "The answer is 540.", "stop") +                             // an exemplar: skipped
                Line("gsm8k-0", loop, "loop"));                                              // a doom loop
  auto r = RunDoomscope(absl::StrCat("score --task gsm8k --data ", data, " --generations ", dir, "/gens.jsonl --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::Value summary = ParseJson(r.out);
  EXPECT_EQ(summary.Find("n")->as_int(), 4);
  EXPECT_EQ(summary.Find("correct")->as_int(), 1);
  EXPECT_EQ(json::Serialize(*summary.Find("errors")), R"({"doom_loop":1,"no_answer":1,"wrong_answer":1})");
  EXPECT_EQ(summary.Find("doom_loops")->as_int(), 1);
  EXPECT_EQ(summary.Find("looped_would_be_correct")->as_int(), 1);  // a naive harness credits the loop
  EXPECT_EQ(summary.Find("looped_extractable")->as_int(), 1);
  EXPECT_NE(r.err.find("skipped 1 generation(s)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1308 of 1311 items have no generation"), std::string::npos) << r.err;

  r = RunDoomscope(absl::StrCat("score --task gsm8k --data ", data, " --generations ", dir, "/gens.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("accuracy    0.2500  ["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error classes:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("doom_loop"), std::string::npos) << r.out;
}

TEST(ScoreE2eTest, Wnut17FencedJson) {
  const std::string data = SharedPath("data/wnut17/test.jsonl");
  const std::string dir = MakeTempDir("score_wnut");
  WriteFile(dir + "/gens.jsonl",
            Line("wnut17_test_0005",
                 "```json\n{\"person\": [\"Colonel Rajesh Kalia\"], \"location\": [], \"group\": [], "
                 "\"corporation\": [], \"product\": [], \"creative-work\": []}\n```") +
                Line("wnut17_test_0006", "{\"person\": [\"trunc"));
  const auto r = RunDoomscope(absl::StrCat("score --task wnut17 --data ", data, " --generations ", dir, "/gens.jsonl --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::Value summary = ParseJson(r.out);
  EXPECT_EQ(summary.Find("n")->as_int(), 2);
  EXPECT_EQ(json::Serialize(*summary.Find("errors")), R"({"invalid_json":1,"valid":1})");
}

TEST(ScoreE2eTest, BadInputExitsTwoWithAClearMessage) {
  const std::string data = SharedPath("data/gsm8k/test.jsonl");
  const std::string dir = MakeTempDir("score_bad");
  auto r = RunDoomscope(absl::StrCat("score --task math --data ", data, " --generations x"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--task must be gsm8k, wnut17 or bfcl"), std::string::npos) << r.err;
  r = RunDoomscope(absl::StrCat("score --task gsm8k --data ", data, " --generations ", dir, "/missing.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir + "/missing.jsonl"), std::string::npos) << r.err;
  WriteFile(dir + "/bad.jsonl", Line("gsm8k-0", "x") + "{\"item_id\": \"gsm8k-1\"}\n");
  r = RunDoomscope(absl::StrCat("score --task gsm8k --data ", data, " --generations ", dir, "/bad.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir + "/bad.jsonl:2: field 'text' must be a string"), std::string::npos) << r.err;
  WriteFile(dir + "/reason.jsonl", Line("gsm8k-0", "x", "timeout"));
  r = RunDoomscope(absl::StrCat("score --task gsm8k --data ", data, " --generations ", dir, "/reason.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":1: field 'finish_reason': unknown value \"timeout\""), std::string::npos) << r.err;
  WriteFile(dir + "/other.jsonl", Line("nope-1", "x"));
  r = RunDoomscope(absl::StrCat("score --task gsm8k --data ", data, " --generations ", dir, "/other.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no generation in"), std::string::npos) << r.err;
  r = RunDoomscope("score --task gsm8k --suite x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown flag --suite"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace doomscope
