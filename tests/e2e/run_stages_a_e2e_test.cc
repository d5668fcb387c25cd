// Acceptance: a suite over ../shared/models/stages-a reproduces the README's
// greedy and sampled (T=0.8 x3) doom-loop ratios within 0.05, and their order;
// with early_stop the greedy ratios stay within 0.02 of the full-length run.
// Full size (4 checkpoints x (128 + 384) samples, twice): release build only.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/run_dir.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using Ratios = std::map<std::string, std::map<std::string, double>>;  // sampling -> checkpoint -> ratio

std::string Suite(bool early_stop) {
  std::string models = testing::SharedPath("models/stages-a");
  std::string tok = testing::SharedPath("models/stories260K/tok512.bin");
  std::string s = "name: \"stages-a\"\n";
  const char* stages[][2] = {{"pretrain", "PRETRAIN"}, {"sft", "SFT"}, {"dpo", "DPO"}, {"rl", "RL"}};
  for (const auto& st : stages) {
    absl::StrAppend(&s, "checkpoint { name: \"", st[0], "\" stage: ", st[1], " path: \"", models, "/", st[0],
                    ".bin\" tokenizer: \"", tok, "\" }\n");
  }
  absl::StrAppend(&s, "task { name: \"stories\" kind: PROMPTS_JSONL prompts: \"", models, "/eval_prompts.jsonl\" }\n",
                  "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 256 }\n",
                  "sampling { name: \"t0.8\" temperature: 0.8 samples: 3 seed: 1004 max_new_tokens: 256 }\n",
                  // DETECTORS.md's L_stop floor (64 tokens) is a quarter of this 256-token
                  // budget; stories260K often repeats a sentence 4-10 times and moves on,
                  // which inflates the greedy ratio by ~8 pp. A floor of half the budget
                  // agrees with the full-length run (examples/stages-a.textproto says so too).
                  "detector { stream { l_stop_min: 128 } }\n", early_stop ? "early_stop: true\n" : "");
  return s;
}

Ratios RunAndMeasure(bool early_stop, double* wall_s, int64_t* generated_tokens) {
  std::string root = testing::MakeTempDir(early_stop ? "stages-es" : "stages");
  std::string suite = root + "/suite.textproto";
  testing::WriteFile(suite, Suite(early_stop));
  auto start = std::chrono::steady_clock::now();
  testing::CommandResult r = testing::RunDoomscope(absl::StrCat("run --suite ", suite, " --out ", root, "/out"));
  *wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::printf("%s run (%.2f s):\n%s", early_stop ? "early-stop" : "full-length", *wall_s, r.out.c_str());
  auto contents = results::LoadRunDir(root + "/out");
  EXPECT_TRUE(contents.ok()) << contents.status();
  std::map<std::string, std::map<std::string, std::pair<int, int>>> counts;
  *generated_tokens = 0;
  for (const SampleRecord& rec : contents->records) {
    *generated_tokens += rec.findings().n_generated_tokens();
    auto& c = counts[rec.sampling()][rec.checkpoint()];
    c.first += rec.findings().verdict().doom_loop();
    ++c.second;
  }
  Ratios ratios;
  for (const auto& [sampling, by_ckpt] : counts) {
    for (const auto& [ckpt, c] : by_ckpt) {
      EXPECT_EQ(c.second, sampling == "greedy" ? 128 : 384) << sampling << " " << ckpt;
      ratios[sampling][ckpt] = static_cast<double>(c.first) / c.second;
    }
  }
  return ratios;
}

// The README's table (eval_results.jsonl).
const std::map<std::string, std::map<std::string, double>> kReadme = {
    {"greedy", {{"pretrain", 0.1406}, {"sft", 0.1016}, {"dpo", 0.0078}, {"rl", 0.0078}}},
    {"t0.8", {{"pretrain", 0.0}, {"sft", 0.0}, {"dpo", 0.0}, {"rl", 0.0}}},
};

TEST(RunStagesAE2eTest, ReproducesReadmeTableAndEarlyStopAgreesNoAsan) {
  double full_s = 0, early_s = 0;
  int64_t full_tokens = 0, early_tokens = 0;
  Ratios full = RunAndMeasure(false, &full_s, &full_tokens);
  for (const auto& [sampling, expected] : kReadme) {
    for (const auto& [ckpt, want] : expected) {
      ASSERT_TRUE(full[sampling].count(ckpt)) << sampling << " " << ckpt;
      EXPECT_NEAR(full[sampling][ckpt], want, 0.05) << sampling << " " << ckpt;
    }
    // Order: wherever the README's ratios differ clearly, ours go the same way.
    for (const auto& [a, ra] : expected) {
      for (const auto& [b, rb] : expected) {
        if (ra - rb >= 0.03) {
          EXPECT_GT(full[sampling][a], full[sampling][b]) << sampling << ": " << a << " vs " << b;
        }
      }
    }
  }
  Ratios early = RunAndMeasure(true, &early_s, &early_tokens);
  for (const auto& [ckpt, want] : full["greedy"]) {
    EXPECT_NEAR(early["greedy"][ckpt], want, 0.02) << "greedy " << ckpt << " with early stop";
  }
  // Wall times on a shared machine are too noisy to assert; the work saved is not.
  std::printf("wall time: full-length %.2f s, early stop %.2f s; tokens generated: %lld vs %lld\n", full_s,
              early_s, static_cast<long long>(full_tokens), static_cast<long long>(early_tokens));
  EXPECT_LT(early_tokens, full_tokens) << "early stop must save generated tokens";
}

}  // namespace
}  // namespace doomscope
