// Writing HF folders: synth-model's random weights as a folder load back as
// exactly the GGUF's tensors of the same seed and generate the same tokens;
// tokenizer.json from a SentencePiece vocabulary equals what transformers'
// converter gave for stories260K (the shared folder's file); refusals.
#include "engine/hf_writer.h"

#include <cstring>
#include <string>
#include <vector>

#include "engine/gguf_model.h"
#include "engine/gguf_reader.h"
#include "engine/hf_model.h"
#include "engine/hf_synth.h"
#include "engine/hf_tokenizer_writer.h"
#include "engine/synth_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/hf_test_folder.h"
#include "tests/engine/model_compare.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;
using testing::SharedPath;

struct GgufModel {
  std::unique_ptr<GgufFile> file;  // the weights view it
  ModelWeights weights;
};

GgufModel SynthGguf(const ModelConfig& c, DType dtype, uint64_t seed) {
  absl::StatusOr<GgufWriter> w = SynthModelWriter(c, dtype, seed, "test");
  EXPECT_TRUE(w.ok()) << w.status();
  absl::StatusOr<GgufFile> g = GgufFile::Parse(MappedFile::FromString(w->WriteToString(), "synth.gguf"));
  EXPECT_TRUE(g.ok()) << g.status();
  GgufModel m{std::make_unique<GgufFile>(*std::move(g)), {}};
  absl::StatusOr<ModelWeights> weights = ModelWeightsFromGguf(*m.file);
  EXPECT_TRUE(weights.ok()) << weights.status();
  m.weights = *std::move(weights);
  return m;
}

// Six short prompts, greedy or sampled, stopping at BOS or EOS.
std::vector<std::vector<int32_t>> Generate(const ModelWeights& w, float temperature) {
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 6; ++i) prompts.push_back({1, 300 + 17 * i, 260 + i});
  return testing::GenerateTokens(w, {2}, prompts, 48, temperature, 11);
}

class SynthHfTest : public ::testing::TestWithParam<DType> {};

TEST_P(SynthHfTest, SameSeedGivesTheGgufsWeightsAndTokens) {
  absl::StatusOr<ModelConfig> c = FindSynthShape("stories260K");
  ASSERT_TRUE(c.ok());
  const std::string dir = testing::MakeTempDir("synth-hf") + "/model";
  ASSERT_TRUE(WriteSynthHfFolder(*c, GetParam(), 42, "stories260K", "", dir).ok());
  absl::StatusOr<HfModel> hf = LoadHfFolder(dir);
  ASSERT_TRUE(hf.ok()) << hf.status();
  const GgufModel gguf = SynthGguf(*c, GetParam(), 42);
  const ModelWeights &a = hf->weights, &b = gguf.weights;
  EXPECT_EQ(a.config.dim, b.config.dim);
  EXPECT_EQ(a.config.n_kv_heads, 4);
  EXPECT_EQ(a.config.tied_embeddings, b.config.tied_embeddings);
  testing::ExpectSameWeights(a, b);
  EXPECT_EQ(Generate(a, 0.0f), Generate(b, 0.0f));
  EXPECT_EQ(Generate(a, 1.0f), Generate(b, 1.0f));
  // On disk the Q rows are in transformers' rotate-half order, not the GGUF's.
  const std::vector<testing::TestTensor> stored = testing::ReadTensors(dir + "/model.safetensors");
  for (const testing::TestTensor& t : stored) {
    if (t.name != "model.layers.0.self_attn.q_proj.weight") continue;
    const size_t row = t.bytes.size() / 64;
    EXPECT_EQ(std::memcmp(t.bytes.data() + 1 * row, b.layers[0].wq.data + 2 * row, row), 0);  // row 2 -> 1
    EXPECT_EQ(std::memcmp(t.bytes.data() + 4 * row, b.layers[0].wq.data + 1 * row, row), 0);  // row 1 -> 4
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, SynthHfTest, ::testing::Values(DType::kF32, DType::kF16, DType::kBF16),
                         [](const ::testing::TestParamInfo<DType>& info) {
                           return std::string(DTypeName(info.param));
                         });

TEST(HfWriterTest, ConfigAndFilesOfASynthFolder) {
  absl::StatusOr<ModelConfig> c = FindSynthShape("stories260K");
  ASSERT_TRUE(c.ok());
  const std::string dir = testing::MakeTempDir("synth-hf-files");
  ASSERT_TRUE(WriteSynthHfFolder(*c, DType::kBF16, 1, "stories260K", "", dir).ok());
  const nlohmann::json config = testing::ReadJson(dir + "/config.json");
  EXPECT_EQ(config["architectures"], nlohmann::json::array({"LlamaForCausalLM"}));
  EXPECT_EQ(config["hidden_size"], 64);
  EXPECT_EQ(config["num_key_value_heads"], c->n_kv_heads);
  EXPECT_EQ(config["torch_dtype"], "bfloat16");
  EXPECT_EQ(config["tie_word_embeddings"], true);
  const nlohmann::json gen = testing::ReadJson(dir + "/generation_config.json");
  EXPECT_EQ(gen["eos_token_id"], 2);
  const nlohmann::json tok = testing::ReadJson(dir + "/tokenizer.json");
  EXPECT_EQ(tok["model"]["vocab"].size(), 512u);
  EXPECT_GT(tok["model"]["merges"].size(), 100u);
  EXPECT_EQ(testing::ReadJson(dir + "/tokenizer_config.json")["bos_token"], "<s>");
  EXPECT_FALSE(std::filesystem::exists(dir + "/model.safetensors.tmp-" + std::to_string(getpid())));
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << "temporary file left: " << entry.path();
  }
}

// The shared stories260K tokenizer.json was made from tok512.model by a
// converter following transformers' LlamaConverter; ours from the same
// vocabulary must be the same document.
TEST(HfWriterTest, TokenizerJsonEqualsTheConvertersForStories) {
  absl::StatusOr<Tokenizer> tok = Tokenizer::FromLlama2cFile(SharedPath("models/stories260K/tok512.bin"), 512);
  ASSERT_TRUE(tok.ok()) << tok.status();
  TokenizerVocab v;
  v.source = "tok512.bin";
  for (int32_t i = 0; i < tok->vocab_size(); ++i) {
    // tok512.bin spells BOS/EOS "\n<s>\n"; the SentencePiece model says <s>, </s>.
    v.pieces.push_back(i == 1 ? "<s>" : i == 2 ? "</s>" : std::string(tok->Piece(i)));
    v.scores.push_back(tok->Score(i));
    v.kinds.push_back(i == 0     ? TokenKind::kUnknown
                      : i <= 2   ? TokenKind::kControl
                      : i <= 258 ? TokenKind::kByte
                                 : TokenKind::kNormal);
  }
  absl::StatusOr<nlohmann::ordered_json> ours = HfTokenizerJson(v);
  ASSERT_TRUE(ours.ok()) << ours.status();
  const nlohmann::json theirs = testing::ReadJson(SharedPath("models/hf/stories260K/tokenizer.json"));
  const nlohmann::json mine = nlohmann::json::parse(ours->dump());
  for (const char* key : {"added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder", "model"}) {
    EXPECT_EQ(mine[key], theirs[key]) << key;
  }
  EXPECT_EQ(mine["model"]["merges"].size(), theirs["model"]["merges"].size());
}

TEST(HfWriterTest, RefusesWhatAFolderCannotHold) {
  absl::StatusOr<ModelConfig> c = FindSynthShape("stories260K");
  ASSERT_TRUE(c.ok());
  const std::string dir = testing::MakeTempDir("synth-hf-bad");
  absl::Status s = WriteSynthHfFolder(*c, DType::kQ8_0, 1, "stories260K", "", dir + "/q8");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("f32, f16 or bf16"));
  // A tokenizer with more tokens than the model has rows.
  testing::WriteFile(dir + "/tokenizer.json", R"({"model": {"vocab": {"a": 0, "b": 9999}}, "added_tokens": []})");
  s = WriteSynthHfFolder(*c, DType::kF32, 1, "stories260K", dir + "/tokenizer.json", dir + "/copy");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("token id 9999 does not fit the model's vocabulary of 512"));
}

TEST(HfWriterTest, CopiesAGivenTokenizer) {
  absl::StatusOr<ModelConfig> c = FindSynthShape("stories260K");
  ASSERT_TRUE(c.ok());
  const std::string dir = testing::MakeTempDir("synth-hf-copy");
  ASSERT_TRUE(
      WriteSynthHfFolder(*c, DType::kF32, 3, "stories260K", SharedPath("models/hf/stories260K/tokenizer.json"), dir)
          .ok());
  EXPECT_EQ(testing::ReadFile(dir + "/tokenizer.json"),
            testing::ReadFile(SharedPath("models/hf/stories260K/tokenizer.json")));
  EXPECT_EQ(testing::ReadFile(dir + "/tokenizer_config.json"),
            testing::ReadFile(SharedPath("models/hf/stories260K/tokenizer_config.json")));
}

}  // namespace
}  // namespace doomscope::engine
