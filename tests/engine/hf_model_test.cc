// Hugging Face folders: the shared stories260K and stage-A folders load into
// exactly the weights of the llama2.c files they came from (Q/K rows back in
// adjacent-pair order) and generate exactly their tokens; the forward pass's
// rotate-half RoPE agrees with adjacent pairs on permuted weights; config
// aliases, refusals, tied and untied heads, BF16/F16 and misaligned tensors,
// shards, generation_config.json, and --dtype conversion.
#include "engine/hf_model.h"

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "engine/forward.h"
#include "engine/llama2c_reader.h"
#include "engine/model_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/hf_test_folder.h"
#include "tests/engine/jsonl_rows.h"
#include "tests/engine/model_compare.h"
#include "tests/engine/reference_greedy_rows.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;
using testing::SharedPath;

const std::vector<int32_t> kTokens = {1, 403, 407, 261, 378, 11, 300, 290, 412, 270, 265, 301, 500, 44, 3, 259};

ModelWeights LoadBin(const std::string& relative) {
  absl::StatusOr<ModelWeights> w = LoadLlama2cCheckpoint(SharedPath(relative));
  EXPECT_TRUE(w.ok()) << w.status();
  return *std::move(w);
}

HfModel LoadFolder(const std::string& dir) {
  absl::StatusOr<HfModel> m = LoadHfFolder(dir);
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

std::vector<float> Logits(const ModelWeights& w, const std::vector<int32_t>& tokens) {
  return testing::PositionLogits(w, tokens, 1);
}

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
  return d;
}

// Greedy or sampled tokens for each prompt (stop at BOS or EOS, as run.c).
std::vector<std::vector<int32_t>> Generate(const ModelWeights& w, const std::vector<std::vector<int32_t>>& prompts,
                                           int max_new, float temperature) {
  return testing::GenerateTokens(w, {1, 2}, prompts, max_new, temperature, 1004);
}

TEST(HfModelTest, StoriesFolderHoldsTheBinsWeightsInMemory) {
  const HfModel hf = LoadFolder(SharedPath("models/hf/stories260K"));
  const ModelWeights bin = LoadBin("models/stories260K/stories260K.bin");
  const ModelConfig &c = hf.weights.config, &b = bin.config;
  EXPECT_EQ(hf.architecture->class_name, "LlamaForCausalLM");
  // config.json gives what the llama2.c header says (and run.c hard-codes: theta, eps).
  EXPECT_EQ(std::tie(c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.head_dim, c.vocab_size, c.max_seq_len,
                     c.rope_theta, c.norm_eps, c.tied_embeddings, c.rope_layout),
            std::tie(b.dim, b.hidden_dim, b.n_layers, b.n_heads, b.n_kv_heads, b.head_dim, b.vocab_size, b.max_seq_len,
                     b.rope_theta, b.norm_eps, b.tied_embeddings, b.rope_layout));
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_TRUE(c.rope_freq_factors.empty());
  EXPECT_EQ(hf.weights.classifier.data, hf.weights.token_embedding.data);
  // Q and K come back from the rotate-half permutation to llama2.c's rows, bit for bit.
  testing::ExpectSameWeights(hf.weights, bin);
  // Only Q and K were copied; everything else is a view of the mapped file.
  EXPECT_EQ(hf.copied_bytes, 5u * (64 * 64 + 32 * 64) * 4);
  EXPECT_EQ(hf.generation.eos_ids, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(hf.generation.bos_id, 1);
  ASSERT_TRUE(hf.generation.sampling.has_value());  // do_sample: false
  EXPECT_EQ(hf.generation.sampling->temperature, 0.0f);
}

TEST(HfModelTest, StoriesFolderMatchesRunCsReferenceTokens) {
  const HfModel hf = LoadFolder(SharedPath("models/hf/stories260K"));
  std::vector<std::vector<int32_t>> prompts, want;
  std::vector<bool> ended_at_bos;
  for (const testing::ReferenceGreedyRow& r : testing::LoadReferenceGreedyRows()) {
    prompts.push_back(r.prompt_ids);
    want.push_back(r.generated_ids);
    ended_at_bos.push_back(r.finish == "bos");
  }
  ASSERT_EQ(prompts.size(), 4u);
  const std::vector<std::vector<int32_t>> got = Generate(hf.weights, prompts, 256, 0.0f);
  for (size_t i = 0; i < prompts.size(); ++i) {
    SCOPED_TRACE(i);
    if (ended_at_bos[i]) {
      EXPECT_EQ(got[i], want[i]);
    } else {  // run.c's budget ran out: ours is larger
      ASSERT_GE(got[i].size(), want[i].size());
      EXPECT_EQ(std::vector<int32_t>(got[i].begin(), got[i].begin() + want[i].size()), want[i]);
    }
  }
}

TEST(HfModelTest, StageFoldersGenerateTheTokensOfTheirBins) {
  std::vector<std::vector<int32_t>> prompts;
  for (const nlohmann::json& row : testing::ReadJsonlRows(SharedPath("models/stages-a/eval_prompts.jsonl"))) {
    if (prompts.size() < 12) prompts.push_back(testing::JsonIds(row, "tokens"));
  }
  ASSERT_EQ(prompts.size(), 12u);
  for (const char* stage : {"pretrain", "sft", "dpo", "rl"}) {
    SCOPED_TRACE(stage);
    const HfModel hf = LoadFolder(SharedPath(std::string("models/hf/stages-a-") + stage));
    const ModelWeights bin = LoadBin(std::string("models/stages-a/") + stage + ".bin");
    EXPECT_EQ(Logits(hf.weights, kTokens), Logits(bin, kTokens));  // bit for bit
    EXPECT_EQ(Generate(hf.weights, prompts, 128, 0.0f), Generate(bin, prompts, 128, 0.0f));
    EXPECT_EQ(Generate(hf.weights, prompts, 128, 0.8f), Generate(bin, prompts, 128, 0.8f));
  }
}

// The forward pass's RopeLayout::kHalves on weights stored as transformers
// stores them (no un-permuting) computes the same function as adjacent pairs
// on the original rows: only the order of float additions in q.k differs.
TEST(HfModelTest, ForwardRotateHalfLayoutAgreesWithAdjacentPairs) {
  const ModelWeights bin = LoadBin("models/stories260K/stories260K.bin");
  ModelWeights halves = bin;
  halves.config.rope_layout = RopeLayout::kHalves;
  std::vector<std::vector<std::byte>> copies;
  for (LayerWeights& l : halves.layers) {
    for (TensorView* t : {&l.wq, &l.wk}) {
      std::vector<std::byte>& copy = copies.emplace_back(t->bytes());
      const size_t row = static_cast<size_t>(t->cols) * 4;
      for (int64_t r = 0; r < t->rows; ++r) {
        std::memcpy(copy.data() + RotateHalfRowOf(r, bin.config.head_dim) * row, t->data + r * row, row);
      }
      t->data = copy.data();
    }
  }
  const std::vector<float> a = Logits(bin, kTokens), b = Logits(halves, kTokens);
  EXPECT_LT(MaxAbsDiff(a, b), 1e-4f);
  // The permuted rows with the other rotation are a different model: the check above can fail.
  ModelWeights wrong = halves;
  wrong.config.rope_layout = RopeLayout::kAdjacentPairs;
  EXPECT_GT(MaxAbsDiff(a, Logits(wrong, kTokens)), 1e-2f);
}

void ExpectLoadError(const std::string& dir, std::string_view needle) {
  absl::StatusOr<HfModel> m = LoadHfFolder(dir);
  ASSERT_FALSE(m.ok()) << "loaded; expected: " << needle;
  EXPECT_THAT(std::string(m.status().message()), HasSubstr(std::string(needle))) << m.status();
}

TEST(HfModelTest, ConfigAliasesAndDefaults) {
  const std::string dir = testing::CopyHfFolder();
  testing::EditConfig(dir, [](nlohmann::json& c) {
    c.erase("architectures");  // model_type alone names the architecture
    c.erase("num_key_value_heads");
    c.erase("rope_theta");
    c["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 20000.0}};
    c["head_dim"] = 8;
    c["rope_scaling"] = nullptr;  // null is absent, as in transformers
  });
  // Without num_key_value_heads the model would have 8 KV heads: k_proj's shape says otherwise.
  ExpectLoadError(dir, "self_attn.k_proj.weight' has shape [32, 64] but config.json implies [64, 64]");
  testing::EditConfig(dir, [](nlohmann::json& c) { c["num_key_value_heads"] = 4; });
  const HfModel m = LoadFolder(dir);
  EXPECT_FLOAT_EQ(m.weights.config.rope_theta, 20000.0f);
  EXPECT_EQ(m.weights.config.n_kv_heads, 4);
}

TEST(HfModelTest, RefusesWhatTheEngineWouldRunWrongly) {
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    std::string error;
  };
  const std::vector<Case> cases = {
      {[](nlohmann::json& c) { c["architectures"] = {"MistralForCausalLM"}; },
       "architecture MistralForCausalLM is not supported (supported: LlamaForCausalLM"},
      {[](nlohmann::json& c) {
         c.erase("architectures");
         c["model_type"] = "gpt2";
       },
       "model_type \"gpt2\" is not supported"},
      {[](nlohmann::json& c) { c["attention_bias"] = true; }, "attention_bias: true is not supported"},
      {[](nlohmann::json& c) { c["mlp_bias"] = true; }, "mlp_bias: true is not supported"},
      {[](nlohmann::json& c) { c["hidden_act"] = "gelu"; }, "hidden_act: \"gelu\" is not supported"},
      {[](nlohmann::json& c) {
         c["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
       },
       "rope_scaling: rope_type: \"yarn\" is not supported"},
      {[](nlohmann::json& c) {
         c["rope_scaling"] = {{"type", "llama3"}, {"factor", 8.0}};
       },
       "low_freq_factor: is missing"},
      {[](nlohmann::json& c) { c["partial_rotary_factor"] = 0.5; }, "partial_rotary_factor"},
      {[](nlohmann::json& c) { c["hidden_size"] = "64"; }, "hidden_size: must be an integer, found a string"},
      {[](nlohmann::json& c) { c.erase("intermediate_size"); }, "intermediate_size: is missing"},
      {[](nlohmann::json& c) { c["num_key_value_heads"] = 3; }, "num_key_value_heads: 3 does not divide"},
      {[](nlohmann::json& c) { c["vocab_size"] = 500; },
       "model.embed_tokens.weight' has shape [512, 64] but config.json implies [500, 64] (vocab_size, hidden_size)"},
      {[](nlohmann::json& c) { c["tie_word_embeddings"] = false; },
       "tensor 'lm_head.weight' is missing (LlamaForCausalLM needs it); config.json says tie_word_embeddings is "
       "false"},
      {[](nlohmann::json& c) { c["rms_norm_eps"] = -1; }, "rms_norm_eps: -1 is outside"},
      {[](nlohmann::json& c) {
         c["quantization_config"] = {{"quant_method", "gptq"}, {"bits", 4}};
       },
       "quantization_config: a gptq-quantized checkpoint is not supported"},
      {[](nlohmann::json& c) {
         c["hidden_size"] = 60;
         c["num_attention_heads"] = 8;
       },
       "head_dim: is missing and hidden_size 60 is not a multiple of num_attention_heads 8"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.error);
    const std::string dir = testing::CopyHfFolder();
    testing::EditConfig(dir, k.edit);
    ExpectLoadError(dir, k.error);
  }
  const std::string dir = testing::CopyHfFolder();
  testing::WriteFile(dir + "/config.json",
                     R"({"architectures":["LlamaForCausalLM"],"hidden_size":64,"hidden_size":32})");
  ExpectLoadError(dir, "config.json: key \"hidden_size\" appears twice");
  std::filesystem::remove(dir + "/config.json");
  ExpectLoadError(dir, "no config.json (not a Hugging Face model folder)");
}

TEST(HfModelTest, Llama3RopeScalingBecomesPerPairFrequencyDivisors) {
  const std::string dir = testing::CopyHfFolder();
  testing::EditConfig(dir, [](nlohmann::json& c) {
    c["rope_theta"] = 500000.0;
    c["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", 8.0},
                         {"low_freq_factor", 1.0},
                         {"high_freq_factor", 4.0},
                         {"original_max_position_embeddings", 8192}};
  });
  const HfModel m = LoadFolder(dir);
  // transformers' rule by hand, head_dim 8: wavelengths 2pi, 167, 4443, 118143 against
  // 8192/4 = 2048 and 8192/1: kept, kept, blended (smooth 0.2813), slowed by 8.
  ASSERT_EQ(m.weights.config.rope_freq_factors.size(), 4u);
  EXPECT_FLOAT_EQ(m.weights.config.rope_freq_factors[0], 1.0f);
  EXPECT_FLOAT_EQ(m.weights.config.rope_freq_factors[1], 1.0f);
  EXPECT_NEAR(m.weights.config.rope_freq_factors[2], 2.69453f, 1e-4);
  EXPECT_FLOAT_EQ(m.weights.config.rope_freq_factors[3], 8.0f);
  // RoPE is the identity at position 0, so the first logits cannot change; later ones must.
  ModelWeights plain = m.weights;
  plain.config.rope_freq_factors.clear();
  const std::vector<float> scaled = Logits(m.weights, kTokens), unscaled = Logits(plain, kTokens);
  const size_t v = 512;
  EXPECT_EQ(std::vector<float>(scaled.begin(), scaled.begin() + v),
            std::vector<float>(unscaled.begin(), unscaled.begin() + v));
  EXPECT_GT(MaxAbsDiff(scaled, unscaled), 1e-3f);
}

TEST(HfModelTest, TiedAndUntiedHeads) {
  const std::string st = SharedPath("models/hf/stories260K/model.safetensors");
  std::vector<testing::TestTensor> tensors = testing::ReadTensors(st);
  testing::TestTensor head = tensors[0];
  ASSERT_EQ(head.name, "model.embed_tokens.weight");
  head.name = "lm_head.weight";
  // Tied with a redundant lm_head.weight (some fine-tunes save it): ignored.
  const std::string tied = testing::CopyHfFolder();
  std::vector<testing::TestTensor> with_head = tensors;
  with_head.push_back(head);
  testing::WriteTensors(tied + "/model.safetensors", with_head);
  const HfModel a = LoadFolder(tied);
  EXPECT_EQ(a.weights.classifier.data, a.weights.token_embedding.data);
  // Untied: the head is its own tensor; here equal to the embedding, so the same logits.
  const std::string untied = testing::CopyHfFolder();
  testing::WriteTensors(untied + "/model.safetensors", with_head);
  testing::EditConfig(untied, [](nlohmann::json& c) { c["tie_word_embeddings"] = false; });
  const HfModel b = LoadFolder(untied);
  EXPECT_NE(b.weights.classifier.data, b.weights.token_embedding.data);
  EXPECT_EQ(Logits(a.weights, kTokens), Logits(b.weights, kTokens));
}

TEST(HfModelTest, UnknownAndUnsupportedTensorsAreRefused) {
  const std::vector<testing::TestTensor> tensors =
      testing::ReadTensors(SharedPath("models/hf/stories260K/model.safetensors"));
  {
    const std::string dir = testing::CopyHfFolder();
    std::vector<testing::TestTensor> t = tensors;
    t.push_back({"model.layers.0.self_attn.q_proj.bias", "F32", {64}, std::string(256, '\0')});
    testing::WriteTensors(dir + "/model.safetensors", t);
    ExpectLoadError(dir, "tensor 'model.layers.0.self_attn.q_proj.bias' is not part of LlamaForCausalLM");
  }
  {
    // Old exports saved RoPE's inverse frequencies: harmless, ignored.
    const std::string dir = testing::CopyHfFolder();
    std::vector<testing::TestTensor> t = tensors;
    t.push_back({"model.layers.3.self_attn.rotary_emb.inv_freq", "F32", {4}, std::string(16, '\0')});
    testing::WriteTensors(dir + "/model.safetensors", t);
    EXPECT_TRUE(LoadHfFolder(dir).ok());
  }
  {
    const std::string dir = testing::CopyHfFolder();
    std::vector<testing::TestTensor> t = tensors;
    t[1].dtype = "I32";
    testing::WriteTensors(dir + "/model.safetensors", t);
    ExpectLoadError(dir, "tensor '" + t[1].name + "' is I32; the engine reads F32, F16 and BF16");
  }
  {
    const std::string dir = testing::CopyHfFolder();
    std::vector<testing::TestTensor> t = tensors;
    t.erase(t.begin() + 5);
    testing::WriteTensors(dir + "/model.safetensors", t);
    ExpectLoadError(dir, "tensor '" + tensors[5].name + "' is missing");
  }
}

TEST(HfModelTest, HalfPrecisionAndMisalignedTensors) {
  const std::vector<testing::TestTensor> tensors =
      testing::ReadTensors(SharedPath("models/hf/stories260K/model.safetensors"));
  const std::vector<float> reference = Logits(LoadFolder(SharedPath("models/hf/stories260K")).weights, kTokens);
  for (const char* dtype : {"BF16", "F16"}) {
    SCOPED_TRACE(dtype);
    const std::string dir = testing::CopyHfFolder();
    testing::WriteTensors(dir + "/model.safetensors", testing::ConvertF32(tensors, dtype));
    const HfModel m = LoadFolder(dir);
    EXPECT_EQ(m.weights.layers[2].w_up.dtype, std::string(dtype) == "BF16" ? DType::kBF16 : DType::kF16);
    EXPECT_EQ(m.weights.final_norm.dtype, m.weights.layers[2].w_up.dtype);  // norms too, read as stored
    EXPECT_LT(MaxAbsDiff(Logits(m.weights, kTokens), reference), std::string(dtype) == "BF16" ? 0.5f : 0.05f);
  }
  // A writer that does not pad the header puts every F32 tensor off its alignment: copied, same values.
  const std::string dir = testing::CopyHfFolder();
  testing::WriteTensors(dir + "/model.safetensors", tensors, /*pad_header=*/false);
  const HfModel m = LoadFolder(dir);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m.weights.layers[0].wv.data) % 4, 0u);
  EXPECT_GT(m.copied_bytes, 1000000u);
  EXPECT_EQ(Logits(m.weights, kTokens), reference);
}

TEST(HfModelTest, ShardedFolder) {
  const std::vector<testing::TestTensor> tensors =
      testing::ReadTensors(SharedPath("models/hf/stories260K/model.safetensors"));
  const std::string dir = testing::CopyHfFolder();
  std::filesystem::remove(dir + "/model.safetensors");
  const size_t half = tensors.size() / 2;
  std::vector<testing::TestTensor> first(tensors.begin(), tensors.begin() + half),
      second(tensors.begin() + half, tensors.end());
  testing::WriteTensors(dir + "/model-00001-of-00002.safetensors", first);
  testing::WriteTensors(dir + "/model-00002-of-00002.safetensors", second);
  nlohmann::json index = {{"metadata", {{"total_size", 1040000}}}, {"weight_map", nlohmann::json::object()}};
  for (size_t i = 0; i < tensors.size(); ++i) {
    index["weight_map"][tensors[i].name] =
        i < half ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  testing::WriteJson(dir + "/model.safetensors.index.json", index);
  const HfModel m = LoadFolder(dir);
  EXPECT_EQ(Logits(m.weights, kTokens), Logits(LoadFolder(SharedPath("models/hf/stories260K")).weights, kTokens));
  std::filesystem::remove(dir + "/model-00002-of-00002.safetensors");
  ExpectLoadError(dir, "to shard model-00002-of-00002.safetensors, which is missing");
}

TEST(HfModelTest, GenerationConfig) {
  const std::string dir = testing::CopyHfFolder();
  testing::WriteJson(dir + "/generation_config.json",
                     {{"eos_token_id", 2}, {"do_sample", true}, {"temperature", 0.7}, {"top_p", 0.9}});
  const HfModel m = LoadFolder(dir);
  EXPECT_EQ(m.generation.eos_ids, std::vector<int32_t>{2});
  ASSERT_TRUE(m.generation.sampling.has_value());
  EXPECT_FLOAT_EQ(m.generation.sampling->temperature, 0.7f);
  EXPECT_FLOAT_EQ(m.generation.sampling->top_p, 0.9f);
  EXPECT_EQ(m.generation.sampling->top_k, 50);  // transformers' default when the file leaves it out
  EXPECT_EQ(m.generation.sampling->repetition_last_n, -1);
  // Without generation_config.json: config.json's ids, no sampling advice.
  std::filesystem::remove(dir + "/generation_config.json");
  const HfModel n = LoadFolder(dir);
  EXPECT_EQ(n.generation.eos_ids, std::vector<int32_t>{2});
  EXPECT_FALSE(n.generation.sampling.has_value());
  testing::WriteJson(dir + "/generation_config.json", {{"eos_token_id", {1, 600}}});
  ExpectLoadError(dir, "eos_token_id: must be an integer in [0, 511]");
}

TEST(HfModelTest, LoadedModelStopsAtEveryEosId) {
  absl::StatusOr<LoadedModel> m =
      LoadModel(SharedPath("models/hf/stories260K"), SharedPath("models/stories260K/tok512.bin"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->format, ModelFormat::kHfFolder);
  EXPECT_FALSE(m->stop_at_bos);
  EXPECT_EQ(m->StopTokens(), (std::vector<int32_t>{1, 2}));  // from generation_config.json
}

TEST(HfModelTest, DTypeConversionOnLoad) {
  const std::string dir = SharedPath("models/hf/stories260K");
  absl::StatusOr<ModelWeights> q8 = LoadModelWeights(dir, DType::kQ8_0);
  ASSERT_TRUE(q8.ok()) << q8.status();
  EXPECT_EQ(q8->layers[0].wq.dtype, DType::kQ8_0);
  EXPECT_EQ(q8->layers[0].w_down.dtype, DType::kF16);  // rows of 172: not whole Q8_0 blocks
  EXPECT_EQ(q8->token_embedding.dtype, DType::kQ8_0);
  EXPECT_EQ(q8->classifier.data, q8->token_embedding.data);  // still tied
  EXPECT_EQ(q8->final_norm.dtype, DType::kF32);
  const std::vector<float> reference = Logits(LoadFolder(dir).weights, kTokens);
  float largest = 0;
  for (float x : reference) largest = std::max(largest, std::fabs(x));
  // 8-bit weights in a 260K-parameter model: within a few percent of the logits' scale.
  EXPECT_LT(MaxAbsDiff(Logits(*q8, kTokens), reference), 0.05f * largest);
  absl::StatusOr<ModelWeights> f16 = LoadModelWeights(dir, DType::kF16);
  ASSERT_TRUE(f16.ok()) << f16.status();
  EXPECT_EQ(f16->layers[4].wk.dtype, DType::kF16);
  const float f16_error = MaxAbsDiff(Logits(*f16, kTokens), reference);
  EXPECT_LT(f16_error, 0.05f);
  EXPECT_GT(f16_error, 0.0f);
  // The same conversion from the llama2.c file gives the same bytes.
  absl::StatusOr<ModelWeights> bin16 = LoadModelWeights(SharedPath("models/stories260K/stories260K.bin"), DType::kF16);
  ASSERT_TRUE(bin16.ok()) << bin16.status();
  EXPECT_TRUE(testing::SameBytes(bin16->layers[1].wq, f16->layers[1].wq));
}

TEST(ModelLoaderTest, SniffsEachFormatAndSaysWhatIsMissing) {
  EXPECT_EQ(*SniffModelFormat(SharedPath("models/hf/stories260K")), ModelFormat::kHfFolder);
  EXPECT_EQ(*SniffModelFormat(SharedPath("models/stories260K/stories260K.gguf")), ModelFormat::kGguf);
  EXPECT_EQ(*SniffModelFormat(SharedPath("models/stories260K/stories260K.bin")), ModelFormat::kLlama2c);
  const std::string empty = testing::MakeTempDir("empty-folder");
  absl::StatusOr<ModelFormat> f = SniffModelFormat(empty);
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("a folder without config.json"));
  f = SniffModelFormat(SharedPath("models/hf/stories260K/model.safetensors"));
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("pass the folder that holds it"));
  f = SniffModelFormat(empty + "/nothing.gguf");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("no such file or folder"));
}

}  // namespace
}  // namespace doomscope::engine
