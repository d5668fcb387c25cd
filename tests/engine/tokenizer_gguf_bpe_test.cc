// GGUF `gpt2` vocabularies tokenize like the Hugging Face folder they were
// converted from: the Qwen3 tokenizer (pre "qwen2", NFC) on the 300 shared
// references, a Llama 3 vocabulary (pre "llama-bpe": \p{N}{1,3}, ignore_merges,
// BOS) and the SmolLM layout (pre "smollm": digits split first) on the fixture
// texts. Unknown pre-tokenizer names and broken merges are refused by name.
#include <string>
#include <vector>

#include "engine/gguf_reader.h"
#include "engine/gguf_writer.h"
#include "engine/tokenizer_gguf_export.h"
#include "engine/tokenizer_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/jsonl_rows.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;
using testing::SharedPath;

std::string TestdataDir() {
  std::string file = __FILE__;
  return file.substr(0, file.rfind('/')) + "/testdata/tokenizers";
}

// Writes `json_path` as a GGUF vocabulary and opens it.
absl::StatusOr<Tokenizer> GgufTwin(const std::string& json_path, const GgufVocabOptions& options) {
  absl::StatusOr<Json> root = ReadJsonFile(json_path);
  if (!root.ok()) return root.status();
  GgufWriter w;
  w.AddString("general.architecture", "llama");
  if (absl::Status s = AddTokenizerJsonToGguf(*root, options, &w); !s.ok()) return s;
  const std::string path = testing::MakeTempDir("gguf-tok") + "/vocab.gguf";
  if (absl::Status s = w.WriteFile(path); !s.ok()) return s;
  return OpenTokenizer(path);
}

std::vector<std::string> Texts(const std::string& path) {
  std::vector<std::string> texts;
  for (const nlohmann::json& v : testing::ReadJsonlRows(path)) texts.push_back(v.value("text", ""));
  return texts;
}

void ExpectSameTokens(const Tokenizer& gguf, const Tokenizer& hf, const std::vector<std::string>& texts) {
  int same = 0;
  for (const std::string& text : texts) {
    const std::vector<int32_t> a = gguf.Encode(text, EncodeOptions{.add_special = true});
    EXPECT_EQ(a, hf.Encode(text, EncodeOptions{.add_special = true})) << text;
    same += a == hf.Encode(text, EncodeOptions{.add_special = true});
    EXPECT_EQ(gguf.DecodeWith(a, {.skip_special = false}), hf.DecodeWith(a, {.skip_special = false})) << text;
  }
  EXPECT_EQ(same, static_cast<int>(texts.size()));
}

TEST(TokenizerGgufBpeTest, Qwen3GgufMatchesTheReferences) {
  GgufVocabOptions options;
  options.pre = "qwen2";
  options.eos_token = "<|im_end|>";
  absl::StatusOr<Tokenizer> gguf = GgufTwin(SharedPath("tokenizers/qwen3/tokenizer.json"), options);
  ASSERT_TRUE(gguf.ok()) << gguf.status();
  absl::StatusOr<Tokenizer> hf = OpenTokenizer(SharedPath("tokenizers/qwen3"));
  ASSERT_TRUE(hf.ok()) << hf.status();
  std::vector<std::string> texts = Texts(SharedPath("tokenizers/qwen3/reference_ids.jsonl"));
  for (const std::string& t : Texts(TestdataDir() + "/qwen3-hostile/reference.jsonl")) texts.push_back(t);
  ExpectSameTokens(*gguf, *hf, texts);
  EXPECT_EQ(gguf->vocab_size(), hf->vocab_size());
  EXPECT_EQ(gguf->eos_id(), 151645);
  EXPECT_TRUE(gguf->IsEndOfGeneration(151643));  // <|endoftext|> by its text, as llama.cpp does
  // Decomposed input is composed first (Qwen's NFC normalizer), as in the HF folder.
  EXPECT_EQ(gguf->Encode("e\u0301", false), gguf->Encode("\u00e9", false));
}

TEST(TokenizerGgufBpeTest, Llama3AndSmolLmGgufsMatchTheirFolders) {
  for (auto [name, pre, bos] : {std::tuple<const char*, const char*, const char*>{"llama3-reduced", "llama-bpe",
                                                                                  "<|begin_of_text|>"},
                                {"smollm-style-reduced", "smollm", nullptr}}) {
    SCOPED_TRACE(name);
    const std::string dir = TestdataDir() + "/" + name;
    GgufVocabOptions options;
    options.pre = pre;
    if (bos != nullptr) options.bos_token = bos;
    absl::StatusOr<Tokenizer> gguf = GgufTwin(dir + "/tokenizer.json", options);
    ASSERT_TRUE(gguf.ok()) << gguf.status();
    absl::StatusOr<Tokenizer> hf = OpenTokenizer(dir);
    ASSERT_TRUE(hf.ok()) << hf.status();
    ExpectSameTokens(*gguf, *hf, Texts(dir + "/reference.jsonl"));
  }
}

TEST(TokenizerGgufBpeTest, UnknownPreTokenizerIsRefusedByName) {
  GgufVocabOptions options;
  options.pre = "no-such-family";
  absl::StatusOr<Tokenizer> gguf = GgufTwin(TestdataDir() + "/gpt2-reduced/tokenizer.json", options);
  ASSERT_FALSE(gguf.ok());
  EXPECT_THAT(std::string(gguf.status().message()), HasSubstr("tokenizer.ggml.pre 'no-such-family'"));
}

TEST(TokenizerGgufBpeTest, MissingMergesAreRefused) {
  GgufWriter w;
  w.AddString("tokenizer.ggml.model", "gpt2");
  w.AddString("tokenizer.ggml.pre", "qwen2");
  w.AddStringArray("tokenizer.ggml.tokens", {"a", "b"});
  const std::string path = testing::MakeTempDir("gguf-tok") + "/nomerges.gguf";
  ASSERT_TRUE(w.WriteFile(path).ok());
  absl::StatusOr<Tokenizer> t = OpenTokenizer(path);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("needs tokenizer.ggml.merges"));
}

}  // namespace
}  // namespace doomscope::engine
