// The per-sequence state: KV cache for attention layers only, conv state for
// short-convolution layers, 16-bit element types, prefix copies, growth that
// keeps a prefix; and attention over 16-bit caches on every instruction set.
#include "engine/kv_cache.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/kv_attention16.h"
#include "engine/quantize.h"
#include "engine/synth_model.h"
#include "gtest/gtest.h"

namespace doomscope::engine {
namespace {

TEST(KvCacheTest, HoldsAttentionLayersAndConvStateOnly) {
  const ModelConfig c = *FindSynthShape("lfm2-350m");  // 6 attention layers of 8 KV heads of 64, 10 conv layers
  KvCache f32(c, 2), f16(c, 2, DType::kF16);
  EXPECT_EQ(f32.SlotBytes(1000), 2u * 6 * 8 * 1000 * 64 * 4 + 10u * 2 * 1024 * 4);
  EXPECT_EQ(f16.SlotBytes(1000), 2u * 6 * 8 * 1000 * 64 * 2 + 10u * 2 * 1024 * 4);
  EXPECT_EQ(f32.bytes(), 0u);
  ASSERT_TRUE(f32.Reserve(1, 1000).ok());
  EXPECT_EQ(f32.bytes(), f32.SlotBytes(1000));
  // A fresh slot's conv state is zero.
  const std::vector<float> state = f32.SaveConvState(1);
  ASSERT_EQ(state.size(), 10u * 2 * 1024);
  for (float v : state) ASSERT_EQ(v, 0.0f);
  // Llama models have no conv state.
  KvCache llama(*FindSynthShape("stories260K"), 1);
  ASSERT_TRUE(llama.Reserve(0, 8).ok());
  EXPECT_TRUE(llama.SaveConvState(0).empty());
}

TEST(KvCacheTest, Qwen35HoldsAttentionKvAndEachGatedDeltaLayersState) {
  // 6 attention layers of 2 KV heads of 256; 18 Gated DeltaNet layers, each a
  // conv window of 3 inputs of 6144 channels and 16 head blocks of 128 x 128
  // plus the pending update (128 + 128 + 1, padded to 272).
  const ModelConfig c = *FindSynthShape("qwen3.5-0.8b");
  const size_t layer_floats = 3 * 6144 + 16 * (128 * 128 + 272);
  KvCache cache(c, 2);
  EXPECT_EQ(cache.SlotBytes(1000), 2u * 6 * 2 * 1000 * 256 * 4 + 18 * layer_floats * 4);
  ASSERT_TRUE(cache.Reserve(1, 4).ok());
  const std::vector<float> state = cache.SaveConvState(1);
  ASSERT_EQ(state.size(), 18 * layer_floats);
  for (float v : state) ASSERT_EQ(v, 0.0f);
  // Layer 3 is attention: layers 2 and 4 hold consecutive blocks, each on a 64-byte line.
  EXPECT_EQ(cache.ConvState(1, 4) - cache.ConvState(1, 2), static_cast<ptrdiff_t>(layer_floats));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(cache.ConvState(1, 0)) % 64, 0u);
}

TEST(KvCacheTest, StoresRoundedValuesGrowsKeepingAPrefixAndCopiesPrefixes) {
  const ModelConfig c = *FindSynthShape("lfm2-tiny");  // attention at layers 2 and 5, 4 KV heads of 8
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    SCOPED_TRACE(DTypeName(dtype));
    KvCache cache(c, 2, dtype);
    ASSERT_TRUE(cache.Reserve(0, 4).ok());
    float head[8];
    for (int pos = 0; pos < 4; ++pos) {
      for (int i = 0; i < 8; ++i) head[i] = 0.1f * pos + 0.013f * i + 1e-4f;
      cache.StoreKey(0, 5, 3, pos, head);
      head[0] = -head[0];
      cache.StoreValue(0, 2, 1, pos, head);
    }
    auto key_at = [&](int slot, int pos, int i) {
      float out[8];
      const std::byte* p = cache.KeyBlock(slot, 5, 3) + DTypeBytes(dtype, static_cast<size_t>(pos) * 8);
      for (int j = 0; j < 8; ++j) {
        uint16_t h;
        std::memcpy(&h, p + 2 * j, 2);
        out[j] = dtype == DType::kF16 ? HalfToFloat(h) : BFloat16ToFloat(h);
      }
      if (dtype == DType::kF32) std::memcpy(out, p, sizeof(out));
      return out[i];
    };
    auto stored = [dtype](float v) {
      return dtype == DType::kF16    ? HalfToFloat(FloatToHalf(v))
             : dtype == DType::kBF16 ? BFloat16ToFloat(FloatToBFloat16(v))
                                     : v;
    };
    EXPECT_EQ(key_at(0, 3, 5), stored(0.1f * 3 + 0.013f * 5 + 1e-4f));
    // Growing keeps positions [0, 3).
    ASSERT_TRUE(cache.Reserve(0, 64, 3).ok());
    EXPECT_EQ(cache.capacity(0), 64);
    EXPECT_EQ(key_at(0, 2, 5), stored(0.1f * 2 + 0.013f * 5 + 1e-4f));
    ASSERT_TRUE(cache.Reserve(1, 10).ok());
    cache.CopyPrefix(0, 1, 3);
    for (int pos = 0; pos < 3; ++pos) {
      for (int i = 0; i < 8; ++i) EXPECT_EQ(key_at(1, pos, i), key_at(0, pos, i));
    }
  }
}

TEST(KvCacheTest, ConvStateSavedAndLoadedPerSlot) {
  const ModelConfig c = *FindSynthShape("lfm2-tiny");
  KvCache cache(c, 2);
  ASSERT_TRUE(cache.Reserve(0, 4).ok());
  ASSERT_TRUE(cache.Reserve(1, 4).ok());
  cache.ConvState(0, 3)[7] = 2.5f;  // conv layer 3 (the third conv layer)
  const std::vector<float> saved = cache.SaveConvState(0);
  cache.ConvState(0, 3)[7] = 0.0f;
  cache.LoadConvState(1, saved);
  EXPECT_EQ(cache.ConvState(1, 3)[7], 2.5f);
  EXPECT_EQ(cache.ConvState(0, 3)[7], 0.0f);  // copied, not shared
  EXPECT_NE(cache.ConvState(1, 3), cache.ConvState(1, 4));
}

// The SIMD attention over 16-bit caches against its scalar reference, for
// head sizes that take each path (8: AVX2 only; 64 and 128: AVX-512), odd and
// even position counts, one to three query heads per KV head.
TEST(KvAttention16Test, SimdPathsMatchTheScalarReference) {
  for (DType dtype : {DType::kF16, DType::kBF16}) {
    for (int hd : {8, 16, 24, 32, 64, 128}) {
      for (int n_pos : {1, 2, 7, 300}) {
        const int group = 1 + (hd / 8 + n_pos) % 5;  // 1 to 5 query heads: over a value pass's 2 or 4
        std::vector<float> q(static_cast<size_t>(group) * hd), kf(static_cast<size_t>(n_pos) * hd), vf(kf.size());
        for (size_t i = 0; i < q.size(); ++i) q[i] = std::sin(0.7f * static_cast<float>(i)) * 2.0f;
        for (size_t i = 0; i < kf.size(); ++i) {
          kf[i] = std::cos(0.37f * static_cast<float>(i));
          vf[i] = std::sin(0.11f * static_cast<float>(i) + 1.0f);
        }
        std::vector<std::byte> k16(2 * kf.size()), v16(2 * vf.size());
        (dtype == DType::kF16 ? FloatsToHalf : FloatsToBFloat16)(kf, k16);
        (dtype == DType::kF16 ? FloatsToHalf : FloatsToBFloat16)(vf, v16);
        std::vector<float> scores(static_cast<size_t>(group) * n_pos), want(q.size()), got(q.size());
        const kernels::KernelTable& scalar = kernels::ScalarKernels();
        AttendGroup16Scalar(scalar, dtype, q.data(), group, k16.data(), v16.data(), n_pos, hd, scores.data(),
                            want.data());
        for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
          if (!IsaSupported(isa)) continue;
          SCOPED_TRACE(::testing::Message() << DTypeName(dtype) << " head_dim " << hd << " positions " << n_pos
                                            << " " << IsaName(isa));
          AttendGroup16(kernels::KernelsFor(isa), dtype, q.data(), group, k16.data(), v16.data(), n_pos, hd,
                        scores.data(), got.data());
          for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 2e-5) << i;
          // A head's result does not depend on the group it runs in (the
          // scheduler runs one head or a whole group per task, by batch size).
          for (int h = 0; h < group; ++h) {
            std::vector<float> alone(hd);
            AttendGroup16(kernels::KernelsFor(isa), dtype, q.data() + h * hd, 1, k16.data(), v16.data(), n_pos, hd,
                          scores.data(), alone.data());
            ASSERT_EQ(std::memcmp(alone.data(), got.data() + h * hd, hd * sizeof(float)), 0) << "head " << h;
          }
        }
        // Against float32 attention over the same (rounded) values.
        std::vector<float> kr(kf.size()), vr(vf.size()), exact(q.size());
        for (size_t i = 0; i < kf.size(); ++i) {
          uint16_t h;
          std::memcpy(&h, k16.data() + 2 * i, 2);
          kr[i] = dtype == DType::kF16 ? HalfToFloat(h) : BFloat16ToFloat(h);
          std::memcpy(&h, v16.data() + 2 * i, 2);
          vr[i] = dtype == DType::kF16 ? HalfToFloat(h) : BFloat16ToFloat(h);
        }
        for (int h = 0; h < group; ++h) {
          scalar.attention_head(q.data() + h * hd, kr.data(), vr.data(), hd, n_pos, hd, scores.data(),
                                exact.data() + h * hd);
        }
        for (size_t i = 0; i < exact.size(); ++i) ASSERT_NEAR(want[i], exact[i], 2e-5) << i;
      }
    }
  }
}

}  // namespace
}  // namespace doomscope::engine
