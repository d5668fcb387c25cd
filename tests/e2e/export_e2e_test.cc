// `doomscope export --jsonl` end to end.
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "tests/results/record_builders.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::ReadFile;
using ::doomscope::testing::RunDoomscope;

TEST(ExportE2E, OneObjectPerSampleWithFindings) {
  const std::string dir = MakeTempDir("exp") + "/run";
  auto records = results::testing::Cell("sft", SFT, "gsm8k", "greedy", 3, 1);
  results::testing::SetScore(&records[1], true);
  ASSERT_TRUE(results::testing::WriteRunDir(dir, records).ok());
  const std::string out = MakeTempDir("expout") + "/s.jsonl";
  auto r = RunDoomscope("export " + dir + " --jsonl " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = absl::StrSplit(ReadFile(out), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  auto first = json::Parse(lines[0]);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->Find("sample_id")->as_string(), "sft/gsm8k/greedy/0/0");
  EXPECT_EQ(first->Find("checkpoint")->as_string(), "sft");
  EXPECT_EQ(first->Find("stage")->as_string(), "SFT");
  EXPECT_EQ(first->Find("task")->as_string(), "gsm8k");
  EXPECT_EQ(first->Find("sampling")->as_string(), "greedy");
  EXPECT_EQ(first->Find("item_id")->as_string(), "item-0");
  EXPECT_EQ(first->Find("rollout")->as_int(), 0);
  EXPECT_EQ(first->Find("finish_reason")->as_string(), "length");
  EXPECT_TRUE(first->Find("doom_loop")->as_bool());
  EXPECT_EQ(first->Find("kind")->as_string(), "TAIL_LOOP");
  EXPECT_EQ(first->Find("text")->as_string(), "intro. again again again again");
  EXPECT_EQ(first->Find("tokens")->as_array().size(), 100u);
  EXPECT_EQ(first->Find("tokens")->as_array()[5].as_int(), 1);
  const json::Value* findings = first->Find("findings");
  ASSERT_NE(findings, nullptr);
  EXPECT_TRUE(findings->Find("tail")->Find("periodic")->as_bool());
  EXPECT_TRUE(first->Find("score")->is_null());
  auto second = json::Parse(lines[1]);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->Find("doom_loop")->as_bool());
  EXPECT_TRUE(second->Find("score")->Find("correct")->as_bool());
}

TEST(ExportE2E, RequiresJsonlAndAFolder) {
  EXPECT_EQ(RunDoomscope("export /nonexistent/x --jsonl /tmp/x.jsonl").exit_code, 2);
  EXPECT_EQ(RunDoomscope("export " + MakeTempDir("e")).exit_code, 2);
}

}  // namespace
}  // namespace doomscope
