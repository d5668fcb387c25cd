// The architecture table's Qwen3 and LFM2 entries and Llama 3's rope_scaling:
// the same synthetic weights as a GGUF file and as a folder (synth-model
// --format hf) give the same logits, bit for bit, and the same tokens
// (stories260K's plain Llama is hf_writer_test's); config.json options the
// engine would run wrongly are refused naming the field.
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "engine/forward.h"
#include "engine/hf_synth.h"
#include "engine/model_loader.h"
#include "engine/synth_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/engine/hf_test_folder.h"
#include "tests/engine/model_compare.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;

using Pair = testing::SynthGgufAndHf;

Pair WriteBoth(const std::string& shape, DType dtype) { return testing::WriteSynthGgufAndHf(shape, dtype, 21); }

std::vector<float> Logits(const ModelWeights& w, const std::vector<int32_t>& tokens) {
  return testing::PositionLogits(w, tokens, 2);
}

// Six prompts, two greedy and four sampled (testing::GenerateTokens runs each set in one batch).
std::vector<std::vector<int32_t>> Generate(const ModelWeights& w) {
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 6; ++i) prompts.push_back({1, 300 + 7 * i, 17, 412, 5 + i, 88});
  std::vector<std::vector<int32_t>> out = testing::GenerateTokens(w, {2}, {prompts[0], prompts[1]}, 24, 0.0f, 5);
  for (std::vector<int32_t>& t : testing::GenerateTokens(
           w, {2}, std::vector<std::vector<int32_t>>(prompts.begin() + 2, prompts.end()), 24, 0.9f, 5)) {
    out.push_back(std::move(t));
  }
  return out;
}

class GgufVsHfTest : public ::testing::TestWithParam<std::tuple<const char*, DType>> {};

TEST_P(GgufVsHfTest, SameWeightsGiveTheSameLogitsAndTokens) {
  const auto [shape, dtype] = GetParam();
  const Pair p = WriteBoth(shape, dtype);
  const ModelConfig &a = p.gguf.config, &b = p.hf.config;
  EXPECT_EQ(a.arch, b.arch);
  EXPECT_EQ(a.layer_kinds, b.layer_kinds);
  EXPECT_EQ(a.head_dim, b.head_dim);
  EXPECT_EQ(a.rope_layout, b.rope_layout);
  EXPECT_EQ(a.rope_freq_factors, b.rope_freq_factors);  // bit for bit: one function computes both
  EXPECT_EQ(a.conv_kernel, b.conv_kernel);
  EXPECT_EQ(a.hidden_dim, b.hidden_dim);
  const std::vector<int32_t> tokens = {1, 300, 17, 412, 5, 88, 260, 301, 42, 499, 3, 77};
  const std::vector<float> la = Logits(p.gguf, tokens), lb = Logits(p.hf, tokens);
  ASSERT_EQ(la.size(), lb.size());
  EXPECT_EQ(std::memcmp(la.data(), lb.data(), la.size() * sizeof(float)), 0);
  EXPECT_EQ(Generate(p.gguf), Generate(p.hf));
}

INSTANTIATE_TEST_SUITE_P(
    Architectures, GgufVsHfTest,
    ::testing::Combine(::testing::Values("llama3-tiny", "qwen3-tiny", "lfm2-tiny"),
                       ::testing::Values(DType::kF32, DType::kBF16)),
    [](const ::testing::TestParamInfo<std::tuple<const char*, DType>>& info) {
      std::string name = std::string(std::get<0>(info.param)) + "_" + DTypeName(std::get<1>(info.param));
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

// The written config.json says what transformers would: layer kinds, conv width, Llama 3's rope_scaling.
TEST(HfArchitecturesTest, WrittenConfigsNameTheArchitecturesOptions) {
  const Pair lfm2 = WriteBoth("lfm2-tiny", DType::kF32);
  nlohmann::json c = nlohmann::json::parse(testing::ReadFile(lfm2.hf_dir + "/config.json"));
  EXPECT_EQ(c["architectures"][0], "Lfm2ForCausalLM");
  EXPECT_EQ(c["layer_types"], nlohmann::json({"conv", "conv", "full_attention", "conv", "conv", "full_attention"}));
  EXPECT_EQ(c["full_attn_idxs"], nlohmann::json({2, 5}));
  EXPECT_EQ(c["conv_L_cache"], 3);
  const Pair llama3 = WriteBoth("llama3-tiny", DType::kF32);
  c = nlohmann::json::parse(testing::ReadFile(llama3.hf_dir + "/config.json"));
  EXPECT_EQ(c["rope_scaling"]["rope_type"], "llama3");
  EXPECT_EQ(c["rope_scaling"]["factor"], 8.0);
  const Pair qwen3 = WriteBoth("qwen3-tiny", DType::kF32);
  c = nlohmann::json::parse(testing::ReadFile(qwen3.hf_dir + "/config.json"));
  EXPECT_EQ(c["architectures"][0], "Qwen3ForCausalLM");
  EXPECT_EQ(c["head_dim"], 32);
}

// An LFM2 or Qwen3 folder whose config.json asks for what the engine does not run.
std::string LoadErrorWith(const std::string& shape, const std::function<void(nlohmann::json&)>& edit) {
  const std::string dir = testing::MakeTempDir("hf_edit") + "/hf";
  EXPECT_TRUE(WriteSynthHfFolder(*FindSynthShape(shape), DType::kF32, 4, shape, "", dir).ok());
  nlohmann::json c = nlohmann::json::parse(testing::ReadFile(dir + "/config.json"));
  edit(c);
  testing::WriteFile(dir + "/config.json", c.dump(1));
  absl::StatusOr<ModelWeights> m = LoadModelWeights(dir);
  return m.ok() ? "(loaded)" : std::string(m.status().message());
}

TEST(HfArchitecturesTest, RefusesConfigsItWouldRunWrongly) {
  EXPECT_THAT(LoadErrorWith("lfm2-tiny", [](nlohmann::json& c) { c["architectures"] = {"Lfm2MoeForCausalLM"}; }),
              HasSubstr("architecture Lfm2MoeForCausalLM is not supported"));
  EXPECT_THAT(LoadErrorWith("lfm2-tiny", [](nlohmann::json& c) { c["num_experts"] = 32; }),
              HasSubstr("num_experts: mixture-of-experts layers (LFM2-MoE) are not supported"));
  EXPECT_THAT(LoadErrorWith("lfm2-tiny", [](nlohmann::json& c) { c["conv_bias"] = true; }),
              HasSubstr("conv_bias: true is not supported"));
  EXPECT_THAT(LoadErrorWith("lfm2-tiny",
                            [](nlohmann::json& c) {
                              c["layer_types"] = {"conv", "conv", "sliding_attention", "conv", "conv", "full_attention"};
                            }),
              HasSubstr("layer_types: [2] is \"sliding_attention\""));
  EXPECT_THAT(LoadErrorWith("qwen3-tiny", [](nlohmann::json& c) { c["use_sliding_window"] = true; }),
              HasSubstr("use_sliding_window: true is not supported"));
  EXPECT_THAT(LoadErrorWith("qwen3-tiny", [](nlohmann::json& c) { c["rope_scaling"] = {{"rope_type", "yarn"}}; }),
              HasSubstr("\"yarn\" is not supported"));
  // LFM2's older config spelling: full_attn_idxs without layer_types, block_* names.
  EXPECT_EQ(LoadErrorWith("lfm2-tiny",
                          [](nlohmann::json& c) {
                            c.erase("layer_types");
                            c.erase("intermediate_size");
                            c["block_norm_eps"] = c["norm_eps"];
                            c.erase("norm_eps");
                          }),
            "(loaded)");
  // Liquid's auto-adjusted FFN width that does not match the tensors is named.
  EXPECT_THAT(LoadErrorWith("lfm2-tiny", [](nlohmann::json& c) { c["block_auto_adjust_ff_dim"] = true; }),
              HasSubstr("feed_forward.w1.weight' has shape [192, 64] but config.json implies [128, 64]"));
}

}  // namespace
}  // namespace doomscope::engine
