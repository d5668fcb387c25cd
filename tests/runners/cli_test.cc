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

TEST(CliTest, BadFlagValuesExitTwoLikeEveryOtherBadInput) {
  // absl alone exits 1 on a value it cannot parse.
  for (const char* args : {"run --threads=many", "run --threads", "score --json=maybe --task gsm8k"}) {
    auto r = RunDoomscope(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_NE(r.err.find("--"), std::string::npos) << r.err;
  }
  auto r = RunDoomscope("run --threads=many");
  EXPECT_NE(r.err.find("invalid value \"many\" for --threads"), std::string::npos) << r.err;
}

TEST(CliTest, CorruptRecordsExitTwoForRun) {
  // A corrupt store is bad input (exit 2) for run, as for every command that
  // cannot salvage it (issue 14 #12).
  const std::string dir = testing::MakeTempDir("corrupt");
  testing::WriteFile(dir + "/p.jsonl", "{\"id\": \"a\", \"prompt\": \"x\"}\n");
  testing::WriteFile(dir + "/g.jsonl", "{\"item_id\": \"a\", \"text\": \"y\"}\n");
  testing::WriteFile(dir + "/s.textproto",
                     "checkpoint { name: \"c\" stage: SFT }\ntask { name: \"t\" kind: PROMPTS_JSONL prompts: "
                     "\"p.jsonl\" }\nsampling { name: \"g\" }\nbackend { replay { path: \"g.jsonl\" } }\n");
  ASSERT_EQ(RunDoomscope("run --suite " + dir + "/s.textproto --out " + dir + "/out").exit_code, 0);
  std::string records = testing::ReadFile(dir + "/out/records/shard-0-of-1.tfrecord");
  testing::WriteFile(dir + "/out/records/shard-0-of-1.tfrecord", records + records);
  std::string doubled = testing::ReadFile(dir + "/out/records/shard-0-of-1.tfrecord");
  doubled[records.size() / 2] ^= 0x40;  // one byte flipped inside the first record
  testing::WriteFile(dir + "/out/records/shard-0-of-1.tfrecord", doubled);
  // A resume never appends behind corrupt bytes: exit 2, pointing at repair.
  auto run = RunDoomscope("run --suite " + dir + "/s.textproto --out " + dir + "/out");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("doomscope repair"), std::string::npos) << run.err;
  // Reports salvage instead (skip and count, with a warning), so they succeed.
  auto report = RunDoomscope("report " + dir + "/out");
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.err.find("corrupt bytes"), std::string::npos) << report.err;
}

}  // namespace
}  // namespace doomscope
