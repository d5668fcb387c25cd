#include "runners/suite_config.h"

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

class SuiteConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("suite");
    std::filesystem::create_directories(dir_ + "/models");
    testing::WriteFile(dir_ + "/models/a.bin", "x");
    testing::WriteFile(dir_ + "/models/b.bin", "y");
    testing::WriteFile(dir_ + "/models/tok.bin", "t");
    testing::WriteFile(dir_ + "/prompts.jsonl", "{\"id\": 1, \"prompt\": \"Once\"}\n");
  }
  absl::StatusOr<SuiteConfig> Parse(const std::string& text) {
    std::string path = dir_ + "/suite.textproto";
    testing::WriteFile(path, text);
    return LoadSuiteConfig(path);
  }
  std::string dir_;
};

constexpr char kGood[] = R"pb(
name: "two"
checkpoint { name: "a" stage: PRETRAIN path: "models/a.bin" tokenizer: "models/tok.bin" }
checkpoint { name: "b" stage: SFT path: "models/../models/b.bin" parent: "a" step: 10 }
task { name: "stories" kind: PROMPTS_JSONL prompts: "prompts.jsonl" limit: 4 }
sampling { name: "greedy" temperature: 0 }
sampling { name: "t0.8" temperature: 0.8 samples: 3 seed: 7 max_new_tokens: 64 }
early_stop: true
)pb";

TEST_F(SuiteConfigTest, ParsesResolvesAndFillsDefaults) {
  auto config = Parse(kGood);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name(), "two");
  ASSERT_EQ(config->checkpoint_size(), 2);
  EXPECT_EQ(config->checkpoint(0).path(), dir_ + "/models/a.bin");
  EXPECT_EQ(config->checkpoint(0).tokenizer(), dir_ + "/models/tok.bin");
  EXPECT_EQ(config->checkpoint(1).path(), dir_ + "/models/b.bin");
  EXPECT_EQ(config->checkpoint(1).stage(), SFT);
  EXPECT_EQ(config->task(0).prompts(), dir_ + "/prompts.jsonl");
  EXPECT_EQ(config->sampling(0).samples(), 1);
  EXPECT_EQ(config->sampling(0).max_new_tokens(), 256);
  EXPECT_EQ(config->sampling(0).top_p(), 1.0);
  EXPECT_EQ(config->sampling(1).samples(), 3);
  EXPECT_EQ(config->sampling(1).max_new_tokens(), 64);
  EXPECT_EQ(config->backend().engine().max_batch(), kDefaultEngineMaxBatch);
  EXPECT_TRUE(config->early_stop());
}

TEST_F(SuiteConfigTest, UnknownFieldNamesFileLineAndColumn) {
  auto config = Parse("name: \"x\"\ncheckpoint { name: \"a\" stag: PRETRAIN }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Msg(config.status()).find(dir_ + "/suite.textproto:2:"), std::string::npos) << Msg(config.status());
  EXPECT_NE(Msg(config.status()).find("stag"), std::string::npos) << Msg(config.status());
}

TEST_F(SuiteConfigTest, SyntaxErrorNamesLineAndColumn) {
  auto config = Parse("name: \"x\"\n\n  sampling { name: \"g\" temperature: zero }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("suite.textproto:3:"), std::string::npos) << Msg(config.status());
}

TEST_F(SuiteConfigTest, DuplicateNamesAreRejected) {
  std::string text = std::string(kGood) + "sampling { name: \"greedy\" temperature: 0 }\n";
  auto config = Parse(text);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("sampling \"greedy\": name used twice"), std::string::npos)
      << Msg(config.status());
}

TEST_F(SuiteConfigTest, MissingCheckpointFileIsNamed) {
  std::string text = kGood;
  text.replace(text.find("models/a.bin"), 12, "models/zz.bin");
  auto config = Parse(text);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(Msg(config.status()).find("checkpoint \"a\": path: " + dir_ + "/models/zz.bin does not exist"),
            std::string::npos)
      << Msg(config.status());
}

TEST_F(SuiteConfigTest, StageMustBeSet) {
  std::string text = kGood;
  text.replace(text.find("stage: SFT "), 11, "");
  auto config = Parse(text);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("checkpoint \"b\": stage is not set"), std::string::npos)
      << Msg(config.status());
}

TEST_F(SuiteConfigTest, BadSamplingValuesAreRejected) {
  auto config = Parse(std::string(kGood) + "sampling { name: \"hot\" temperature: -1 }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("sampling \"hot\": temperature must be >= 0"), std::string::npos);
  config = Parse(std::string(kGood) + "sampling { name: \"p\" top_p: 1.5 }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("sampling \"p\": top_p"), std::string::npos);
}

TEST_F(SuiteConfigTest, NanAndInfinityAreRefusedWhereWritten) {
  // Issue 14 #9: NaN passed every "< bound" check and failed each sample later.
  for (const char* value : {"temperature: nan", "top_p: nan", "repetition_penalty: inf", "min_p: -inf"}) {
    auto config = Parse(std::string(kGood) + "sampling { name: \"x\"\n  " + value + " }\n");
    ASSERT_FALSE(config.ok()) << value;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(Msg(config.status()).find(dir_ + "/suite.textproto:10:3: sampling[2]."), std::string::npos)
        << Msg(config.status());
    EXPECT_NE(Msg(config.status()).find("must be a finite number"), std::string::npos) << Msg(config.status());
  }
  // Also inside nested blocks (the gate policy, detector thresholds).
  auto config = Parse(std::string(kGood) + "gate { max_doom_loop_increase: nan }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("suite.textproto:9:8: gate.max_doom_loop_increase must be a finite number"),
            std::string::npos)
      << Msg(config.status());
  config = Parse(std::string(kGood) + "detector { stream { shadow_rate: inf } }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("detector.stream.shadow_rate must be a finite number"), std::string::npos)
      << Msg(config.status());
}

TEST_F(SuiteConfigTest, OutOfRangeGatePolicyIsRefused) {
  auto config = Parse(std::string(kGood) + "gate { alpha: 1.5 }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("gate.alpha must be in (0, 1)"), std::string::npos) << Msg(config.status());
  config = Parse(std::string(kGood) + "gate { max_accuracy_drop: -0.1 }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("gate.max_accuracy_drop must be a number in [0, 1]"), std::string::npos);
}

TEST_F(SuiteConfigTest, SizesAreCapped) {
  // Issue 14 #4 and #3: absurd sizes are config errors, not hours of planning or a bad_alloc.
  auto config = Parse(std::string(kGood) + "sampling { name: \"many\" samples: 2000000000 }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("sampling \"many\": samples must be in [1, 1000000]"), std::string::npos)
      << Msg(config.status());
  config = Parse(std::string(kGood) + "backend { engine { max_batch: 2000000000 } }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Msg(config.status()).find("backend.engine.max_batch must be in [1, 4096]"), std::string::npos)
      << Msg(config.status());
  config = Parse(std::string(kGood) + "sampling { name: \"long\" max_new_tokens: 2000000000 }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("max_new_tokens must be in [1, 1048576]"), std::string::npos);
}

TEST_F(SuiteConfigTest, NameIsOneFolderName) {
  for (const char* name : {"../up", "a/b", "..", ".", ""}) {
    std::string text = kGood;
    text.replace(text.find("name: \"two\""), 11, absl::StrCat("name: \"", name, "\""));
    auto config = Parse(text);
    if (std::string(name).empty()) {  // unset: the default "suite"
      ASSERT_TRUE(config.ok());
      continue;
    }
    ASSERT_FALSE(config.ok()) << name;
    EXPECT_NE(Msg(config.status()).find("must be one folder name"), std::string::npos) << Msg(config.status());
  }
}

TEST_F(SuiteConfigTest, UnknownParentIsRejected) {
  std::string text = kGood;
  text.replace(text.find("parent: \"a\""), 11, "parent: \"q\"");
  auto config = Parse(text);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("parent \"q\" is not a checkpoint"), std::string::npos);
}

TEST_F(SuiteConfigTest, ReplayBackendNeedsNoCheckpointFiles) {
  testing::WriteFile(dir_ + "/gens.jsonl", "");
  auto config = Parse(R"pb(
checkpoint { name: "remote" stage: RL }
task { name: "stories" kind: PROMPTS_JSONL prompts: "prompts.jsonl" }
sampling { name: "greedy" }
backend { replay { path: "gens.jsonl" } }
)pb");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->backend().replay().path(), dir_ + "/gens.jsonl");
}

TEST_F(SuiteConfigTest, OldTaskKindNamesStillParse) {
  std::string text = kGood;
  text.replace(text.find("kind: PROMPTS_JSONL"), 19, "kind: CONTINUATION");
  auto config = Parse(text);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->task(0).kind(), PROMPTS_JSONL);
  EXPECT_EQ(TaskKind_Name(config->task(0).kind()), "PROMPTS_JSONL");
}

TEST_F(SuiteConfigTest, TaskFieldOfAnotherBenchmarkIsRejected) {
  auto config = Parse(std::string(kGood) + "task { name: \"x\" kind: PROMPTS_JSONL prompts: \"prompts.jsonl\" shots: 2 }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("field 'shots' applies to GSM8K_JSONL tasks only"), std::string::npos)
      << Msg(config.status());
  config = Parse(std::string(kGood) + "task { name: \"y\" prompts: \"prompts.jsonl\" }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("task \"y\": kind is not set (PROMPTS_JSONL, GSM8K_JSONL, WNUT17_JSONL or BFCL_V4)"),
            std::string::npos)
      << Msg(config.status());
}

TEST_F(SuiteConfigTest, InvalidDetectorThresholdIsNamed) {
  auto config = Parse(std::string(kGood) + "detector { tail { k_min: 1 } }\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(Msg(config.status()).find("tail.k_min"), std::string::npos) << Msg(config.status());
}

TEST(SuiteConfigPathTest, ResolvePath) {
  EXPECT_EQ(ResolvePath("/a/b", "../c/d.bin"), "/a/c/d.bin");
  EXPECT_EQ(ResolvePath("/a/b", "/abs/x"), "/abs/x");
  EXPECT_EQ(ResolvePath("", "x/./y"), "x/y");
  EXPECT_EQ(ResolvePath("/a", ""), "");
}

}  // namespace
}  // namespace doomscope
