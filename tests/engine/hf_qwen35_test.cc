// Qwen3.5 from Hugging Face folders (engine/hf_qwen35.h): synth-model's GGUF
// and folder of one seed hold the same weights once loaded and give the same
// logits, bit for bit, in prefill and in decode (with the GGUF's L2 norm of
// q and k; the folder's own, transformers', stays close); the
// Hub's multimodal form (text_config, model.language_model., a vision tower,
// MTP layers) loads the same model and reports what it skips; each
// conversion against transformers' and llama.cpp's conventions on tensors
// set by hand (norm gains 1 + w, -exp(A_log), value heads from grouped to
// tiled order); configs the engine would run wrongly are refused naming the
// field.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/forward.h"
#include "engine/hf_architectures.h"
#include "engine/hf_model.h"
#include "engine/hf_synth.h"
#include "engine/hf_tensor_layout.h"
#include "engine/hf_writer.h"
#include "engine/kv_cache.h"
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

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ReadJson;
using testing::ReadTensors;
using testing::TestTensor;
using testing::WriteTensors;

constexpr const char* kShape = "qwen35-tiny";  // Hk 2, Hv 4, dk = dv = 16, attention at layers 3 and 7

using Pair = testing::SynthGgufAndHf;

Pair WriteBoth(DType dtype, uint64_t seed = 21) { return testing::WriteSynthGgufAndHf(kShape, dtype, seed); }

std::vector<int32_t> Tokens() { return {1, 300, 17, 412, 5, 88, 260, 301, 42, 499, 3, 77, 150, 151, 9, 400}; }

// Logits of every position, one token per step (decode).
std::vector<float> DecodeLogits(const ModelWeights& w, const std::vector<int32_t>& tokens) {
  absl::StatusOr<std::unique_ptr<Transformer>> t = Transformer::Create(w);
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return {};
  KvCache cache(w.config, 1);
  EXPECT_TRUE(cache.Reserve(0, static_cast<int>(tokens.size())).ok());
  const int vocab = w.config.vocab_size;
  std::vector<float> logits(tokens.size() * vocab);
  for (size_t p = 0; p < tokens.size(); ++p) {
    const std::vector<StepRow> row = {StepRow{0, static_cast<int>(p), tokens[p], true}};
    (*t)->Step(row, cache, logits.data() + p * vocab, 1);
  }
  return logits;
}

void ExpectSameBits(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  ASSERT_FALSE(a.empty()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::memcmp(&a[i], &b[i], sizeof(float)), 0) << what << ": logit " << i << ": " << a[i] << " vs " << b[i];
  }
}

// Both absent, or the same type, shape and bytes.
bool SameTensor(const TensorView& a, const TensorView& b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty();
  return testing::SameBytes(a, b);
}

// Every tensor of the model, bit for bit.
void ExpectSameQwen35Weights(const ModelWeights& a, const ModelWeights& b) {
  EXPECT_TRUE(SameTensor(a.token_embedding, b.token_embedding));
  EXPECT_TRUE(SameTensor(a.final_norm, b.final_norm));
  EXPECT_TRUE(SameTensor(a.classifier, b.classifier));
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t l = 0; l < a.layers.size(); ++l) {
    EXPECT_EQ(a.layers[l].kind, b.layers[l].kind);
    for (auto field :
         {&LayerWeights::attn_norm, &LayerWeights::wq,          &LayerWeights::wk,       &LayerWeights::wv,
          &LayerWeights::wo,        &LayerWeights::q_norm,      &LayerWeights::k_norm,   &LayerWeights::ssm_qkv,
          &LayerWeights::ssm_gate,  &LayerWeights::ssm_alpha,   &LayerWeights::ssm_beta, &LayerWeights::ssm_conv,
          &LayerWeights::ssm_a,     &LayerWeights::ssm_dt_bias, &LayerWeights::ssm_norm, &LayerWeights::ssm_out,
          &LayerWeights::ffn_norm,  &LayerWeights::w_gate,      &LayerWeights::w_up,     &LayerWeights::w_down}) {
      EXPECT_TRUE(SameTensor(a.layers[l].*field, b.layers[l].*field)) << "layer " << l;
    }
  }
}

class Qwen35GgufVsHfTest : public ::testing::TestWithParam<DType> {};

TEST_P(Qwen35GgufVsHfTest, SameWeightsAndTheSameLogitsAtEveryStep) {
  Pair p = WriteBoth(GetParam());
  const ModelConfig &a = p.gguf.config, &b = p.hf.config;
  EXPECT_EQ(b.arch, Architecture::kQwen35);
  EXPECT_EQ(a.layer_kinds, b.layer_kinds);
  EXPECT_EQ(a.dim, b.dim);
  EXPECT_EQ(a.hidden_dim, b.hidden_dim);
  EXPECT_EQ(a.n_heads, b.n_heads);
  EXPECT_EQ(a.n_kv_heads, b.n_kv_heads);
  EXPECT_EQ(a.head_dim, b.head_dim);
  EXPECT_EQ(a.max_seq_len, b.max_seq_len);
  EXPECT_EQ(a.rope_theta, b.rope_theta);
  EXPECT_EQ(a.rope_layout, b.rope_layout);
  EXPECT_EQ(a.rope_dims, b.rope_dims);
  EXPECT_EQ(a.norm_eps, b.norm_eps);
  EXPECT_EQ(a.tied_embeddings, b.tied_embeddings);
  EXPECT_TRUE(b.attention_output_gate);
  EXPECT_EQ(a.delta_net.num_k_heads, b.delta_net.num_k_heads);
  EXPECT_EQ(a.delta_net.num_v_heads, b.delta_net.num_v_heads);
  EXPECT_EQ(a.delta_net.head_k_dim, b.delta_net.head_k_dim);
  EXPECT_EQ(a.delta_net.head_v_dim, b.delta_net.head_v_dim);
  EXPECT_EQ(a.delta_net.conv_kernel, b.delta_net.conv_kernel);
  // Value heads reordered on load as llama.cpp's converter does; q and k
  // L2-normalized as transformers does (llama.cpp clamps instead).
  EXPECT_TRUE(b.delta_net.tiled_key_heads);
  EXPECT_TRUE(a.delta_net.l2_norm_clamped);
  EXPECT_FALSE(b.delta_net.l2_norm_clamped);
  EXPECT_TRUE(p.hf.skipped.empty());
  ExpectSameQwen35Weights(p.gguf, p.hf);

  const std::vector<int32_t> tokens = Tokens();
  const std::vector<float> hf_own = testing::PositionLogits(p.hf, tokens);
  // With the GGUF's L2 norm the folder's model is the GGUF's, to the bit.
  p.hf.config.delta_net.l2_norm_clamped = true;
  ExpectSameBits(testing::PositionLogits(p.gguf, tokens), testing::PositionLogits(p.hf, tokens), "prefill");
  ExpectSameBits(DecodeLogits(p.gguf, tokens), DecodeLogits(p.hf, tokens), "decode");
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 4; ++i) prompts.push_back({1, 300 + 7 * i, 17, 412, 5 + i});
  EXPECT_EQ(testing::GenerateTokens(p.gguf, {2}, prompts, 24, 0.0f, 5),
            testing::GenerateTokens(p.hf, {2}, prompts, 24, 0.0f, 5));
  EXPECT_EQ(testing::GenerateTokens(p.gguf, {2}, prompts, 24, 0.9f, 5),
            testing::GenerateTokens(p.hf, {2}, prompts, 24, 0.9f, 5));
  // transformers' L2 norm, x / sqrt(|x|^2 + 1e-6), against llama.cpp's
  // x / max(|x|, 1e-6): a relative difference of about 1e-6 / (2 |x|^2),
  // which grows for short q and k heads such as random weights give
  // (observed 8.8e-5 of the logits in F32; BF16 rounds activations, so one
  // flip upstream moves more).
  const std::vector<float> gguf = testing::PositionLogits(p.gguf, tokens);
  ASSERT_EQ(hf_own.size(), gguf.size());
  double max_abs = 0, max_diff = 0;
  for (size_t i = 0; i < gguf.size(); ++i) {
    max_abs = std::max(max_abs, std::fabs(static_cast<double>(gguf[i])));
    max_diff = std::max(max_diff, std::fabs(static_cast<double>(gguf[i]) - hf_own[i]));
  }
  EXPECT_GT(max_abs, 0.01);
  EXPECT_LT(max_diff, (GetParam() == DType::kF32 ? 3e-4 : 2e-2) * std::max(1.0, max_abs));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, Qwen35GgufVsHfTest, ::testing::Values(DType::kF32, DType::kBF16),
                         [](const ::testing::TestParamInfo<DType>& info) { return DTypeName(info.param); });

TEST(HfQwen35Test, WrittenConfigIsTransformersQwen3_5TextConfig) {
  const Pair p = WriteBoth(DType::kF32);
  const nlohmann::json c = ReadJson(p.hf_dir + "/config.json");
  EXPECT_EQ(c["architectures"], nlohmann::json({"Qwen3_5ForCausalLM"}));
  EXPECT_EQ(c["model_type"], "qwen3_5_text");
  EXPECT_EQ(c["layer_types"][2], "linear_attention");
  EXPECT_EQ(c["layer_types"][3], "full_attention");
  EXPECT_EQ(c["linear_num_key_heads"], 2);
  EXPECT_EQ(c["linear_num_value_heads"], 4);
  EXPECT_EQ(c["linear_key_head_dim"], 16);
  EXPECT_EQ(c["linear_conv_kernel_dim"], 4);
  EXPECT_EQ(c["head_dim"], 32);
  EXPECT_EQ(c["partial_rotary_factor"], 0.25);
  EXPECT_EQ(c["rope_parameters"]["mrope_section"], nlohmann::json({2, 1, 1}));  // 4 rotary pairs
  EXPECT_EQ(c["rope_parameters"]["rope_theta"], 1e7);
  // The stored tensors are HF's: zero-centred norms, A_log, conv1d [C, 1, K].
  for (const TestTensor& t : ReadTensors(p.hf_dir + "/model.safetensors")) {
    if (t.name == "model.layers.0.linear_attn.conv1d.weight") {
      EXPECT_EQ(t.shape, (std::vector<uint64_t>{128, 1, 4}));
    }
    if (t.name == "model.layers.0.linear_attn.A_log") {
      EXPECT_EQ(t.shape, std::vector<uint64_t>{4});
    }
  }
  const absl::StatusOr<HfModel> hf = LoadHfFolder(p.hf_dir);
  ASSERT_TRUE(hf.ok()) << hf.status();
  EXPECT_EQ(hf->architecture->class_name, "Qwen3_5ForCausalLM");
}

// --- Each conversion on values set by hand ---

TestTensor* Find(std::vector<TestTensor>& tensors, const std::string& name) {
  for (TestTensor& t : tensors) {
    if (t.name == name) return &t;
  }
  ADD_FAILURE() << name << " is not in the folder";
  static TestTensor none;
  return &none;
}

// Sets F32 tensor `name` to f(i) at each flat index i.
void Fill(std::vector<TestTensor>& tensors, const std::string& name, const std::function<float(int64_t)>& f) {
  TestTensor* t = Find(tensors, name);
  ASSERT_EQ(t->dtype, "F32") << name;
  for (size_t i = 0; i < t->bytes.size() / 4; ++i) {
    const float v = f(static_cast<int64_t>(i));
    std::memcpy(t->bytes.data() + 4 * i, &v, 4);
  }
}

float At(const TensorView& t, int64_t r, int64_t c) {
  EXPECT_EQ(t.dtype, DType::kF32);
  float v;
  std::memcpy(&v, t.data + (r * t.cols + c) * 4, 4);
  return v;
}

TEST(HfQwen35Test, ConversionsFollowTransformersAndLlamaCppsConverter) {
  const Pair p = WriteBoth(DType::kF32);
  const std::string file = p.hf_dir + "/model.safetensors";
  std::vector<TestTensor> t = ReadTensors(file);
  const std::string l0 = "model.layers.0.", l3 = "model.layers.3.";
  // Qwen3_5RMSNorm: x * (1 + w), w stored zero-centred; Qwen3_5RMSNormGated: w as stored.
  Fill(t, "model.norm.weight", [](int64_t) { return 0.0f; });
  Fill(t, l0 + "input_layernorm.weight", [](int64_t) { return 0.25f; });
  Fill(t, l0 + "post_attention_layernorm.weight", [](int64_t) { return -0.5f; });
  Fill(t, l3 + "self_attn.q_norm.weight", [](int64_t) { return 1.0f; });
  Fill(t, l3 + "self_attn.k_norm.weight", [](int64_t) { return -1.0f; });
  Fill(t, l0 + "linear_attn.norm.weight", [](int64_t) { return 0.75f; });
  // g = -exp(A_log) * softplus(...): the engine holds -exp(A_log).
  Fill(t, l0 + "linear_attn.A_log", [](int64_t i) { return std::log(static_cast<float>(i + 1)); });
  // Value heads: HF groups them by key head (value head h reads key head h / 2 here),
  // llama.cpp tiles them, [G0_v0, G1_v0, G0_v1, G1_v1]: tiled head p is grouped head {0, 2, 1, 3}[p].
  // Each value names the stored index it came from.
  const auto index = [](int64_t i) { return static_cast<float>(i); };
  Fill(t, l0 + "linear_attn.in_proj_z.weight", [](int64_t i) { return static_cast<float>(i / 64); });  // row
  Fill(t, l0 + "linear_attn.in_proj_a.weight", [](int64_t i) { return static_cast<float>(i / 64); });
  Fill(t, l0 + "linear_attn.in_proj_b.weight", [](int64_t i) { return static_cast<float>(i / 64); });
  Fill(t, l0 + "linear_attn.in_proj_qkv.weight", [](int64_t i) { return static_cast<float>(i / 64); });
  Fill(t, l0 + "linear_attn.conv1d.weight", [](int64_t i) { return static_cast<float>(i / 4); });
  Fill(t, l0 + "linear_attn.out_proj.weight", [](int64_t i) { return static_cast<float>(i % 64); });  // column
  Fill(t, l0 + "linear_attn.dt_bias", index);
  WriteTensors(file, t);
  absl::StatusOr<ModelWeights> m = LoadModelWeights(p.hf_dir);
  ASSERT_TRUE(m.ok()) << m.status();
  const LayerWeights &w0 = m->layers[0], &w3 = m->layers[3];
  for (int64_t i = 0; i < 64; ++i) {
    EXPECT_EQ(At(m->final_norm, 0, i), 1.0f);
    EXPECT_EQ(At(w0.attn_norm, 0, i), 1.25f);
    EXPECT_EQ(At(w0.ffn_norm, 0, i), 0.5f);
  }
  for (int64_t i = 0; i < 32; ++i) {
    EXPECT_EQ(At(w3.q_norm, 0, i), 2.0f);
    EXPECT_EQ(At(w3.k_norm, 0, i), 0.0f);
  }
  for (int64_t i = 0; i < 16; ++i) EXPECT_EQ(At(w0.ssm_norm, 0, i), 0.75f);
  const int grouped[] = {0, 2, 1, 3};
  for (int p4 = 0; p4 < 4; ++p4) {
    const int h = grouped[p4];
    EXPECT_EQ(At(w0.ssm_a, 0, p4), -std::exp(std::log(static_cast<float>(h + 1)))) << p4;
    EXPECT_EQ(At(w0.ssm_dt_bias, 0, p4), h) << p4;
    EXPECT_EQ(At(w0.ssm_alpha, p4, 0), h) << p4;
    EXPECT_EQ(At(w0.ssm_beta, p4, 63), h) << p4;
    for (int e = 0; e < 16; ++e) {
      EXPECT_EQ(At(w0.ssm_gate, p4 * 16 + e, 5), h * 16 + e) << p4 << " " << e;
      EXPECT_EQ(At(w0.ssm_out, 7, p4 * 16 + e), h * 16 + e) << p4 << " " << e;
      // q and k rows (2 x 2 heads x 16) stay; the v rows after them move.
      EXPECT_EQ(At(w0.ssm_qkv, 64 + p4 * 16 + e, 0), 64 + h * 16 + e) << p4 << " " << e;
      EXPECT_EQ(At(w0.ssm_conv, 64 + p4 * 16 + e, 3), 64 + h * 16 + e) << p4 << " " << e;
    }
  }
  for (int64_t r = 0; r < 64; ++r) {
    EXPECT_EQ(At(w0.ssm_qkv, r, 1), r);
    EXPECT_EQ(At(w0.ssm_conv, r, 0), r);
  }
}

// --- The Hub's multimodal form ---

// The text folder as Qwen3_5ForConditionalGeneration: the config under
// text_config, the language model under model.language_model., plus a
// vision tower and an MTP layer.
void MakeMultimodal(const Pair& p, const std::string& dir) {
  std::filesystem::copy(p.hf_dir, dir, std::filesystem::copy_options::recursive);
  std::vector<TestTensor> tensors;
  for (TestTensor t : ReadTensors(p.hf_dir + "/model.safetensors")) {
    if (t.name.starts_with("model.")) t.name = "model.language_model." + t.name.substr(6);
    tensors.push_back(std::move(t));
  }
  tensors.push_back({"model.visual.blocks.0.attn.qkv.weight", "F32", {6, 4}, std::string(96, '\0')});
  tensors.push_back({"model.visual.merger.linear_fc1.weight", "BF16", {4, 4}, std::string(32, '\0')});
  tensors.push_back({"mtp.fc.weight", "F32", {64, 128}, std::string(64 * 128 * 4, '\0')});
  WriteTensors(dir + "/model.safetensors", tensors);
  nlohmann::ordered_json config = nlohmann::ordered_json::object();
  const HfArchitecture* mm = FindHfArchitecture("Qwen3_5ForConditionalGeneration");
  ASSERT_NE(mm, nullptr);
  ASSERT_TRUE(mm->write_config(p.gguf.config, &config).ok());
  // The tie flag at the top level only (transformers v4's Qwen3_5Config).
  config["text_config"].erase("tie_word_embeddings");
  config["vision_config"] = {{"depth", 1}, {"hidden_size", 4}};
  testing::WriteFile(dir + "/config.json", config.dump(1));
}

TEST(HfQwen35Test, MultimodalFormLoadsTheSameModelAndReportsWhatItSkips) {
  const Pair p = WriteBoth(DType::kF32);
  const std::string dir = testing::MakeTempDir("qwen35_mm") + "/mm";
  MakeMultimodal(p, dir);
  const nlohmann::json c = ReadJson(dir + "/config.json");
  EXPECT_EQ(c["architectures"], nlohmann::json({"Qwen3_5ForConditionalGeneration"}));
  EXPECT_EQ(c["text_config"]["linear_num_value_heads"], 4);
  absl::StatusOr<HfModel> hf = LoadHfFolder(dir);
  ASSERT_TRUE(hf.ok()) << hf.status();
  EXPECT_EQ(hf->architecture->class_name, "Qwen3_5ForConditionalGeneration");
  EXPECT_THAT(hf->weights.skipped, ElementsAre("vision tower (model.visual.*, 2 tensors): not run",
                                               "multi-token-prediction layers (mtp.*, 1 tensors): not run"));
  EXPECT_TRUE(hf->weights.config.tied_embeddings);
  ExpectSameQwen35Weights(p.hf, hf->weights);
  const std::vector<int32_t> tokens = Tokens();
  ExpectSameBits(testing::PositionLogits(p.hf, tokens), testing::PositionLogits(hf->weights, tokens), "multimodal");
  // The loaded model carries the report to the commands (generate prints it).
  absl::StatusOr<LoadedModel> loaded = LoadModel(dir, "");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->weights.skipped.size(), 2u);
}

// --- Refusals ---

std::string LoadError(const std::string& dir) {
  absl::StatusOr<ModelWeights> m = LoadModelWeights(dir);
  return m.ok() ? "(loaded)" : std::string(m.status().message());
}

std::string LoadErrorWith(const std::function<void(nlohmann::json&)>& edit, bool multimodal = false) {
  static const Pair* const p = new Pair(WriteBoth(DType::kF32, 4));
  const std::string dir = testing::MakeTempDir("qwen35_edit") + "/hf";
  if (multimodal) {
    MakeMultimodal(*p, dir);
  } else {
    std::filesystem::copy(p->hf_dir, dir, std::filesystem::copy_options::recursive);
  }
  testing::EditConfig(dir, edit);
  return LoadError(dir);
}

TEST(HfQwen35Test, RefusesConfigsItWouldRunWrongly) {
  EXPECT_EQ(LoadErrorWith([](nlohmann::json&) {}), "(loaded)");
  EXPECT_EQ(LoadErrorWith([](nlohmann::json&) {}, true), "(loaded)");
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c.erase("linear_num_key_heads"); }),
              HasSubstr("config.json: linear_num_key_heads: is missing"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c["text_config"].erase("linear_num_key_heads"); }, true),
              HasSubstr("config.json: text_config: linear_num_key_heads: is missing"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c.erase("text_config"); }, true),
              HasSubstr("text_config: is missing"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c["architectures"] = {"Qwen3_5MoeForCausalLM"}; }),
              HasSubstr("architecture Qwen3_5MoeForCausalLM is not supported"));
  EXPECT_THAT(
      LoadErrorWith([](nlohmann::json& c) { c["architectures"] = {"Qwen3_5MoeForConditionalGeneration"}; }, true),
      HasSubstr("architecture Qwen3_5MoeForConditionalGeneration is not supported"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c["num_experts"] = 8; }),
              HasSubstr("num_experts: mixture-of-experts layers (Qwen3.5-MoE) are not supported"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c["linear_num_value_heads"] = 3; }),
              HasSubstr("linear_num_value_heads: 3 is not a multiple of linear_num_key_heads 2"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c["layer_types"][2] = "sliding_attention"; }),
              HasSubstr("layer_types: [2] is \"sliding_attention\""));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c["rope_parameters"]["rope_type"] = "yarn"; }),
              HasSubstr("\"yarn\" is not supported"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) {
                c["rope_parameters"]["partial_rotary_factor"] = 0.1;
                c["partial_rotary_factor"] = 0.1;
              }),
              HasSubstr("gives 3 rotary dimensions of head_dim 32"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c["attention_bias"] = true; }),
              HasSubstr("attention_bias: true is not supported"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c["attn_output_gate"] = false; }),
              HasSubstr("attn_output_gate: false is not supported"));
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c["hidden_act"] = "gelu"; }),
              HasSubstr("hidden_act: \"gelu\" is not supported"));
  // Without layer_types, every 4th layer is full attention: these weights
  // have it at 3 and 7, so interval 2 asks for tensors they do not have.
  EXPECT_EQ(LoadErrorWith([](nlohmann::json& c) { c.erase("layer_types"); }), "(loaded)");
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) {
                c.erase("layer_types");
                c["full_attention_interval"] = 2;
              }),
              HasSubstr("tensor 'model.layers.1.self_attn.q_proj.weight' is missing"));
  // transformers' head_dim default is 256, not hidden_size / heads.
  EXPECT_THAT(LoadErrorWith([](nlohmann::json& c) { c.erase("head_dim"); }),
              HasSubstr("but config.json implies [2048, 64] (2 x num_attention_heads x head_dim, hidden_size)"));
}

TEST(HfQwen35Test, RefusesTensorsItWouldRunWrongly) {
  const Pair p = WriteBoth(DType::kF32, 6);
  const std::string file = p.hf_dir + "/model.safetensors";
  const std::vector<TestTensor> original = ReadTensors(file);
  // Qwen3-Next's fused projections are another layout: refused, never ignored.
  std::vector<TestTensor> t = original;
  t.push_back({"model.layers.0.linear_attn.in_proj_qkvz.weight", "F32", {4, 64}, std::string(4 * 64 * 4, '\0')});
  WriteTensors(file, t);
  EXPECT_THAT(LoadError(p.hf_dir), HasSubstr("in_proj_qkvz.weight' is not part of Qwen3_5ForCausalLM"));
  // An A_log whose exp overflows gives an infinite decay.
  t = original;
  Fill(t, "model.layers.1.linear_attn.A_log", [](int64_t) { return 100.0f; });
  WriteTensors(file, t);
  EXPECT_THAT(LoadError(p.hf_dir), HasSubstr("model.layers.1.linear_attn.A_log"));
  // conv1d without its middle axis (GGUF's squeezed shape).
  t = original;
  Find(t, "model.layers.2.linear_attn.conv1d.weight")->shape = {128, 4};
  WriteTensors(file, t);
  EXPECT_THAT(LoadError(p.hf_dir), HasSubstr("conv1d.weight' has shape [128, 4] but config.json implies [128, 1, 4]"));
}

// --- The inverse conversions of the writer ---

TEST(HfQwen35Test, StoredValuesLoadBackExactlyOrAreRefused) {
  // Every A_log the synthetic weights draw (-exp of float32 values) has one.
  for (float a = -4.0f; a < 4.0f; a += 0.0137f) {
    const float rate = -std::exp(a);
    absl::StatusOr<float> stored = HfStoredValue(HfValues::kNegExp, rate);
    ASSERT_TRUE(stored.ok()) << a << ": " << stored.status();
    EXPECT_EQ(HfEngineValue(HfValues::kNegExp, *stored), rate);
  }
  EXPECT_THAT(std::string(HfStoredValue(HfValues::kNegExp, 0.5f).status().message()), HasSubstr("not negative"));
  // Gains from 1 + w always have their w; a gain below 0.5 with its last bit set has none.
  for (float w = -0.7f; w < 3.0f; w += 0.00731f) {
    absl::StatusOr<float> stored = HfStoredValue(HfValues::kOnePlus, 1.0f + w);
    ASSERT_TRUE(stored.ok()) << w;
    EXPECT_EQ(HfEngineValue(HfValues::kOnePlus, *stored), 1.0f + w);
  }
  const float odd = std::nextafter(0.3f, 1.0f);
  const float fine = (odd - 1.0f) + 1.0f == odd ? std::nextafter(odd, 1.0f) : odd;
  EXPECT_THAT(std::string(HfStoredValue(HfValues::kOnePlus, fine).status().message()),
              HasSubstr("is not 1 + w for any float32 w"));
  // The writer names the tensor.
  Pair p = WriteBoth(DType::kF32);
  std::vector<float> gains(64, 1.0f);
  gains[5] = fine;
  p.gguf.final_norm.data = reinterpret_cast<const std::byte*>(gains.data());
  const TokenizerVocab vocab = SynthVocab(p.gguf.config.vocab_size);
  HfWriteOptions options;
  options.vocab = &vocab;
  absl::Status s = WriteHfFolder(p.gguf, options, testing::MakeTempDir("qwen35_bad") + "/hf");
  EXPECT_THAT(std::string(s.message()), HasSubstr("tensor 'model.norm.weight': norm gain"));
}

}  // namespace
}  // namespace doomscope::engine
