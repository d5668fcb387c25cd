// GSM8K: strict/flexible extraction, loader and prompts.
#include "benchmarks/gsm8k/data.h"

#include "benchmarks/gsm8k/extract.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::benchmarks {
namespace {

using doomscope::testing::MakeTempDir;
using doomscope::testing::SharedPath;
using doomscope::testing::WriteFile;

TEST(Gsm8kExtractTest, StrictMarkersAndFlexibleLastNumber) {
  Gsm8kExtraction ex = ExtractGsm8kAnswers("She has 3 apples.\n#### 1,234");
  EXPECT_EQ(ex.strict, "1234");
  EXPECT_EQ(ex.flexible, "1234");
  ex = ExtractGsm8kAnswers("So 5 * 3 = 15 dollars. The answer is $15.00.");
  EXPECT_EQ(ex.strict, "15");
  EXPECT_EQ(ex.flexible, "15");
  ex = ExtractGsm8kAnswers("The final answer is: **-3**");
  EXPECT_EQ(ex.strict, "-3");
  ex = ExtractGsm8kAnswers("Thus \\boxed{42}.");
  EXPECT_EQ(ex.strict, "42");
  // The first strict marker wins; flexible takes the last number.
  ex = ExtractGsm8kAnswers("The answer is 7. Then 8 more and 9");
  EXPECT_EQ(ex.strict, "7");
  EXPECT_EQ(ex.flexible, "9");
  // No marker: only flexible.
  ex = ExtractGsm8kAnswers("It costs 12 dollars, so 2,500 cents total.");
  EXPECT_EQ(ex.strict, std::nullopt);
  EXPECT_EQ(ex.flexible, "2500");
  // "1,2,3" is a list, not a number; a range's dash is not a minus.
  EXPECT_EQ(ExtractGsm8kAnswers("pick 1,2,3").flexible, "3");
  EXPECT_EQ(ExtractGsm8kAnswers("between 5-10").flexible, "10");
  EXPECT_EQ(ExtractGsm8kAnswers("it fell to -10").flexible, "-10");
  // Nothing at all.
  ex = ExtractGsm8kAnswers("I do not know.");
  EXPECT_FALSE(ex.strict.has_value());
  EXPECT_FALSE(ex.flexible.has_value());
}

TEST(Gsm8kExtractTest, ReferenceAnswer) {
  EXPECT_EQ(Gsm8kReferenceAnswer("a\nb\n#### 2,125"), "2125");
  EXPECT_EQ(Gsm8kReferenceAnswer("#### -3\n"), "-3");
  EXPECT_EQ(Gsm8kReferenceAnswer("no marker 5"), std::nullopt);
}

TEST(Gsm8kTest, ExemplarAnswerDropsAnnotationsAndRewritesTheMarker) {
  EXPECT_EQ(Gsm8kExemplarAnswer("He sprints 3*3=<<3*3=9>>9 times\nSo he runs 9*60=<<9*60=540>>540 meters\n#### 540"),
            "He sprints 3*3=9 times\nSo he runs 9*60=540 meters\nThe answer is 540.");
}

TEST(Gsm8kTest, LoadsSharedDataWithoutExemplarsAndBuildsKShotPrompts) {
  TaskConfig cfg;
  cfg.set_name("gsm8k");
  cfg.set_kind(GSM8K_JSONL);
  cfg.set_data(SharedPath("data/gsm8k/test.jsonl"));
  cfg.set_shots(2);
  auto items = LoadGsm8kItems(cfg, cfg.data());
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1311u);
  EXPECT_EQ((*items)[0].id, "gsm8k-0");
  EXPECT_EQ((*items)[3].id, "gsm8k-4");  // gsm8k-3 is an exemplar
  for (const TaskItem& item : *items) {
    for (std::string_view ex : DefaultGsm8kExemplarIds()) ASSERT_NE(item.id, ex);
  }
  const TaskItem& first = (*items)[0];
  EXPECT_EQ(first.gold.Find("answer")->as_string(), "18");
  // Plain prompt: instruction, two exemplars, the question, "Answer:".
  EXPECT_EQ(first.prompt.find(std::string(Gsm8kInstruction())), 0u);
  EXPECT_NE(first.prompt.find("Question: James decides to run 3 sprints"), std::string::npos);
  EXPECT_NE(first.prompt.find("The answer is 540.\n\nQuestion: John buys 2 pairs"), std::string::npos);
  EXPECT_EQ(first.prompt.substr(first.prompt.size() - 8), "\nAnswer:");
  // Chat: system, (user, assistant) x 2, user.
  ASSERT_EQ(first.messages.size(), 6u);
  EXPECT_EQ(first.messages[0].role, "system");
  EXPECT_EQ(first.messages[2].role, "assistant");
  EXPECT_EQ(first.messages[2].content.substr(first.messages[2].content.size() - 18), "The answer is 540.");
  EXPECT_EQ(first.messages[5].role, "user");
  EXPECT_EQ(first.messages[5].content.substr(0, 15), "Janet\xE2\x80\x99s ducks");

  cfg.set_shots(0);
  cfg.set_limit(5);
  items = LoadGsm8kItems(cfg, cfg.data());
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 5u);
  EXPECT_EQ((*items)[0].messages.size(), 2u);
  EXPECT_EQ((*items)[0].prompt.find("Question: James"), std::string::npos);
}

TEST(Gsm8kTest, ConfigAndDataErrorsNameTheProblem) {
  const std::string dir = MakeTempDir("gsm8k");
  const std::string path = dir + "/t.jsonl";
  WriteFile(path, "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": \"q2\"}\n");
  TaskConfig cfg;
  cfg.set_name("g");
  cfg.set_kind(GSM8K_JSONL);
  cfg.set_data(path);
  cfg.add_exemplar_ids("gsm8k-0");
  auto items = LoadGsm8kItems(cfg, path);
  ASSERT_FALSE(items.ok());
  EXPECT_NE(items.status().message().find(path + ":2: missing field 'answer'"), std::string::npos) << items.status();

  WriteFile(path, "{\"question\": \"q\", \"answer\": \"no final\"}\n");
  items = LoadGsm8kItems(cfg, path);
  ASSERT_FALSE(items.ok());
  EXPECT_NE(items.status().message().find(":1: field 'answer' has no '#### <number>'"), std::string::npos);

  WriteFile(path, "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": \"q\", \"answer\": \"#### 2\"}\n");
  cfg.set_shots(2);
  items = LoadGsm8kItems(cfg, path);
  ASSERT_FALSE(items.ok());
  EXPECT_NE(items.status().message().find("shots = 2 but only 1 exemplar ids"), std::string::npos);
  cfg.set_shots(1);
  cfg.clear_exemplar_ids();
  cfg.add_exemplar_ids("gsm8k-7");
  items = LoadGsm8kItems(cfg, path);
  ASSERT_FALSE(items.ok());
  EXPECT_NE(items.status().message().find("exemplar id 'gsm8k-7' is not an item"), std::string::npos);
  cfg.clear_exemplar_ids();
  cfg.add_exemplar_ids("gsm8k-1");
  items = LoadGsm8kItems(cfg, path);
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].id, "gsm8k-0");
  EXPECT_NE((*items)[0].prompt.find("Answer: The answer is 2.\n\nQuestion: q\nAnswer:"), std::string::npos);
}

}  // namespace
}  // namespace doomscope::benchmarks
