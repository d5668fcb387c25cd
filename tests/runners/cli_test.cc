// The command line as a user meets it: help, version, unknown commands and flags.
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using testing::RunDoomscope;

TEST(CliTest, VersionPrintsVersion) {
  auto r = RunDoomscope("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("doomscope "), std::string::npos);
}

TEST(CliTest, HelpListsCommands) {
  auto r = RunDoomscope("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: doomscope COMMAND"), std::string::npos);
}

TEST(CliTest, NoArgumentsIsAUsageError) {
  auto r = RunDoomscope("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("commands:"), std::string::npos);
}

TEST(CliTest, UnknownCommandIsAUsageError) {
  auto r = RunDoomscope("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(CliTest, FlagsMayBeSpelledWithHyphensOrUnderscores) {
  const std::string dir = testing::MakeTempDir("cli");
  testing::WriteFile(dir + "/in.jsonl", "{\"id\":\"a\",\"text\":\"x\",\"finish_reason\":\"stop\",\"model\":\"m\"}\n");
  for (const char* group : {"--group-by=model", "--group_by=model", "--group-by model"}) {
    auto r = RunDoomscope("detect --input " + dir + "/in.jsonl --output " + dir + "/out.jsonl " + group);
    EXPECT_EQ(r.exit_code, 0) << group << ": " << r.err;
  }
  auto unknown = RunDoomscope("detect --input " + dir + "/in.jsonl --no-such-flag=1");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown flag --no_such_flag"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace doomscope
