// `doomscope report` end to end over a synthetic run folder.
#include <string>

#include "gtest/gtest.h"
#include "results/json/json.h"
#include "tests/results/record_builders.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using results::testing::Cell;
using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::ReadFile;
using ::doomscope::testing::RunDoomscope;

TEST(ReportE2E, TableJsonAndMarkdown) {
  const std::string dir = MakeTempDir("rep") + "/run";
  auto records = Cell("sft", SFT, "stories", "greedy", 10, 2);
  auto pre = Cell("pre", PRETRAIN, "stories", "greedy", 10, 4);
  records.insert(records.end(), pre.begin(), pre.end());
  ASSERT_TRUE(results::testing::WriteRunDir(dir, records).ok());
  const std::string out = MakeTempDir("repout");
  auto r = RunDoomscope("report " + dir + " --output " + out + "/r.json --markdown " + out + "/r.md");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.out.find("pre"), r.out.find("sft")) << r.out;
  EXPECT_NE(r.out.find("40.0%"), std::string::npos) << r.out;
  auto json = json::Parse(ReadFile(out + "/r.json"));
  ASSERT_TRUE(json.ok()) << json.status();
  const auto& rows = json->Find("rows")->as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Find("stage")->as_string(), "PRETRAIN");
  EXPECT_DOUBLE_EQ(rows[1].Find("doom_loop_ratio")->as_double(), 0.2);
  EXPECT_EQ(json->Find("transitions")->as_array().size(), 1u);
  EXPECT_NE(ReadFile(out + "/r.md").find("| pre | PRETRAIN | 10 | 4 |"), std::string::npos);
  auto as_json = RunDoomscope("report " + dir + " --json");
  ASSERT_EQ(as_json.exit_code, 0);
  EXPECT_TRUE(json::Parse(as_json.out).ok()) << as_json.out;
}

TEST(ReportE2E, MissingFolderIsBadInput) {
  auto r = RunDoomscope("report /nonexistent/doomscope-run");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/doomscope-run"), std::string::npos);
}

}  // namespace
}  // namespace doomscope
