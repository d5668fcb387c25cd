// `doomscope run` without --suite: the embedded default over the shared
// folder's stages-a checkpoints, what scripts/bootstrap.sh runs.
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/run_dir.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

std::string SharedRoot() {
  // SharedPath fails loudly when the folder is missing; the root is its parent.
  std::string tok = testing::SharedPath("models/stories260K/tok512.bin");
  return tok.substr(0, tok.size() - std::string("/models/stories260K/tok512.bin").size());
}

TEST(RunDefaultE2eTest, RunsTheStagesASuiteWithoutASuiteFileNoAsan) {
  const std::string out = testing::MakeTempDir("default") + "/out";
  testing::CommandResult r = testing::RunDoomscope("run --out " + out + " --shared " + SharedRoot());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("embedded default"), std::string::npos) << r.err;
  auto contents = results::LoadRunDir(out);
  ASSERT_TRUE(contents.ok()) << contents.status();
  std::map<std::string, int> per_checkpoint;
  for (const SampleRecord& rec : contents->records) ++per_checkpoint[rec.checkpoint()];
  EXPECT_EQ(per_checkpoint, (std::map<std::string, int>{{"dpo", 512}, {"pretrain", 512}, {"rl", 512}, {"sft", 512}}));
  auto summary = json::Parse(testing::ReadFile(out + "/summary.json"));
  ASSERT_TRUE(summary.ok()) << summary.status();
  // The stage table lists pretrain before rl, as the stages go.
  EXPECT_LT(r.out.find("pretrain"), r.out.find("rl "));

  // Again into the same folder: everything is already stored.
  testing::CommandResult again = testing::RunDoomscope("run --out " + out + " --shared " + SharedRoot());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("2048 already stored, 0 generated"), std::string::npos) << again.out;
}

TEST(RunDefaultE2eTest, MissingSharedFolderSaysWhereItLookedAndHowToFixIt) {
  const std::string out = testing::MakeTempDir("default-missing") + "/out";
  testing::CommandResult r = testing::RunDoomscope("run --out " + out + " --shared /nonexistent/shared");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/shared/models/stages-a/pretrain.bin"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--suite"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace doomscope
