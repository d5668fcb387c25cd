// Llama 3, Qwen3 and LFM2 through the command line, from both formats:
// synth-model writes each tiny shape as a GGUF file and as an HF folder from
// one seed, a suite runs all six checkpoints (greedy and sampled, text prompts
// through each checkpoint's own vocabulary), and each architecture's GGUF and
// folder give the same prompt tokens and generated tokens sample for sample;
// `generate` with a 16-bit KV cache runs on each. A shape asked for under
// another architecture's name is refused.
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/run_dir.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using testing::MakeTempDir;
using testing::RunDoomscope;
using testing::WriteFile;

constexpr const char* kArchShapes[][2] = {{"llama", "llama3-tiny"}, {"qwen3", "qwen3-tiny"}, {"lfm2", "lfm2-tiny"}};

TEST(ArchitecturesE2eTest, EachArchitectureRunsTheSameFromGgufAndHfFolder) {
  const std::string dir = MakeTempDir("archs");
  std::string suite = "name: \"architectures\"\n";
  for (const auto& [arch, shape] : kArchShapes) {
    for (const char* format : {"gguf", "hf"}) {
      const std::string path = absl::StrCat(dir, "/", shape, ".", format);
      testing::CommandResult w = RunDoomscope(absl::StrCat("synth-model --arch ", arch, " --shape ", shape,
                                                           " --format ", format, " --dtype f32 --seed 7 --out ", path));
      ASSERT_EQ(w.exit_code, 0) << w.err;
      absl::StrAppend(&suite, "checkpoint { name: \"", shape, "-", format, "\" stage: PRETRAIN path: \"", path,
                      "\" }\n");
    }
  }
  WriteFile(dir + "/prompts.jsonl", R"({"id": "park", "prompt": "Once upon a time, a little girl went to the park"})"
                                    "\n"
                                    R"({"id": "sum", "prompt": "How many apples did she have left?"})"
                                    "\n"
                                    R"({"id": "code", "prompt": "def f(x): return x * 42"})"
                                    "\n");
  absl::StrAppend(&suite, "task { name: \"text\" kind: CONTINUATION prompts: \"", dir, "/prompts.jsonl\" }\n",
                  "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 32 }\n",
                  "sampling { name: \"t0.9\" temperature: 0.9 samples: 2 seed: 3 max_new_tokens: 32 }\n");
  WriteFile(dir + "/suite.textproto", suite);
  testing::CommandResult r = RunDoomscope(absl::StrCat("run --suite ", dir, "/suite.textproto --out ", dir, "/out"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto contents = results::LoadRunDir(dir + "/out");
  ASSERT_TRUE(contents.ok()) << contents.status();
  // (shape, sampling, item, rollout) -> format -> prompt tokens and generated tokens
  using Key = std::tuple<std::string, std::string, std::string, int>;
  std::map<Key, std::map<std::string, std::vector<int32_t>>> prompt_tokens, tokens;
  for (const SampleRecord& rec : contents->records) {
    const std::string& name = rec.checkpoint();
    const size_t dash = name.rfind('-');
    const Key key{name.substr(0, dash), rec.sampling(), rec.item_id(), rec.rollout()};
    prompt_tokens[key][name.substr(dash + 1)].assign(rec.prompt_tokens().begin(), rec.prompt_tokens().end());
    tokens[key][name.substr(dash + 1)].assign(rec.tokens().begin(), rec.tokens().end());
  }
  EXPECT_EQ(tokens.size(), 3u * 3 * (1 + 2));  // shapes x prompts x (greedy + 2 samples)
  for (const auto& [key, by_format] : tokens) {
    const std::string what = absl::StrCat(std::get<0>(key), " ", std::get<1>(key), " ", std::get<2>(key), " #",
                                          std::get<3>(key));
    ASSERT_EQ(by_format.size(), 2u) << what;
    EXPECT_FALSE(by_format.at("gguf").empty()) << what;
    EXPECT_EQ(by_format.at("hf"), by_format.at("gguf")) << what;
    EXPECT_EQ(prompt_tokens[key].at("hf"), prompt_tokens[key].at("gguf")) << what;
  }

  // generate with a float16 KV cache, from the folder.
  for (const auto& [arch, shape] : kArchShapes) {
    testing::CommandResult g =
        RunDoomscope(absl::StrCat("generate --model ", dir, "/", shape, ".hf --prompts ", dir,
                                  "/prompts.jsonl --max_new_tokens 8 --kv_type f16 --batch 2"));
    EXPECT_EQ(g.exit_code, 0) << shape << ": " << g.err;
    EXPECT_NE(g.out.find("\"id\":\"code\""), std::string::npos) << g.out;
  }
}

TEST(ArchitecturesE2eTest, SynthModelRefusesAShapeOfAnotherArchitecture) {
  const std::string dir = MakeTempDir("arch-mismatch");
  testing::CommandResult r =
      RunDoomscope(absl::StrCat("synth-model --arch qwen3 --shape lfm2-tiny --seed 1 --out ", dir, "/m.gguf"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--shape lfm2-tiny is a lfm2 shape, not qwen3"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace doomscope
