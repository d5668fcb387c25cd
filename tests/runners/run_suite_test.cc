// RunSuite end to end in-process through the replay backend (no model needed):
// records, findings, resume, shards and the manifest.
#include "runners/run_suite.h"

#include <filesystem>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/run_dir.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

class RunSuiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("runsuite");
    testing::WriteFile(dir_ + "/prompts.jsonl",
                       "{\"id\": \"a\", \"prompt\": \"Once\"}\n{\"id\": \"b\", \"prompt\": \"Then\"}\n"
                       "{\"id\": 3, \"prompt\": \"So\"}\n");
    // Item a loops to the cap on both checkpoints, b ends cleanly, 3 loops only on "late".
    std::string loop = Repeat("the cat sat on the mat and looked at the dog. ", 12);
    std::string clean = "They went home and had a nice dinner together. The end.";
    std::string gens;
    for (const char* ckpt : {"early", "late"}) {
      absl::StrAppend(&gens, "{\"checkpoint\": \"", ckpt, "\", \"item_id\": \"a\", \"text\": \"", loop,
                      "\", \"finish_reason\": \"length\"}\n");
      absl::StrAppend(&gens, "{\"checkpoint\": \"", ckpt, "\", \"item_id\": \"b\", \"text\": \"", clean,
                      "\", \"finish_reason\": \"stop\"}\n");
    }
    absl::StrAppend(&gens, "{\"checkpoint\": \"early\", \"item_id\": 3, \"text\": \"", clean,
                    "\", \"finish_reason\": \"stop\"}\n");
    absl::StrAppend(&gens, "{\"checkpoint\": \"late\", \"item_id\": 3, \"text\": \"", loop,
                    "\", \"finish_reason\": \"length\"}\n");
    testing::WriteFile(dir_ + "/gens.jsonl", gens);
    testing::WriteFile(dir_ + "/suite.textproto", R"pb(
name: "replay"
checkpoint { name: "early" stage: SFT }
checkpoint { name: "late" stage: RL parent: "early" }
task { name: "stories" kind: PROMPTS_JSONL prompts: "prompts.jsonl" }
sampling { name: "greedy" temperature: 0 }
backend { replay { path: "gens.jsonl" } }
)pb");
  }
  RunOptions Options(const std::string& out, Shard shard = {}) {
    RunOptions o;
    o.suite_path = dir_ + "/suite.textproto";
    o.out_dir = out;
    o.shard = shard;
    o.progress_out = nullptr;
    return o;
  }
  std::string dir_;
};

TEST_F(RunSuiteTest, StoresEveryPlannedSampleWithFindings) {
  auto outcome = RunSuite(Options(dir_ + "/out"));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->planned, 6);
  EXPECT_EQ(outcome->generated, 6);
  EXPECT_EQ(outcome->skipped, 0);
  auto contents = results::LoadRunDir(dir_ + "/out");
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_EQ(contents->records.size(), 6u);
  int doom = 0;
  for (const SampleRecord& r : contents->records) {
    bool should_loop = r.item_id() == "a" || (r.item_id() == "3" && r.checkpoint() == "late");
    EXPECT_EQ(r.findings().verdict().doom_loop(), should_loop) << r.checkpoint() << " " << r.item_id();
    EXPECT_EQ(r.stage(), r.checkpoint() == "early" ? SFT : RL);
    EXPECT_EQ(r.sample_id(), SampleId(r.checkpoint(), "stories", r.item_id(), "greedy", 0));
    EXPECT_FALSE(r.score().scored());
    doom += should_loop;
  }
  EXPECT_EQ(doom, 3);
  EXPECT_EQ(contents->manifest.suite().name(), "replay");
  EXPECT_EQ(contents->manifest.engine_version(), "replay");
  ASSERT_EQ(contents->manifest.files_size(), 1);
  EXPECT_EQ(contents->manifest.files(0).sha256().size(), 64u);
  EXPECT_NE(outcome->table.find("early"), std::string::npos);
  std::string summary = testing::ReadFile(dir_ + "/out/summary.json");
  auto parsed = json::Parse(summary);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const json::Value* rows = parsed->Find("rows");
  ASSERT_NE(rows, nullptr);
  ASSERT_EQ(rows->as_array().size(), 2u);
  EXPECT_EQ(rows->as_array()[0].Find("checkpoint")->as_string(), "early");
  EXPECT_EQ(rows->as_array()[0].Find("doom_loops")->as_int(), 1);
  EXPECT_EQ(rows->as_array()[1].Find("doom_loops")->as_int(), 2);
}

TEST_F(RunSuiteTest, SecondRunSkipsStoredSamples) {
  ASSERT_TRUE(RunSuite(Options(dir_ + "/out")).ok());
  auto again = RunSuite(Options(dir_ + "/out"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->skipped, 6);
  EXPECT_EQ(again->generated, 0);
  auto contents = results::LoadRunDir(dir_ + "/out");
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->records.size(), 6u);
  EXPECT_TRUE(contents->warnings.empty());
}

TEST_F(RunSuiteTest, ShardsShareAFolderWithoutOverlap) {
  int64_t total = 0;
  for (int i = 0; i < 3; ++i) {
    auto outcome = RunSuite(Options(dir_ + "/sharded", Shard{i, 3}));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    total += outcome->generated;
    EXPECT_TRUE(std::filesystem::exists(results::ShardRecordPath(dir_ + "/sharded", i, 3)));
  }
  EXPECT_EQ(total, 6);
  auto contents = results::LoadRunDir(dir_ + "/sharded");
  ASSERT_TRUE(contents.ok());
  std::set<std::string> ids;
  for (const SampleRecord& r : contents->records) ids.insert(r.sample_id());
  EXPECT_EQ(ids.size(), 6u);
  // The unsharded run into the same folder finds everything stored.
  auto whole = RunSuite(Options(dir_ + "/sharded"));
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->skipped, 6);
}

TEST_F(RunSuiteTest, MissingGenerationIsReportedNotStored) {
  testing::WriteFile(dir_ + "/prompts.jsonl",
                     "{\"id\": \"a\", \"prompt\": \"Once\"}\n{\"id\": \"zzz\", \"prompt\": \"Never\"}\n");
  auto outcome = RunSuite(Options(dir_ + "/out"));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->generated, 2);
  EXPECT_EQ(outcome->failed, 2);
}

TEST_F(RunSuiteTest, ChatFormatWithoutATemplateIsRefusedBeforeWriting) {
  testing::WriteFile(dir_ + "/chat.textproto", absl::StrCat(R"pb(
name: "chat"
checkpoint { name: "tiny" stage: PRETRAIN path: ")pb", testing::SharedPath("models/stories260K/stories260K.bin"),
                                                            R"pb(" tokenizer: ")pb",
                                                            testing::SharedPath("models/stories260K/tok512.bin"), R"pb(" }
task { name: "stories" kind: PROMPTS_JSONL prompts: "prompts.jsonl" prompt_format: PROMPT_FORMAT_CHAT }
sampling { name: "greedy" temperature: 0 max_new_tokens: 4 }
)pb"));
  RunOptions o = Options(dir_ + "/chat-out");
  o.suite_path = dir_ + "/chat.textproto";
  auto outcome = RunSuite(o);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);  // exit 2
  EXPECT_NE(std::string(outcome.status().message()).find("checkpoint \"tiny\""), std::string::npos) << outcome.status();
  EXPECT_NE(std::string(outcome.status().message()).find("has no chat template"), std::string::npos) << outcome.status();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/chat-out"));
}

TEST_F(RunSuiteTest, BadSuiteIsAnError) {
  testing::WriteFile(dir_ + "/suite.textproto", "checkpoint { nme: \"x\" }\n");
  auto outcome = RunSuite(Options(dir_ + "/out"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(std::string(outcome.status().message()).find("suite.textproto:1:"), std::string::npos)
      << outcome.status();
}

}  // namespace
}  // namespace doomscope
