// RunSuite end to end in-process through the replay backend (no model needed):
// records, findings, resume, shards and the manifest.
#include "runners/run_suite.h"

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/record_file.h"
#include "results/run_dir.h"
#include "results/sample_errors.h"
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
  EXPECT_TRUE(outcome->all_failed.empty());  // some samples were stored
  // The failures are error records beside the samples, never among them.
  auto contents = results::LoadRunDir(dir_ + "/out");
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(contents->records.size(), 2u);
  auto errors = results::LoadSampleErrors(dir_ + "/out", contents->records);
  ASSERT_TRUE(errors.ok()) << errors.status();
  ASSERT_EQ(errors->errors.size(), 2u);
  for (const SampleError& e : errors->errors) {
    EXPECT_EQ(e.item_id(), "zzz");
    EXPECT_EQ(e.error_class(), "not found");
    EXPECT_EQ(e.attempts(), 1);
    EXPECT_EQ(e.backend().rfind("replay:", 0), 0u) << e.backend();
  }
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

// Another run live in the folder: its setup done, its shard file open.
struct LiveRun {
  LiveRun(const std::string& dir, Shard shard) {
    auto l = results::RunDirLock::Acquire(dir);
    EXPECT_TRUE(l.ok()) << l.status();
    lock = std::make_unique<results::RunDirLock>(*std::move(l));
    lock->EndSetup();
    auto w = results::RecordWriter::OpenForAppend(results::ShardRecordPath(dir, shard.index, shard.count));
    EXPECT_TRUE(w.ok()) << w.status();
    writer = *std::move(w);
  }
  std::unique_ptr<results::RunDirLock> lock;
  std::unique_ptr<results::RecordWriter> writer;
};

TEST_F(RunSuiteTest, ASecondRunNeverRewritesWhatALiveRunHolds) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(RunSuite(Options(out)).ok());
  const std::string manifest = testing::ReadFile(results::ManifestPath(out));
  const std::string records = testing::ReadFile(results::ShardRecordPath(out, 0, 1));
  const std::string original = testing::ReadFile(dir_ + "/gens.jsonl");
  std::string gens = original;
  gens[gens.find("cat")] = 'b';  // one byte of the generations file flipped
  testing::WriteFile(dir_ + "/gens.jsonl", gens);
  {
    LiveRun first(out, Shard{});
    auto second = RunSuite(Options(out));
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
    EXPECT_NE(std::string(second.status().message()).find("writing into this folder"), std::string::npos)
        << second.status();
    // Refused before touching anything: the manifest and the live run's file are as they were.
    EXPECT_EQ(testing::ReadFile(results::ManifestPath(out)), manifest);
    EXPECT_EQ(testing::ReadFile(results::ShardRecordPath(out, 0, 1)), records);
    EXPECT_FALSE(std::filesystem::exists(out + "/stale"));
    // The same suite into the same shard is refused too: two writers of one file.
    testing::WriteFile(dir_ + "/gens.jsonl", original);
    auto same = RunSuite(Options(out));
    ASSERT_FALSE(same.ok());
    EXPECT_NE(std::string(same.status().message()).find("another run is writing shard 0/1"), std::string::npos)
        << same.status();
    testing::WriteFile(dir_ + "/gens.jsonl", gens);
  }
  // Once the first run is gone, the second may go ahead.
  auto later = RunSuite(Options(out));
  ASSERT_TRUE(later.ok()) << later.status();
}

TEST_F(RunSuiteTest, ShardsOfOneLayoutRunTogetherButNotTwoLayouts) {
  const std::string out = dir_ + "/sharded";
  ASSERT_TRUE(RunSuite(Options(out, Shard{0, 2})).ok());
  {
    LiveRun first(out, Shard{0, 2});
    // Shard 1/2 beside a live 0/2: fine.
    auto other_shard = RunSuite(Options(out, Shard{1, 2}));
    ASSERT_TRUE(other_shard.ok()) << other_shard.status();
    // The same shard twice, or a second layout (0/1 would redo 0/2's samples): refused.
    auto same_shard = RunSuite(Options(out, Shard{0, 2}));
    ASSERT_FALSE(same_shard.ok());
    EXPECT_NE(std::string(same_shard.status().message()).find("another run is writing shard 0/2"), std::string::npos)
        << same_shard.status();
    auto overlapping = RunSuite(Options(out, Shard{0, 1}));
    ASSERT_FALSE(overlapping.ok());
    EXPECT_EQ(overlapping.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(std::string(overlapping.status().message()).find("a run sharded 0/2 is writing"), std::string::npos)
        << overlapping.status();
  }
  auto contents = results::LoadRunDir(out);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->records.size(), 6u);
  EXPECT_TRUE(contents->warnings.empty());
}

TEST_F(RunSuiteTest, SuiteNameCannotLeaveRuns) {
  testing::WriteFile(dir_ + "/bad.textproto", R"pb(
name: "../escaped"
checkpoint { name: "early" stage: SFT }
task { name: "stories" kind: PROMPTS_JSONL prompts: "prompts.jsonl" }
sampling { name: "greedy" temperature: 0 }
backend { replay { path: "gens.jsonl" } }
)pb");
  RunOptions o = Options("");
  o.suite_path = dir_ + "/bad.textproto";
  auto outcome = RunSuite(o);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(outcome.status().message()).find("must be one folder name"), std::string::npos)
      << outcome.status();
  EXPECT_FALSE(std::filesystem::exists("escaped"));
}

TEST_F(RunSuiteTest, StepAndParentReachRecordsAndTheStageComparison) {
  testing::WriteFile(dir_ + "/suite.textproto", R"pb(
name: "replay"
checkpoint { name: "late" stage: RL parent: "early" step: 900 }
checkpoint { name: "mid" stage: RL step: 500 }
checkpoint { name: "early" stage: RL step: 100 }
task { name: "stories" kind: PROMPTS_JSONL prompts: "prompts.jsonl" }
sampling { name: "greedy" temperature: 0 }
backend { replay { path: "gens.jsonl" } }
)pb");
  std::string gens = testing::ReadFile(dir_ + "/gens.jsonl");
  for (const char* item : {"a", "b"}) {
    absl::StrAppend(&gens, "{\"checkpoint\": \"mid\", \"item_id\": \"", item,
                    "\", \"text\": \"A short ending.\", \"finish_reason\": \"stop\"}\n");
  }
  absl::StrAppend(&gens, "{\"checkpoint\": \"mid\", \"item_id\": 3, \"text\": \"Fine.\", \"finish_reason\": \"stop\"}\n");
  testing::WriteFile(dir_ + "/gens.jsonl", gens);
  auto outcome = RunSuite(Options(dir_ + "/out"));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  auto contents = results::LoadRunDir(dir_ + "/out");
  ASSERT_TRUE(contents.ok());
  for (const SampleRecord& r : contents->records) {
    EXPECT_EQ(r.checkpoint_step(), r.checkpoint() == "late" ? 900 : r.checkpoint() == "mid" ? 500 : 100);
    EXPECT_EQ(r.checkpoint_parent(), r.checkpoint() == "late" ? "early" : "");
  }
  auto summary = json::Parse(testing::ReadFile(dir_ + "/out/summary.json"));
  ASSERT_TRUE(summary.ok());
  // Rows in step order within the stage, not suite order or name order.
  const json::Array& rows = summary->Find("rows")->as_array();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].Find("checkpoint")->as_string(), "early");
  EXPECT_EQ(rows[1].Find("checkpoint")->as_string(), "mid");
  EXPECT_EQ(rows[2].Find("checkpoint")->as_string(), "late");
  // "late" is compared with its parent "early", not with "mid" before it.
  const json::Array& transitions = summary->Find("transitions")->as_array();
  ASSERT_EQ(transitions.size(), 2u);
  EXPECT_EQ(transitions[1].Find("from_checkpoint")->as_string(), "early");
  EXPECT_EQ(transitions[1].Find("to_checkpoint")->as_string(), "late");
  EXPECT_EQ(transitions[1].Find("newly_looping")->as_int(), 1);  // item 3 loops only on late
}

// Early stop with the bundled engine: shadow samples run on to the cap and
// record where the rule fired; with no shadows the same samples stop there.
std::string EngineSuite(const std::string& name, double shadow_rate) {
  const std::string models = testing::SharedPath("models/stages-a");
  return absl::StrCat("name: \"", name, "\"\n", "checkpoint { name: \"pre\" stage: PRETRAIN path: \"", models,
                      "/pretrain.bin\" tokenizer: \"", testing::SharedPath("models/stories260K/tok512.bin"), "\" }\n",
                      "task { name: \"stories\" kind: PROMPTS_JSONL limit: 48 prompts: \"", models,
                      "/eval_prompts.jsonl\" }\n", "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 256 }\n",
                      "early_stop: true\n", "detector { stream { shadow_rate: ", shadow_rate, " } }\n");
}

TEST_F(RunSuiteTest, ShadowSamplesRunToTheCapAndRecordWhereEarlyStopWouldHaveFired) {
  std::map<std::string, int64_t> fired_at, stopped_at;
  for (double rate : {1.0, 0.0}) {
    testing::WriteFile(dir_ + "/engine.textproto", EngineSuite("shadow", rate));
    RunOptions o = Options(absl::StrCat(dir_, "/engine-", rate));
    o.suite_path = dir_ + "/engine.textproto";
    auto outcome = RunSuite(o);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    auto contents = results::LoadRunDir(o.out_dir);
    ASSERT_TRUE(contents.ok());
    ASSERT_EQ(contents->records.size(), 48u);
    for (const SampleRecord& r : contents->records) {
      if (rate == 1.0) {
        EXPECT_TRUE(r.shadow().shadow());
        EXPECT_NE(r.finish_reason(), LOOP);  // a shadow is never stopped
        if (r.shadow().fired()) fired_at[r.item_id()] = r.shadow().detected_at();
        EXPECT_EQ(r.shadow().escaped(), r.shadow().fired() && !r.findings().verdict().doom_loop());
      } else {
        EXPECT_FALSE(r.has_shadow());
        if (r.finish_reason() == LOOP) stopped_at[r.item_id()] = r.findings().detected_at_token();
      }
    }
    if (rate == 1.0) {
      auto summary = json::Parse(testing::ReadFile(o.out_dir + "/summary.json"));
      ASSERT_TRUE(summary.ok());
      const json::Value& row = summary->Find("rows")->as_array()[0];
      EXPECT_EQ(row.Find("shadow_samples")->as_int(), 48);
      EXPECT_EQ(row.Find("shadow_fired")->as_int(), static_cast<int64_t>(fired_at.size()));
      EXPECT_NE(outcome->table.find("early-stop shadows: 48 run to the cap"), std::string::npos) << outcome->table;
    }
  }
  // Greedy decoding is deterministic: the shadows fired exactly where early stop stops.
  EXPECT_FALSE(fired_at.empty());
  EXPECT_EQ(fired_at, stopped_at);
  // The shadow draw: a fraction of the samples, the same ones every time.
  int shadows = 0;
  for (uint64_t seed = 0; seed < 10000; ++seed) shadows += IsShadowSample(seed * 0x9E3779B97F4A7C15ull, 0.05);
  EXPECT_GT(shadows, 400);
  EXPECT_LT(shadows, 600);
  EXPECT_FALSE(IsShadowSample(42, 0.0));
  EXPECT_TRUE(IsShadowSample(42, 1.0));
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
