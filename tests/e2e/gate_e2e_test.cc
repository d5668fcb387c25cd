// `doomscope gate` end to end: exit codes and output files through the binary.
#include <string>

#include "gtest/gtest.h"
#include "tests/results/record_builders.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using results::testing::Cell;
using results::testing::WriteRunDir;
using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::ReadFile;
using ::doomscope::testing::RunDoomscope;

std::string MakeRun(const std::string& name, int n, int loops) {
  const std::string dir = MakeTempDir(name) + "/run";
  auto records = Cell("sft", SFT, "stories", "greedy", n, loops);
  auto more = Cell("pre", PRETRAIN, "stories", "greedy", n, loops);
  records.insert(records.end(), more.begin(), more.end());
  EXPECT_TRUE(WriteRunDir(dir, records).ok());
  return dir;
}

TEST(GateE2E, IdenticalRunsExitZero) {
  const std::string base = MakeRun("base", 40, 4);
  const std::string dir = MakeTempDir("out");
  auto r = RunDoomscope("gate --baseline " + base + " --candidate " + MakeRun("same", 40, 4) + " --junit " + dir +
                        "/j.xml --markdown " + dir + "/g.md");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("gate: pass (2 cells)"), std::string::npos) << r.out;
  EXPECT_NE(ReadFile(dir + "/j.xml").find("tests=\"2\" failures=\"0\""), std::string::npos);
  EXPECT_NE(ReadFile(dir + "/g.md").find("**PASS**"), std::string::npos);
}

TEST(GateE2E, WorseCandidateExitsOne) {
  auto r = RunDoomscope("gate --baseline " + MakeRun("base", 40, 4) + " --candidate " + MakeRun("worse", 40, 20));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("regression"), std::string::npos);
}

TEST(GateE2E, TinyRunsAreInconclusive) {
  auto r = RunDoomscope("gate --baseline " + MakeRun("base", 3, 0) + " --candidate " + MakeRun("tiny", 3, 3));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST(GateE2E, MissingFolderOrCellsOrBadPolicyExitThree) {
  const std::string base = MakeRun("base", 40, 4);
  auto missing = RunDoomscope("gate --baseline " + base + " --candidate /nonexistent/doomscope-run");
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("/nonexistent/doomscope-run"), std::string::npos) << missing.err;
  const std::string other = MakeTempDir("other") + "/run";
  ASSERT_TRUE(WriteRunDir(other, Cell("sft", SFT, "stories", "greedy", 40, 4)).ok());
  EXPECT_EQ(RunDoomscope("gate --baseline " + base + " --candidate " + other).exit_code, 3);
  const std::string policy = MakeTempDir("pol") + "/p.textproto";
  ::doomscope::testing::WriteFile(policy, "alpha: high\n");
  auto bad = RunDoomscope("gate --baseline " + base + " --candidate " + base + " --policy " + policy);
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("p.textproto:1:"), std::string::npos) << bad.err;
  EXPECT_EQ(RunDoomscope("gate --baseline " + base).exit_code, 3);
}

TEST(GateE2E, NanThresholdIsAPolicyErrorNotAPass) {
  // Issue 14 #1: with "max_doom_loop_increase: nan" a candidate 13.3 pp worse
  // printed "gate: pass", exit 0.
  const std::string policy = MakeTempDir("pol") + "/p.textproto";
  ::doomscope::testing::WriteFile(policy, "max_doom_loop_increase: nan\n");
  auto r = RunDoomscope("gate --baseline " + MakeRun("base", 60, 4) + " --candidate " + MakeRun("worse", 60, 12) +
                        " --policy " + policy);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("max_doom_loop_increase must be a number in [0, 1], got nan"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("gate: pass"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace doomscope
