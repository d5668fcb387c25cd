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

}  // namespace
}  // namespace doomscope
