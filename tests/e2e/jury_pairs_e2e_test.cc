// Acceptance (issue 13): the on-policy DPO recipe on the stage-A SFT
// checkpoint. 5 rollouts at temperature 1.0 plus 1 greedy rollout per prompt,
// a jury of the rule repetition judge and a logprob judge (the pre-trained
// checkpoint, paths relative to the suite file) run as part of the run; then
// `doomscope pairs` writes TRL-loadable pairs with the contract fields, no
// chosen side is a doom loop, loops are rejected first, and the summary
// reports the looping-rejected share. The prompts are eval prompts of the
// stage-A set, some on which the SFT checkpoint's greedy rollout is a doom
// loop, so the looping share is not zero.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/json/jsonl.h"
#include "results/jury_store.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

namespace fs = std::filesystem;

// Eval prompt ids: 0, 3 and 41 loop under the SFT checkpoint's greedy
// decoding (measured with this engine), the others do not.
const std::set<int64_t> kPromptIds = {0, 3, 41, 1, 2, 4};

std::string WritePrompts(const std::string& dir) {
  std::string out;
  int kept = 0;
  const std::string all = testing::ReadFile(testing::SharedPath("models/stages-a/eval_prompts.jsonl"));
  const std::vector<std::string> all_lines = absl::StrSplit(all, '\n', absl::SkipEmpty());
  for (const std::string& line : all_lines) {
    absl::StatusOr<json::Value> v = json::Parse(line);
    EXPECT_TRUE(v.ok());
    if (kPromptIds.count(v->Find("id")->as_int())) {
      absl::StrAppend(&out, line, "\n");
      ++kept;
    }
  }
  EXPECT_EQ(kept, static_cast<int>(kPromptIds.size()));
  testing::WriteFile(dir + "/prompts.jsonl", out);
  return dir + "/prompts.jsonl";
}

std::vector<json::Value> ReadLines(const std::string& path) {
  std::vector<json::Value> lines;
  EXPECT_TRUE(json::ReadJsonl(path, [&](int, json::Value v) {
                lines.push_back(std::move(v));
                return absl::OkStatus();
              }).ok());
  return lines;
}

TEST(JuryPairsE2eTest, StageAPairsRejectLoopsAndKeepTheContract) {
  const std::string root = testing::MakeTempDir("jury-pairs");
  const std::string models = testing::SharedPath("models/stages-a");
  const std::string tok = testing::SharedPath("models/stories260K/tok512.bin");
  // The judge's files relative to the suite file, as checkpoints may be.
  const std::string rel_models = fs::relative(models, root).string();
  const std::string rel_tok = fs::relative(tok, root).string();
  WritePrompts(root);
  const std::string suite = root + "/suite.textproto";
  testing::WriteFile(
      suite, absl::StrCat("name: \"jury-pairs\"\n", "checkpoint { name: \"sft\" stage: SFT path: \"", models,
                          "/sft.bin\" tokenizer: \"", tok, "\" }\n",
                          "task { name: \"stories\" kind: CONTINUATION prompts: \"prompts.jsonl\" }\n",
                          "sampling { name: \"t1\" temperature: 1.0 samples: 5 seed: 1002 max_new_tokens: 256 }\n",
                          "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 256 }\n",
                          "jury { judge { name: \"repetition\" rule { check: REPETITION } }\n",
                          "       judge { name: \"lp\" logprob { path: \"", rel_models, "/pretrain.bin\" tokenizer: \"",
                          rel_tok, "\" } }\n", "       aggregate: MEAN }\n"));
  const std::string out = root + "/out";
  testing::CommandResult run = testing::RunDoomscope(absl::StrCat("run --suite ", suite, " --out ", out));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Krippendorff's alpha"), std::string::npos) << run.out;
  const size_t samples = kPromptIds.size() * 6;

  // The jury ran as part of the run: every sample has both votes.
  auto votes = results::LoadVotes(out);
  ASSERT_TRUE(votes.ok()) << votes.status();
  EXPECT_EQ(votes->votes.size(), 2 * samples);
  // A later `judge` pass with the suite's jury finds nothing left to ask.
  testing::CommandResult judge = testing::RunDoomscope(absl::StrCat("judge ", out, " --json"));
  ASSERT_EQ(judge.exit_code, 0) << judge.err;
  EXPECT_EQ(judge.err.find("to score"), std::string::npos) << judge.err;
  absl::StatusOr<json::Value> report = json::Parse(judge.out);
  ASSERT_TRUE(report.ok()) << judge.out;
  EXPECT_EQ(report->Find("scored")->as_int(), static_cast<int64_t>(samples));
  EXPECT_TRUE(report->Find("alpha_interval")->is_number());
  for (const json::Value& j : report->Find("judges")->as_array()) {
    EXPECT_EQ(j.Find("votes")->as_int(), static_cast<int64_t>(samples)) << j.Find("name")->as_string();
    EXPECT_EQ(j.Find("abstentions")->as_int(), 0);
  }

  // export shows each sample's votes and aggregate, under the ids pairs cite.
  ASSERT_EQ(testing::RunDoomscope(absl::StrCat("export ", out, " --jsonl ", root, "/samples.jsonl")).exit_code, 0);
  std::map<std::string, json::Value> by_id;
  std::map<std::string, std::vector<std::string>> by_prompt;
  for (json::Value& s : ReadLines(root + "/samples.jsonl")) {
    const std::string id = s.Find("sample_id")->as_string();
    ASSERT_TRUE(s.Find("jury")->Find("aggregate")->is_number()) << id;
    by_prompt[s.Find("item_id")->as_string()].push_back(id);
    by_id[id] = std::move(s);
  }
  ASSERT_EQ(by_id.size(), samples);

  const std::string dpo = root + "/dpo.jsonl";
  testing::CommandResult pairs = testing::RunDoomscope(absl::StrCat("pairs ", out, " --out ", dpo, " --json"));
  ASSERT_EQ(pairs.exit_code, 0) << pairs.err;
  absl::StatusOr<json::Value> summary = json::Parse(pairs.out);
  ASSERT_TRUE(summary.ok()) << pairs.out;
  const std::vector<json::Value> lines = ReadLines(dpo);
  ASSERT_EQ(summary->Find("pairs")->as_int(), static_cast<int64_t>(lines.size()));
  ASSERT_TRUE(summary->Find("skipped")->is_object());
  int64_t skipped = 0;
  for (const auto& [why, n] : summary->Find("skipped")->as_object()) skipped += n.as_int();
  EXPECT_EQ(static_cast<int64_t>(lines.size()) + skipped, static_cast<int64_t>(kPromptIds.size()));

  int looping_rejected = 0;
  for (const json::Value& line : lines) {
    for (const char* key : {"prompt", "chosen", "rejected", "chosen_sample_id", "rejected_sample_id"}) {
      ASSERT_TRUE(line.Find(key) != nullptr && line.Find(key)->is_string()) << key;
    }
    for (const char* key : {"chosen_score", "rejected_score"}) {
      ASSERT_TRUE(line.Find(key) != nullptr && line.Find(key)->is_number()) << key;
    }
    const json::Value& chosen = by_id.at(line.Find("chosen_sample_id")->as_string());
    const json::Value& rejected = by_id.at(line.Find("rejected_sample_id")->as_string());
    EXPECT_FALSE(chosen.Find("doom_loop")->as_bool()) << "a chosen side is a doom loop";
    EXPECT_EQ(line.Find("chosen")->as_string(), chosen.Find("text")->as_string());
    EXPECT_EQ(line.Find("rejected")->as_string(), rejected.Find("text")->as_string());
    EXPECT_DOUBLE_EQ(line.Find("chosen_score")->as_double(),
                     chosen.Find("jury")->Find("aggregate")->as_double());
    EXPECT_EQ(chosen.Find("item_id")->as_string(), rejected.Find("item_id")->as_string());
    const bool rejected_loops = rejected.Find("doom_loop")->as_bool();
    EXPECT_EQ(line.Find("rejected_doom_loop")->as_bool(), rejected_loops);
    ASSERT_TRUE(line.Find("rejected_findings")->is_object());
    EXPECT_EQ(line.Find("rejected_findings")->Find("kind")->as_string(),
              absl::AsciiStrToLower(rejected.Find("kind")->as_string()));
    looping_rejected += rejected_loops ? 1 : 0;
    // Loops are rejected before any non-looping rollout of the prompt.
    bool prompt_has_loop = false;
    for (const std::string& id : by_prompt[chosen.Find("item_id")->as_string()]) {
      prompt_has_loop |= by_id.at(id).Find("doom_loop")->as_bool();
    }
    EXPECT_EQ(rejected_loops, prompt_has_loop);
  }
  ASSERT_GT(lines.size(), 0u);
  EXPECT_GT(looping_rejected, 0) << "the chosen prompts include greedy doom loops";
  EXPECT_DOUBLE_EQ(summary->Find("looping_rejected_share")->as_double(),
                   static_cast<double>(looping_rejected) / static_cast<double>(lines.size()));
}

}  // namespace
}  // namespace doomscope
