// The one generations-JSONL reader and finish-reason parser that detect,
// score and replay share (issue 14: three parsers used to disagree).
#include "results/generations/generations_reader.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "results/generations/finish_reason.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::WriteFile;

TEST(FinishReasonTest, AcceptsOurNamesAndTheApisOnes) {
  EXPECT_EQ(*ParseFinishReason("stop"), STOP);
  EXPECT_EQ(*ParseFinishReason("eos"), EOS);
  EXPECT_EQ(*ParseFinishReason("end_turn"), STOP);
  EXPECT_EQ(*ParseFinishReason("stop_sequence"), STOP);
  EXPECT_EQ(*ParseFinishReason("tool_calls"), STOP);
  EXPECT_EQ(*ParseFinishReason("length"), LENGTH);
  EXPECT_EQ(*ParseFinishReason("max_tokens"), LENGTH);
  EXPECT_EQ(*ParseFinishReason("loop"), LOOP);
  EXPECT_EQ(*ParseFinishReason("error"), ERROR);
  const absl::Status bad = ParseFinishReason("timeout").status();
  EXPECT_NE(bad.message().find("field 'finish_reason': unknown value \"timeout\""), std::string::npos) << bad;
  EXPECT_FALSE(ParseFinishReason("LENGTH").ok());  // exact, as every API writes them
}

TEST(FinishReasonTest, NamesRoundTrip) {
  for (FinishReason f : {EOS, STOP, LENGTH, LOOP, ERROR}) EXPECT_EQ(*ParseFinishReason(FinishReasonName(f)), f);
  EXPECT_EQ(FinishReasonName(FINISH_REASON_UNSPECIFIED), "unspecified");
}

std::vector<Generation> ReadAll(const std::string& path, const GenerationsOptions& options, absl::Status* st) {
  std::vector<Generation> out;
  *st = ReadGenerations(path, options, [&](Generation g) {
    out.push_back(std::move(g));
    return absl::OkStatus();
  });
  return out;
}

TEST(GenerationsReaderTest, ReadsEveryField) {
  const std::string path = MakeTempDir("gen") + "/g.jsonl";
  WriteFile(path,
            R"({"item_id": "q1", "text": "hi", "tokens": [1, 2], "finish_reason": "max_tokens", "max_new_tokens": 2,)"
            R"( "effective_max_tokens": 2, "detected_at": 1, "rollout": 3, "checkpoint": "sft", "task": "gsm8k",)"
            R"( "sampling": 7, "model": "m"})"
            "\n\n"
            R"({"id": 12, "text": "x"})"
            "\n");
  GenerationsOptions options;
  options.keep_fields = {"model", "absent"};
  absl::Status st;
  const std::vector<Generation> g = ReadAll(path, options, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].line, 1);
  EXPECT_EQ(g[0].item_id, "q1");
  EXPECT_EQ(g[0].text, "hi");
  EXPECT_EQ(*g[0].tokens, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(g[0].finish_reason, LENGTH);
  EXPECT_EQ(g[0].max_new_tokens, 2);
  EXPECT_EQ(g[0].effective_max_tokens, 2);
  EXPECT_EQ(g[0].detected_at, 1);
  EXPECT_EQ(*g[0].rollout, 3);
  EXPECT_EQ(g[0].checkpoint, "sft");
  EXPECT_EQ(g[0].task, "gsm8k");
  EXPECT_EQ(g[0].sampling, "7");
  EXPECT_EQ(g[0].kept, (std::vector<std::string>{"m", ""}));
  EXPECT_EQ(g[1].line, 3);
  EXPECT_EQ(g[1].item_id, "12");  // "id" is accepted for "item_id"
  EXPECT_TRUE(g[1].id.is_int());
  EXPECT_EQ(g[1].finish_reason, FINISH_REASON_UNSPECIFIED);
}

TEST(GenerationsReaderTest, ErrorsNameFileLineAndField) {
  const std::string dir = MakeTempDir("genbad");
  struct Case {
    std::string line, expect;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"text": "x"})", ":1: field 'item_id': missing"},
           {R"({"item_id": "", "text": "x"})", ":1: field 'item_id' must be a non-empty string"},
           {R"({"item_id": "a", "text": 3})", ":1: field 'text' must be a string"},
           {R"({"item_id": "a"})", ":1: field 'text' must be a string"},
           {R"({"item_id": "a", "text": "x", "tokens": [1, -2]})", ":1: field 'tokens': element 1"},
           {R"({"item_id": "a", "text": "x", "finish_reason": "timeout"})", ":1: field 'finish_reason': unknown"},
           {R"({"item_id": "a", "text": "x", "max_new_tokens": 0})", ":1: field 'max_new_tokens' must be"},
           {R"([1, 2])", ":1: expected a JSON object"},
           {R"({"item_id": "a", "text": "x)", ":1: invalid JSON"},
       }) {
    const std::string path = dir + "/g.jsonl";
    WriteFile(path, c.line + "\n");
    absl::Status st;
    ReadAll(path, GenerationsOptions(), &st);
    EXPECT_NE(st.message().find(path + c.expect), std::string::npos) << c.line << " -> " << st;
  }
}

TEST(GenerationsReaderTest, TokenOnlyLinesWhenTheCallerAllowsThem) {
  const std::string path = MakeTempDir("gentok") + "/g.jsonl";
  WriteFile(path, R"({"id": "t", "tokens": [5, 6, 7]})" "\n");
  absl::Status st;
  ReadAll(path, GenerationsOptions(), &st);
  EXPECT_FALSE(st.ok());
  GenerationsOptions options;
  options.allow_token_only = true;
  const std::vector<Generation> g = ReadAll(path, options, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(g.size(), 1u);
  EXPECT_FALSE(g[0].has_text);
  EXPECT_EQ(g[0].tokens->size(), 3u);
}

TEST(GenerationsReaderTest, BadLinesCanBeSkippedAndCounted) {
  const std::string path = MakeTempDir("genskip") + "/g.jsonl";
  WriteFile(path, R"({"item_id": "a", "text": "x"})" "\nnot json\n" R"({"item_id": "b", "text": "y"})" "\n");
  int bad = 0;
  std::vector<std::string> ids;
  const absl::Status st = ReadGenerations(
      path, GenerationsOptions(),
      [&](Generation g) {
        ids.push_back(g.item_id);
        return absl::OkStatus();
      },
      [&](const absl::Status&) { ++bad; });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(bad, 1);
}

}  // namespace
}  // namespace doomscope
