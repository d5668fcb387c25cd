// GGUF files of each architecture: what the builder refuses, naming the key or
// tensor (mixture-of-experts, sliding windows, other RoPE scalings, tensors the
// architecture does not use, bad per-layer head counts, a 16-bit conv kernel,
// Qwen3.5's inconsistent ssm.* sizes),
// and the spelling variants it accepts (LFM2's final norm as output_norm).
#include "engine/gguf_model.h"

#include <functional>
#include <string>
#include <vector>

#include "engine/gguf_writer.h"
#include "engine/model_loader.h"
#include "engine/synth_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;

struct Edits {
  // Metadata: replaced (or added) values, and keys dropped.
  // (Default member initializers: designated initializers that omit members
  // are then not -Wmissing-field-initializers warnings, which -Werror stops.)
  std::vector<std::pair<std::string, GgufValue>> set = {};
  // Tensors: renamed (old -> new), retyped to F16 (same element count), and added.
  std::vector<std::pair<std::string, std::string>> rename = {};
  std::vector<std::string> to_f16 = {};
  std::vector<std::string> add_f32_vector = {};  // 64 zeros each
};

// A synth checkpoint of `shape` rewritten with `edits`; returns the path.
std::string Edited(const std::string& shape, const Edits& edits) {
  const std::string dir = testing::MakeTempDir("gguf_model");
  EXPECT_TRUE(WriteSynthModel(*FindSynthShape(shape), DType::kF32, 2, shape, dir + "/base.gguf").ok());
  absl::StatusOr<GgufFile> g = GgufFile::Open(dir + "/base.gguf");
  EXPECT_TRUE(g.ok()) << g.status();
  GgufWriter w;
  for (const auto& [key, value] : g->metadata()) {
    bool replaced = false;
    for (const auto& [k, v] : edits.set) replaced |= k == key;
    if (!replaced) w.AddValue(key, value);
  }
  for (const auto& [k, v] : edits.set) w.AddValue(k, v);
  static const std::vector<std::byte> zeros(1 << 20);
  for (const GgufTensorInfo& t : g->tensors()) {
    std::string name = t.name;
    for (const auto& [from, to] : edits.rename) {
      if (name == from) name = to;
    }
    const bool half = std::find(edits.to_f16.begin(), edits.to_f16.end(), t.name) != edits.to_f16.end();
    absl::Status s = half ? w.AddTensorBytes(name, t.ne, GgmlTypeOf(DType::kF16),
                                             std::span(zeros).first(2 * t.n_elements))
                          : w.AddTensorBytes(name, t.ne, t.type, g->TensorData(t));
    EXPECT_TRUE(s.ok()) << s;
  }
  for (const std::string& name : edits.add_f32_vector) {
    EXPECT_TRUE(w.AddTensorBytes(name, {64}, GgmlTypeOf(DType::kF32), std::span(zeros).first(256)).ok());
  }
  EXPECT_TRUE(w.WriteFile(dir + "/edited.gguf").ok());
  return dir + "/edited.gguf";
}

GgufValue Uint(uint64_t v) {
  GgufValue value;
  value.type = GgufType::kUint32;
  value.uint_value = v;
  return value;
}
GgufValue String(std::string s) {
  GgufValue value;
  value.type = GgufType::kString;
  value.string_value = std::move(s);
  return value;
}
GgufValue Ints(std::vector<int64_t> v) {
  GgufValue value;
  value.type = GgufType::kArray;
  value.array_type = GgufType::kInt32;
  value.array_size = v.size();
  value.array_ints = std::move(v);
  return value;
}

std::string LoadError(const std::string& path) {
  absl::StatusOr<ModelWeights> w = LoadModelWeights(path);
  return w.ok() ? "(loaded)" : std::string(w.status().message());
}

TEST(GgufModelTest, RefusesWhatTheEngineWouldRunWrongly) {
  EXPECT_THAT(LoadError(Edited("lfm2-tiny", {.set = {{"lfm2.expert_count", Uint(32)}}})),
              HasSubstr("lfm2.expert_count is set: mixture-of-experts layers are not supported"));
  EXPECT_THAT(LoadError(Edited("lfm2-tiny", {.set = {{"lfm2.attention.sliding_window", Uint(512)}}})),
              HasSubstr("lfm2.attention.sliding_window is set: sliding-window attention is not supported"));
  EXPECT_THAT(LoadError(Edited("llama3-tiny", {.set = {{"llama.rope.scaling.type", String("yarn")}}})),
              HasSubstr("llama.rope.scaling.type = 'yarn' is not supported"));
  EXPECT_THAT(LoadError(Edited("qwen3-tiny", {.add_f32_vector = {"blk.0.attn_q.bias"}})),
              HasSubstr("tensor 'blk.0.attn_q.bias' is not used by the qwen3 architecture"));
  EXPECT_THAT(LoadError(Edited("lfm2-tiny", {.set = {{"general.architecture", String("lfm2moe")}}})),
              HasSubstr("general.architecture 'lfm2moe' is not supported (llama, qwen3, lfm2, qwen35)"));
  EXPECT_THAT(LoadError(Edited("lfm2-tiny", {.set = {{"lfm2.attention.head_count_kv", Ints({0, 0, 4, 0, 0, 2})}}})),
              HasSubstr("lfm2.attention.head_count_kv[5] = 2: attention layers must share one KV head count"));
  EXPECT_THAT(LoadError(Edited("lfm2-tiny", {.set = {{"lfm2.attention.head_count_kv", Ints({0, 0, 4, 0, 0})}}})),
              HasSubstr("lfm2.attention.head_count_kv has 5 entries for 6 layers"));
  EXPECT_THAT(LoadError(Edited("qwen3-tiny", {.set = {{"qwen3.attention.head_count_kv", Ints({2, 0, 2, 2})}}})),
              HasSubstr("qwen3.attention.head_count_kv[1] = 0: only lfm2 has layers without attention"));
  EXPECT_THAT(LoadError(Edited("lfm2-tiny", {.to_f16 = {"blk.3.shortconv.conv.weight"}})),
              HasSubstr("tensor 'blk.3.shortconv.conv.weight' is F16; the convolution kernel must be F32"));
  EXPECT_THAT(LoadError(Edited("qwen3-tiny", {.rename = {{"blk.2.attn_k_norm.weight", "blk.2.attn_k_normx.weight"}}})),
              HasSubstr("tensor 'blk.2.attn_k_norm.weight' is missing"));
  EXPECT_THAT(LoadError(Edited("lfm2-tiny", {.set = {{"lfm2.shortconv.l_cache", Uint(1)}}})),
              HasSubstr("lfm2.shortconv.l_cache = 1 is outside [2, 64]"));
}

GgufValue Bools(std::vector<bool> v) {
  GgufValue value;
  value.type = GgufType::kArray;
  value.array_type = GgufType::kBool;
  for (bool b : v) value.array_uints.push_back(b);
  value.array_size = v.size();
  return value;
}

TEST(GgufModelTest, Qwen35RefusesWhatItWouldRunWrongly) {
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"general.architecture", String("qwen35moe")}}})),
              HasSubstr("general.architecture 'qwen35moe' is not supported (llama, qwen3, lfm2, qwen35)"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.expert_count", Uint(64)}}})),
              HasSubstr("qwen35.expert_count is set: mixture-of-experts layers are not supported"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.ssm.inner_size", Uint(48)}}})),
              HasSubstr("qwen35.ssm.inner_size 48 != ssm.time_step_rank 4 x ssm.state_size 16"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.ssm.group_count", Uint(3)}}})),
              HasSubstr("qwen35.ssm.time_step_rank 4 is not a multiple of ssm.group_count 3"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.ssm.conv_kernel", Uint(17)}}})),
              HasSubstr("qwen35.ssm.conv_kernel = 17 is outside [1, 16]"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.rope.dimension_count", Uint(9)}}})),
              HasSubstr("qwen35.rope.dimension_count 9 must be even and at most the head size 32"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.rope.dimension_sections", Ints({2, 2, 0, 0})}}})),
              HasSubstr("qwen35.rope.dimension_sections leave rotary pair 2 to the fourth section"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.attention.head_count_kv", Ints({2, 2})}}})),
              HasSubstr("qwen35.attention.head_count_kv is an array"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.add_f32_vector = {"blk.3.attn_q.bias"}})),
              HasSubstr("tensor 'blk.3.attn_q.bias' is not used by the qwen35 architecture"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.to_f16 = {"blk.1.ssm_a"}})),
              HasSubstr("tensor 'blk.1.ssm_a' is F16; norm weights must be F32"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.rename = {{"blk.5.ssm_beta.weight", "blk.5.ssm_b.weight"}}})),
              HasSubstr("tensor 'blk.5.ssm_beta.weight' is missing"));
  // Per-layer flags take precedence over the interval: layer 0 as attention
  // finds the linear layer's fused projection, which attention layers never have.
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.attention.recurrent_layers",
                                                         Bools({false, true, true, false, true, true, true, false})}}})),
              HasSubstr("tensor 'blk.0.attn_qkv.weight': fused Q/K/V projections are not supported"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.attention.recurrent_layers", Ints({1, 1})}}})),
              HasSubstr("qwen35.attention.recurrent_layers must be an array of at least 8 booleans"));
}

TEST(GgufModelTest, Qwen35PerLayerFlagsAndMtpBlocks) {
  absl::StatusOr<ModelWeights> flags = LoadModelWeights(Edited(
      "qwen35-tiny", {.set = {{"qwen35.attention.recurrent_layers",
                               Bools({true, true, true, false, true, true, true, false})}}}));
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->config.layer_kind(3), LayerKind::kAttention);
  EXPECT_EQ(flags->config.layer_kind(4), LayerKind::kGatedDelta);
  // The last block declared as a multi-token-prediction block: skipped and reported, never run.
  absl::StatusOr<ModelWeights> mtp =
      LoadModelWeights(Edited("qwen35-tiny", {.set = {{"qwen35.nextn_predict_layers", Uint(1)}}}));
  ASSERT_TRUE(mtp.ok()) << mtp.status();
  EXPECT_EQ(mtp->config.n_layers, 7);
  EXPECT_EQ(mtp->layers.size(), 7u);
  ASSERT_EQ(mtp->skipped.size(), 1u);
  EXPECT_THAT(mtp->skipped[0], HasSubstr("1 multi-token-prediction block(s) (blk.7 to blk.7, 11 tensors): not run"));
  EXPECT_THAT(LoadError(Edited("qwen35-tiny", {.set = {{"qwen35.nextn_predict_layers", Uint(8)}}})),
              HasSubstr("qwen35.nextn_predict_layers = 8 is outside [0, 7]"));
}

TEST(GgufModelTest, Lfm2FinalNormUnderEitherName) {
  absl::StatusOr<ModelWeights> a = LoadModelWeights(Edited("lfm2-tiny", {}));
  absl::StatusOr<ModelWeights> b =
      LoadModelWeights(Edited("lfm2-tiny", {.rename = {{"token_embd_norm.weight", "output_norm.weight"}}}));
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(std::memcmp(a->final_norm.data, b->final_norm.data, a->final_norm.bytes()), 0);
  EXPECT_NE(std::memcmp(a->final_norm.data, a->layers[0].attn_norm.data, 64 * 4), 0);  // really the final one
}

}  // namespace
}  // namespace doomscope::engine
