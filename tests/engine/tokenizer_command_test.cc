// `doomscope tokenize` as a user runs it: one text, a JSONL file in order,
// --add-special, and bad input refused with the file and line (exit 2).
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using ::testing::HasSubstr;
using testing::RunDoomscope;
using testing::SharedPath;

TEST(TokenizeCommandTest, TextPrintsIdsAndJson) {
  const std::string qwen = SharedPath("tokenizers/qwen3");
  testing::CommandResult r = RunDoomscope("tokenize --tokenizer '" + qwen + "' --text 'Hello world'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "9707 1879\n");
  r = RunDoomscope("tokenize --tokenizer '" + qwen + "' --text '<|im_start|>user' --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"ids\":[151644,872]}\n");
}

TEST(TokenizeCommandTest, InputLinesGiveIdsInOrderAndAddSpecialAddsBos) {
  const std::string dir = testing::MakeTempDir("tokenize");
  testing::WriteFile(dir + "/in.jsonl", "{\"text\": \"Once upon a time\"}\n{\"text\": \"\"}\n{\"text\": \"The dog\"}\n");
  const std::string folder = SharedPath("models/hf/stories260K");
  testing::CommandResult r = RunDoomscope("tokenize --tokenizer '" + folder + "' --input '" + dir + "/in.jsonl'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"ids\":[403,407,261,378]}\n{\"ids\":[]}\n{\"ids\":[291,400,428]}\n");
  r = RunDoomscope("tokenize --tokenizer '" + folder + "' --add-special --input '" + dir + "/in.jsonl'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"ids\":[1,403,407,261,378]}\n{\"ids\":[1]}\n{\"ids\":[1,291,400,428]}\n");
}

TEST(TokenizeCommandTest, BadInputExitsTwoNamingFileAndLine) {
  const std::string dir = testing::MakeTempDir("tokenize");
  testing::WriteFile(dir + "/bad.jsonl", "{\"text\": \"ok\"}\n{\"txt\": 3}\n");
  const std::string folder = SharedPath("models/hf/stories260K");
  testing::CommandResult r = RunDoomscope("tokenize --tokenizer '" + folder + "' --input '" + dir + "/bad.jsonl'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(dir + "/bad.jsonl:2"));
  EXPECT_EQ(r.out, "");
  r = RunDoomscope("tokenize --tokenizer '" + dir + "' --text hi");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("needs tokenizer.json"));
  r = RunDoomscope("tokenize --text hi");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace doomscope
