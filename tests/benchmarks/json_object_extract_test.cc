// The first JSON object in a model's output.
#include "benchmarks/common/json_object_extract.h"

#include "gtest/gtest.h"

namespace doomscope::benchmarks {
namespace {

TEST(JsonObjectExtractTest, FindsTheFirstObjectInProseAndFences) {
  JsonObjectExtraction ex = ExtractFirstJsonObject("Here you go:\n```json\n{\"person\": [\"Ann\"]}\n```\nDone.");
  ASSERT_EQ(ex.outcome, JsonObjectOutcome::kFound) << ex.error;
  EXPECT_EQ(json::Serialize(ex.value), R"({"person":["Ann"]})");
  ex = ExtractFirstJsonObject("Braces {like this} are prose. {\"a\": 1} {\"b\": 2}");
  ASSERT_EQ(ex.outcome, JsonObjectOutcome::kFound);
  EXPECT_EQ(json::Serialize(ex.value), R"({"a":1})");
  ex = ExtractFirstJsonObject("{}");
  ASSERT_EQ(ex.outcome, JsonObjectOutcome::kFound);
}

TEST(JsonObjectExtractTest, TruncatedJsonFromACappedGenerationIsInvalid) {
  const JsonObjectExtraction ex = ExtractFirstJsonObject("{\"person\": [\"Ann\", \"Bo");
  EXPECT_EQ(ex.outcome, JsonObjectOutcome::kInvalid);
  EXPECT_NE(ex.error.find("invalid JSON object"), std::string::npos);
  // A later complete object does not rescue a broken first one.
  EXPECT_EQ(ExtractFirstJsonObject("{\"a\": [1, {\"b\": 2}").outcome, JsonObjectOutcome::kInvalid);
  EXPECT_EQ(ExtractFirstJsonObject("{'person': ['Ann']}").outcome, JsonObjectOutcome::kNotFound);
  EXPECT_EQ(ExtractFirstJsonObject("{").outcome, JsonObjectOutcome::kInvalid);
}

TEST(JsonObjectExtractTest, EmptyAndThinking) {
  EXPECT_EQ(ExtractFirstJsonObject("  \n").outcome, JsonObjectOutcome::kEmpty);
  EXPECT_EQ(ExtractFirstJsonObject("no json here").outcome, JsonObjectOutcome::kNotFound);
  JsonObjectExtraction ex = ExtractFirstJsonObject("<think>{\"draft\": 1}</think>{\"final\": 2}");
  ASSERT_EQ(ex.outcome, JsonObjectOutcome::kFound);
  EXPECT_EQ(json::Serialize(ex.value), R"({"final":2})");
  EXPECT_EQ(ExtractFirstJsonObject("<think>{\"draft\": 1}").outcome, JsonObjectOutcome::kEmpty);
}

}  // namespace
}  // namespace doomscope::benchmarks
