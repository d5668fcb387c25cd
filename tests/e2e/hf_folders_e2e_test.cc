// Hugging Face folders through the command line: examples/stages-a-hf.textproto
// gives the .bin suite's table sample for sample; `generate` from a folder
// prints what it prints from the .bin; synth-model --format hf; and every
// kind of bad folder is a clear error with exit code 2 from generate, bench
// and run.
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/run_dir.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using testing::MakeTempDir;
using testing::ReadFile;
using testing::RunDoomscope;
using testing::SharedPath;
using testing::WriteFile;

std::string SharedRoot() {
  // SharedPath fails loudly when the folder is missing; the root is its parent.
  const std::string tok = SharedPath("models/stories260K/tok512.bin");
  return tok.substr(0, tok.size() - std::string("/models/stories260K/tok512.bin").size());
}

// An example suite of the checkout, its "../../shared" pointed at the shared folder in use.
std::string ExampleSuite(const std::string& name, const std::string& dir) {
  std::string root = __FILE__;  // CMake compiles tests by absolute path
  root = root.substr(0, root.rfind("/tests/e2e/"));
  const std::string text = absl::StrReplaceAll(ReadFile(root + "/examples/" + name), {{"../../shared", SharedRoot()}});
  const std::string path = dir + "/" + name;
  WriteFile(path, text);
  return path;
}

using SampleKey = std::tuple<std::string, std::string, std::string, int64_t>;  // checkpoint, sampling, item, rollout

struct SuiteRun {
  std::string table;
  std::map<SampleKey, std::vector<int32_t>> tokens;
};

SuiteRun RunShard(const std::string& suite, const std::string& out) {
  // One eighth of the plan (the same samples in both suites: ids come from names, not paths).
  testing::CommandResult r = RunDoomscope(absl::StrCat("run --suite ", suite, " --out ", out, " --shard 3/8"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  SuiteRun run;
  run.table = r.out.substr(0, r.out.find(out + ":"));  // the table, without the line naming the folder
  auto contents = results::LoadRunDir(out);
  EXPECT_TRUE(contents.ok()) << contents.status();
  if (!contents.ok()) return run;
  for (const SampleRecord& rec : contents->records) {
    std::vector<int32_t>& t = run.tokens[{rec.checkpoint(), rec.sampling(), rec.item_id(), rec.rollout()}];
    t.assign(rec.tokens().begin(), rec.tokens().end());
    t.push_back(-rec.finish_reason());  // the finish reason must agree too
  }
  return run;
}

TEST(HfFoldersE2eTest, StagesAHfSuiteGivesTheBinSuitesTableNoAsan) {
  const std::string dir = MakeTempDir("stages-hf");
  const SuiteRun bin = RunShard(ExampleSuite("stages-a.textproto", dir), dir + "/bin");
  const SuiteRun hf = RunShard(ExampleSuite("stages-a-hf.textproto", dir), dir + "/hf");
  EXPECT_GT(bin.tokens.size(), 200u);
  EXPECT_EQ(hf.tokens.size(), bin.tokens.size());
  EXPECT_TRUE(hf.tokens == bin.tokens) << "some sample's tokens differ between the folders and the .bin files";
  EXPECT_EQ(hf.table, bin.table);
  EXPECT_NE(bin.table.find("pretrain"), std::string::npos) << bin.table;
}

TEST(HfFoldersE2eTest, GenerateFromAFolderPrintsWhatTheBinPrints) {
  const std::string tok = SharedPath("models/stories260K/tok512.bin");
  const std::string args = " --prompt 'Lily and Tom' --max_new_tokens 240";
  testing::CommandResult bin = RunDoomscope(
      absl::StrCat("generate --model ", SharedPath("models/stories260K/stories260K.bin"), " --tokenizer ", tok, args));
  ASSERT_EQ(bin.exit_code, 0) << bin.err;
  // With the folder's own tokenizer.json, and with the llama2.c vocabulary given instead.
  for (const std::string& tokenizer : {std::string(), absl::StrCat(" --tokenizer ", tok)}) {
    SCOPED_TRACE(tokenizer);
    testing::CommandResult hf =
        RunDoomscope(absl::StrCat("generate --model ", SharedPath("models/hf/stories260K"), tokenizer, args));
    ASSERT_EQ(hf.exit_code, 0) << hf.err;
    EXPECT_EQ(hf.out, bin.out);
    EXPECT_NE(hf.err.find("finish stop"), std::string::npos) << hf.err;  // generation_config.json: BOS ends it
  }
  // --dtype converts on load.
  testing::CommandResult q8 =
      RunDoomscope(absl::StrCat("generate --model ", SharedPath("models/hf/stories260K"), args, " --dtype q8_0"));
  EXPECT_EQ(q8.exit_code, 0) << q8.err;
  testing::CommandResult bad =
      RunDoomscope(absl::StrCat("generate --model ", SharedPath("models/hf/stories260K"), args, " --dtype q4"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--dtype: unknown dtype 'q4'"), std::string::npos) << bad.err;
}

// synth-model's GGUF and HF folder of one seed: the same text in, the same
// tokens out, each through its own vocabulary (GGUF-embedded vs tokenizer.json).
TEST(HfFoldersE2eTest, SynthGgufAndHfFolderGenerateTheSameTokens) {
  const std::string dir = MakeTempDir("synth-both");
  for (const char* format : {"gguf", "hf"}) {
    testing::CommandResult w = RunDoomscope(absl::StrCat(
        "synth-model --format ", format, " --shape stories260K --dtype f16 --seed 5 --out ", dir, "/m.", format));
    ASSERT_EQ(w.exit_code, 0) << w.err;
  }
  WriteFile(dir + "/prompts.jsonl", R"({"id": 1, "prompt": "Once upon a time, the little dog"})"
                                    "\n"
                                    R"({"id": 2, "prompt": "How many apples did she have left?"})"
                                    "\n"
                                    R"({"id": 3, "prompt": "The answer is 42 because"})"
                                    "\n");
  // Per line: the prompt's token count, the generated ids and the finish reason. (The texts
  // may differ: tokenizer.json's ByteFallback decoder turns bytes that are not UTF-8 into
  // U+FFFD, as transformers does, where the GGUF's SentencePiece decoder passes them on.)
  std::vector<std::string> results[2];
  int i = 0;
  for (const char* format : {"gguf", "hf"}) {
    testing::CommandResult g = RunDoomscope(absl::StrCat("generate --model ", dir, "/m.", format, " --prompts ", dir,
                                                         "/prompts.jsonl --max_new_tokens 40 --temperature 0.9"));
    ASSERT_EQ(g.exit_code, 0) << g.err;
    for (absl::string_view line : absl::StrSplit(g.out, '\n', absl::SkipEmpty())) {
      absl::StatusOr<json::Value> v = json::Parse(std::string(line));
      ASSERT_TRUE(v.ok()) << v.status();
      results[i].push_back(absl::StrCat(json::Serialize(*v->Find("prompt_token_count")), " ",
                                        json::Serialize(*v->Find("tokens")), " ",
                                        json::Serialize(*v->Find("finish_reason"))));
    }
    ++i;
  }
  ASSERT_EQ(results[0].size(), 3u);
  EXPECT_EQ(results[1], results[0]);
}

TEST(HfFoldersE2eTest, SynthModelWritesAFolderThatBenchLoads) {
  const std::string dir = MakeTempDir("synth-hf-cli");
  testing::CommandResult w =
      RunDoomscope(absl::StrCat("synth-model --format hf --shape stories260K --dtype bf16 --seed 9 --out ", dir, "/m"));
  ASSERT_EQ(w.exit_code, 0) << w.err;
  for (const char* f :
       {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/m/" + f)) << f;
  }
  testing::CommandResult b = RunDoomscope(
      absl::StrCat("bench --model ", dir, "/m --batch 1 --prompt-tokens 8 --gen-tokens 4 --threads 1 --json"));
  EXPECT_EQ(b.exit_code, 0) << b.err;
  testing::CommandResult q8 =
      RunDoomscope(absl::StrCat("synth-model --format hf --shape stories260K --dtype q8_0 --out ", dir, "/q"));
  EXPECT_EQ(q8.exit_code, 2);
  EXPECT_NE(q8.err.find("f32, f16 or bf16"), std::string::npos) << q8.err;
}

// Broken folders, each with what the error must say.
struct BadFolder {
  std::string path;
  std::string message;
};

std::vector<BadFolder> MakeBadFolders(const std::string& root) {
  namespace fs = std::filesystem;
  const std::string good = SharedPath("models/hf/stories260K");
  auto copy = [&](const std::string& name) {
    const std::string dir = root + "/" + name;
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(good)) {
      fs::copy_file(e.path(), dir + "/" + e.path().filename().string());
      fs::permissions(dir + "/" + e.path().filename().string(), fs::perms::owner_write, fs::perm_options::add);
    }
    return dir;
  };
  std::vector<BadFolder> bad;
  {
    const std::string dir = copy("no-config");
    fs::remove(dir + "/config.json");
    bad.push_back({dir, "a folder without config.json"});
  }
  {
    const std::string dir = copy("unknown-arch");
    std::string config = ReadFile(dir + "/config.json");
    config = absl::StrReplaceAll(config, {{"LlamaForCausalLM", "FalconForCausalLM"}});
    WriteFile(dir + "/config.json", config);
    bad.push_back({dir, "architecture FalconForCausalLM is not supported"});
  }
  {
    const std::string dir = copy("truncated");
    const std::string st = ReadFile(dir + "/model.safetensors");
    WriteFile(dir + "/model.safetensors", st.substr(0, st.size() / 2));
    bad.push_back({dir, "model.safetensors: tensor '"});
  }
  {
    const std::string dir = copy("no-weights");
    fs::remove(dir + "/model.safetensors");
    bad.push_back({dir, "no model.safetensors and no model.safetensors.index.json"});
  }
  bad.push_back({good + "/model.safetensors", "pass the folder that holds it"});
  bad.push_back({root + "/does-not-exist", "no such file or folder"});
  return bad;
}

TEST(HfFoldersE2eTest, BadFoldersExitTwoFromEveryCommand) {
  const std::string root = MakeTempDir("bad-folders");
  const std::string tok = SharedPath("models/stories260K/tok512.bin");
  for (const BadFolder& b : MakeBadFolders(root)) {
    SCOPED_TRACE(b.path);
    testing::CommandResult g =
        RunDoomscope(absl::StrCat("generate --model ", b.path, " --tokenizer ", tok, " --prompt hi"));
    EXPECT_EQ(g.exit_code, 2) << g.err;
    EXPECT_NE(g.err.find(b.message), std::string::npos) << g.err;
    testing::CommandResult bench = RunDoomscope(absl::StrCat("bench --model ", b.path, " --batch 1"));
    EXPECT_EQ(bench.exit_code, 2) << bench.err;
    EXPECT_NE(bench.err.find(b.message), std::string::npos) << bench.err;
    if (!std::filesystem::exists(b.path)) continue;  // the suite validator already refuses a missing path
    const std::string suite = root + "/suite.textproto";
    WriteFile(suite,
              absl::StrCat("name: \"bad\"\ncheckpoint { name: \"c\" stage: SFT path: \"", b.path, "\" tokenizer: \"",
                           tok, "\" }\n", "task { name: \"t\" kind: CONTINUATION prompts: \"",
                           SharedPath("models/stages-a/eval_prompts.jsonl"), "\" limit: 1 }\n",
                           "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 4 }\n"));
    testing::CommandResult r = RunDoomscope(absl::StrCat("run --suite ", suite, " --out ", root, "/out"));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(b.message), std::string::npos) << r.err;
  }
  // A folder without its tokenizer, and no --tokenizer.
  const std::string dir = root + "/no-tokenizer";
  std::filesystem::create_directories(dir);
  for (const char* f : {"config.json", "generation_config.json", "model.safetensors"}) {
    std::filesystem::copy_file(SharedPath(std::string("models/hf/stories260K/") + f), dir + "/" + f);
  }
  testing::CommandResult g = RunDoomscope(absl::StrCat("generate --model ", dir, " --prompt hi"));
  EXPECT_EQ(g.exit_code, 2) << g.err;
  EXPECT_NE(g.err.find("needs tokenizer.json"), std::string::npos) << g.err;
}

}  // namespace
}  // namespace doomscope
