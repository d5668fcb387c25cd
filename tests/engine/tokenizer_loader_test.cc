// OpenTokenizer sniffs every kind of tokenizer path and refuses bad ones with
// a message naming the file and what is wrong; tokenizer_config.json and
// generation_config.json decide BOS/EOS and the end-of-generation ids.
#include <string>
#include <vector>

#include "engine/tokenizer_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SharedPath;

std::string TestdataDir() {
  std::string file = __FILE__;
  return file.substr(0, file.rfind('/')) + "/testdata/tokenizers";
}

// A folder holding a copy of a fixture's tokenizer.json and the given configs.
std::string Folder(const std::string& fixture, const std::string& config, const std::string& generation = "") {
  const std::string dir = testing::MakeTempDir("hf-tok");
  testing::WriteFile(dir + "/tokenizer.json", testing::ReadFile(TestdataDir() + "/" + fixture + "/tokenizer.json"));
  if (!config.empty()) testing::WriteFile(dir + "/tokenizer_config.json", config);
  if (!generation.empty()) testing::WriteFile(dir + "/generation_config.json", generation);
  return dir;
}

std::string ErrorOf(const std::string& path) {
  absl::StatusOr<Tokenizer> t = OpenTokenizer(path);
  EXPECT_FALSE(t.ok()) << path << " opened";
  return t.ok() ? "" : std::string(t.status().message());
}

TEST(TokenizerLoaderTest, SniffsLlama2cGgufJsonAndFolders) {
  absl::StatusOr<Tokenizer> bin = OpenTokenizer(SharedPath("models/stories260K/tok512.bin"));
  ASSERT_TRUE(bin.ok()) << bin.status();
  EXPECT_EQ(bin->vocab_size(), 512);  // counted from the file
  absl::StatusOr<Tokenizer> gguf = OpenTokenizer(SharedPath("models/stories260K/stories260K.gguf"));
  ASSERT_TRUE(gguf.ok()) << gguf.status();
  absl::StatusOr<Tokenizer> json = OpenTokenizer(SharedPath("models/hf/stories260K/tokenizer.json"));
  ASSERT_TRUE(json.ok()) << json.status();
  absl::StatusOr<Tokenizer> folder = OpenTokenizer(SharedPath("models/hf/stories260K"));
  ASSERT_TRUE(folder.ok()) << folder.status();
  for (const Tokenizer* t : {&*bin, &*gguf, &*json, &*folder}) {
    EXPECT_THAT(t->Encode("Once upon a time", true), ElementsAre(1, 403, 407, 261, 378)) << t->source();
  }
  // A GGUF SentencePiece vocabulary parses "<s>" in text only when asked (llama.cpp's parse_special).
  EXPECT_NE(gguf->Encode("<s>Once", false).front(), 1);
  EXPECT_EQ(gguf->Encode("<s>Once", EncodeOptions{.parse_special = true}).front(), 1);
  // A llama2.c file with the wrong vocabulary size for its model is refused.
  EXPECT_THAT(std::string(OpenTokenizer(SharedPath("models/stories260K/tok512.bin"), 1000).status().message()),
              HasSubstr("1000"));
}

TEST(TokenizerLoaderTest, RefusesBadFilesByName) {
  const std::string empty = testing::MakeTempDir("hf-empty");
  EXPECT_THAT(ErrorOf(empty), HasSubstr("needs tokenizer.json"));
  const std::string dir = testing::MakeTempDir("bad-tok");
  testing::WriteFile(dir + "/wordpiece.json", R"({"model": {"type": "WordPiece", "vocab": {}}})");
  EXPECT_THAT(ErrorOf(dir + "/wordpiece.json"), HasSubstr("model type \"WordPiece\" is not supported"));
  testing::WriteFile(dir + "/broken.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [)");
  EXPECT_THAT(ErrorOf(dir + "/broken.json"), HasSubstr("not valid JSON at byte"));
  testing::WriteFile(dir + "/merge.json", R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}})");
  EXPECT_THAT(ErrorOf(dir + "/merge.json"), HasSubstr("merge 0 (\"a\" + \"b\") uses \"ab\""));
  testing::WriteFile(dir + "/merge2.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b c"]}})");
  EXPECT_THAT(ErrorOf(dir + "/merge2.json"), HasSubstr("merges[0] \"a b c\" is not two tokens"));
  testing::WriteFile(dir + "/pre.json",
                     R"({"pre_tokenizer": {"type": "UnicodeScripts"}, "model": {"type": "BPE", "vocab": {}, "merges": []}})");
  EXPECT_THAT(ErrorOf(dir + "/pre.json"), HasSubstr("pre-tokenizer type \"UnicodeScripts\" is not supported"));
  testing::WriteFile(dir + "/regex.json",
                     R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(["}, "behavior": "Isolated"},
                        "model": {"type": "BPE", "vocab": {}, "merges": []}})");
  EXPECT_THAT(ErrorOf(dir + "/regex.json"), HasSubstr("pre_tokenizer (Split)"));
  testing::WriteFile(dir + "/garbage.bin", "\x01\x00\x00\x00\x05");
  EXPECT_THAT(ErrorOf(dir + "/garbage.bin"), HasSubstr("not a GGUF file, a tokenizer.json"));
  EXPECT_THAT(ErrorOf(Folder("gpt2-reduced", R"({"eos_token": "<nope>"})")), HasSubstr("eos_token \"<nope>\""));
}

TEST(TokenizerLoaderTest, ConfigAddBosTokenDecidesWhatAddSpecialAdds) {
  // The fixture's post-processor adds <|begin_of_text|>; the config can turn it off or on.
  absl::StatusOr<Tokenizer> off =
      OpenTokenizer(Folder("llama3-reduced", R"({"add_bos_token": false, "bos_token": "<|begin_of_text|>"})"));
  ASSERT_TRUE(off.ok()) << off.status();
  const int32_t bos = off->TokenId("<|begin_of_text|>");
  EXPECT_EQ(off->bos_id(), bos);
  EXPECT_NE(off->Encode("hi", true).front(), bos);
  absl::StatusOr<Tokenizer> on = OpenTokenizer(
      Folder("gpt2-reduced", R"({"add_bos_token": true, "add_eos_token": true, "bos_token": {"content": "<|endoftext|>"},
                                 "eos_token": "<|endoftext|>"})"));
  ASSERT_TRUE(on.ok()) << on.status();
  const std::vector<int32_t> ids = on->Encode("hi", true);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), on->bos_id());
  EXPECT_EQ(ids.back(), on->eos_id());
  EXPECT_EQ(on->Encode("hi", false).size(), ids.size() - 2);
}

TEST(TokenizerLoaderTest, GenerationConfigEosListEndsGeneration) {
  absl::StatusOr<Tokenizer> t = OpenTokenizer(
      Folder("smollm-style-reduced", R"({"eos_token": "<|im_end|>"})", R"({"eos_token_id": [3, 7], "bos_token_id": 1})"));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->IsEndOfGeneration(t->TokenId("<|im_end|>")));
  EXPECT_TRUE(t->IsEndOfGeneration(3));
  EXPECT_TRUE(t->IsEndOfGeneration(7));
  EXPECT_TRUE(t->IsEndOfGeneration(t->TokenId("<|endoftext|>")));
  EXPECT_FALSE(t->IsEndOfGeneration(t->TokenId("<|im_start|>")));
  // split_special_tokens: special tokens in text are plain text by default.
  absl::StatusOr<Tokenizer> split = OpenTokenizer(Folder("smollm-style-reduced", R"({"split_special_tokens": true})"));
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_GT(split->Encode("<|im_start|>", false).size(), 1u);
  EXPECT_EQ(split->Encode("<|im_start|>", EncodeOptions{.parse_special = true}).size(), 1u);
}

}  // namespace
}  // namespace doomscope::engine
