// Synthetic GGUF models: written, read back through the real loaders, values
// checked against the generator, bytes deterministic for a seed.
#include "engine/synth_model.h"

#include <omp.h>

#include <cmath>
#include <cstring>
#include <string>

#include "engine/gguf_reader.h"
#include "engine/model_loader.h"
#include "engine/quantize.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;
using testing::MakeTempDir;
using testing::RunDoomscope;

ModelConfig Stories260K() { return *FindSynthShape("stories260K"); }

std::string WriteSynth(const ModelConfig& c, DType dtype, uint64_t seed) {
  const std::string path = MakeTempDir("synth") + "/m.gguf";
  absl::Status s = WriteSynthModel(c, dtype, seed, "test", path);
  EXPECT_TRUE(s.ok()) << s;
  return path;
}

float F32At(const TensorView& v, int64_t i) {
  float f;
  std::memcpy(&f, v.data + 4 * i, 4);
  return f;
}
float F16At(const TensorView& v, int64_t i) {
  uint16_t h;
  std::memcpy(&h, v.data + 2 * i, 2);
  return HalfToFloat(h);
}
float BF16At(const TensorView& v, int64_t i) {
  uint16_t h;
  std::memcpy(&h, v.data + 2 * i, 2);
  return BFloat16ToFloat(h);
}
float Q8At(const TensorView& v, int64_t i) {
  float out[32];
  DequantizeQ8_0(std::span(v.data + i / 32 * 34, 34), out);
  return out[i % 32];
}

// Tensor indices in write order: token_embd 0, then 9 per layer, then output_norm.
constexpr uint64_t kEmbd = 0, kLayer0Q = 2, kLayer1Down = 10 + 7;

TEST(SynthModelTest, F32RoundTripThroughTheLoader) {
  const ModelConfig c = Stories260K();
  absl::StatusOr<LoadedModel> m = LoadModel(WriteSynth(c, DType::kF32, 42), "");
  ASSERT_TRUE(m.ok()) << m.status();
  const ModelConfig& got = m->weights.config;
  EXPECT_EQ(got.dim, 64);
  EXPECT_EQ(got.hidden_dim, 172);
  EXPECT_EQ(got.n_layers, 5);
  EXPECT_EQ(got.n_heads, 8);
  EXPECT_EQ(got.n_kv_heads, 4);
  EXPECT_EQ(got.head_dim, 8);
  EXPECT_EQ(got.vocab_size, 512);
  EXPECT_EQ(got.max_seq_len, 512);
  EXPECT_TRUE(got.tied_embeddings);
  EXPECT_FLOAT_EQ(got.rope_theta, 10000.0f);
  EXPECT_FLOAT_EQ(got.norm_eps, 1e-5f);
  const ModelWeights& w = m->weights;
  EXPECT_EQ(w.token_embedding.dtype, DType::kF32);
  for (int64_t i : {0, 1, 8191, 8192, 512 * 64 - 1}) {
    EXPECT_EQ(F32At(w.token_embedding, i), SynthWeightValue(42, kEmbd, i)) << i;
  }
  EXPECT_EQ(F32At(w.layers[0].wq, 17), SynthWeightValue(42, kLayer0Q, 17));
  EXPECT_EQ(F32At(w.layers[1].w_down, 1000), SynthWeightValue(42, kLayer1Down, 1000));
  EXPECT_EQ(F32At(w.layers[3].attn_norm, 5), 1.0f);
  EXPECT_EQ(F32At(w.final_norm, 63), 1.0f);
  // Values look like N(0, 0.02).
  double sum = 0, sq = 0;
  const int64_t n = 512 * 64;
  for (int64_t i = 0; i < n; ++i) {
    const double v = F32At(w.token_embedding, i);
    sum += v;
    sq += v * v;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.001);
  EXPECT_NEAR(std::sqrt(sq / n), 0.02, 0.0005);
}

TEST(SynthModelTest, F16AndBF16HoldTheRoundedValues) {
  const ModelConfig c = Stories260K();
  absl::StatusOr<ModelWeights> h = LoadModelWeights(WriteSynth(c, DType::kF16, 7));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->layers[0].wq.dtype, DType::kF16);
  EXPECT_EQ(h->final_norm.dtype, DType::kF32);
  for (int64_t i : {0, 100, 4095}) {
    EXPECT_EQ(F16At(h->layers[0].wq, i), HalfToFloat(FloatToHalf(SynthWeightValue(7, kLayer0Q, i))));
  }
  absl::StatusOr<ModelWeights> b = LoadModelWeights(WriteSynth(c, DType::kBF16, 7));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->token_embedding.dtype, DType::kBF16);
  EXPECT_EQ(BF16At(b->token_embedding, 9000),
            BFloat16ToFloat(FloatToBFloat16(SynthWeightValue(7, kEmbd, 9000))));
}

TEST(SynthModelTest, Q8_0WithF16WhereRowsAreNotWholeBlocks) {
  const ModelConfig c = Stories260K();
  absl::StatusOr<ModelWeights> q = LoadModelWeights(WriteSynth(c, DType::kQ8_0, 9));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->token_embedding.dtype, DType::kQ8_0);
  EXPECT_EQ(q->layers[0].wq.dtype, DType::kQ8_0);
  EXPECT_EQ(q->layers[0].w_gate.dtype, DType::kQ8_0);  // rows of 64
  EXPECT_EQ(q->layers[1].w_down.dtype, DType::kF16);   // rows of 172: not whole Q8_0 blocks
  for (int64_t i = 0; i < 64 * 64; i += 7) {
    const float want = SynthWeightValue(9, kLayer0Q, i);
    // |x| < 4 sigma = 0.08, so the quantization step is below 0.08 / 127.
    EXPECT_NEAR(Q8At(q->layers[0].wq, i), want, 0.5f * 0.08f / 127 + 1e-5f) << i;
  }
}

TEST(SynthModelTest, BytesDependOnlyOnTheSeed) {
  const ModelConfig c = Stories260K();
  absl::StatusOr<GgufWriter> a = SynthModelWriter(c, DType::kQ8_0, 5, "x");
  ASSERT_TRUE(a.ok());
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::string one_thread = a->WriteToString();
  omp_set_num_threads(threads > 1 ? threads : 2);
  const std::string many_threads = a->WriteToString();
  omp_set_num_threads(threads);
  EXPECT_EQ(one_thread, many_threads);
  EXPECT_EQ(one_thread.size(), a->FileSize());
  absl::StatusOr<GgufWriter> b = SynthModelWriter(c, DType::kQ8_0, 6, "x");
  ASSERT_TRUE(b.ok());
  const std::string other = b->WriteToString();
  ASSERT_EQ(other.size(), one_thread.size());
  EXPECT_NE(other, one_thread);
  absl::StatusOr<GgufWriter> again = SynthModelWriter(c, DType::kQ8_0, 5, "x");
  EXPECT_EQ(again->WriteToString(), one_thread);
}

TEST(SynthModelTest, VocabularyEncodesAndDecodes) {
  absl::StatusOr<LoadedModel> m = LoadModel(WriteSynth(Stories260K(), DType::kF32, 1), "");
  ASSERT_TRUE(m.ok()) << m.status();
  const Tokenizer& t = m->tokenizer;
  EXPECT_EQ(t.vocab_size(), 512);
  EXPECT_EQ(t.bos_id(), 1);
  EXPECT_EQ(t.eos_id(), 2);
  EXPECT_EQ(t.ByteToken('\n'), 3 + '\n');
  EXPECT_EQ(t.Kind(3), TokenKind::kByte);
  for (const std::string s : {"the quick brown fox jumps over the lazy dog", "Hello, World!\n\tÜnïcödé 🙂",
                              "JSON: {\"a\": [1, 2, 3]}"}) {
    std::vector<int32_t> ids = t.Encode(s, true);
    EXPECT_EQ(t.Decode(ids), s);
  }
  const std::string plain = "the quick brown fox jumps over the lazy dog";
  EXPECT_LT(t.Encode(plain, false).size(), plain.size()) << "merges should shorten plain text";
}

TEST(SynthModelTest, LargeVocabularyIsComplete) {
  TokenizerVocab v = SynthVocab(49152);
  ASSERT_EQ(v.pieces.size(), 49152u);
  absl::StatusOr<Tokenizer> t = Tokenizer::FromVocab(v);
  ASSERT_TRUE(t.ok()) << t.status();
  // Every normal piece is reachable: it encodes (after the dummy space) to itself.
  int checked = 0;
  for (int32_t id = 300; id < 49152; id += 97) {
    std::string_view piece = t->Piece(id);
    if (piece[0] != ' ') continue;
    std::vector<int32_t> ids = t->Encode(piece.substr(1), false);
    EXPECT_EQ(t->Decode(ids), std::string(piece)) << id;
    ++checked;
  }
  EXPECT_GT(checked, 100);
  const std::string plain =
      "once upon a time there was a little girl who lived in a house near the forest with her mother";
  const size_t n = t->Encode(plain, false).size();
  EXPECT_LT(n, plain.size() / 2) << "a large vocabulary should merge English text well";
}

TEST(SynthModelTest, KnownShapes) {
  absl::StatusOr<ModelConfig> s = FindSynthShape("smollm2-135m");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->dim, 576);
  EXPECT_EQ(s->hidden_dim, 1536);
  EXPECT_EQ(s->n_layers, 30);
  EXPECT_EQ(s->n_heads, 9);
  EXPECT_EQ(s->n_kv_heads, 3);
  EXPECT_EQ(s->head_dim, 64);
  EXPECT_EQ(s->vocab_size, 49152);
  EXPECT_TRUE(s->tied_embeddings);
  EXPECT_FLOAT_EQ(s->rope_theta, 100000.0f);
  EXPECT_THAT(std::string(FindSynthShape("gpt5").status().message()), HasSubstr("known: stories260K"));
  EXPECT_FALSE(ParseDType("q4_0").ok());
  EXPECT_EQ(*ParseDType("bf16"), DType::kBF16);
}

TEST(SynthModelTest, CommandWritesALoadableFile) {
  const std::string out = MakeTempDir("cmd") + "/s.gguf";
  auto r = RunDoomscope("synth-model --arch llama --shape stories260K --dtype q8_0 --seed 3 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("stories260K shape, Q8_0, seed 3"));
  absl::StatusOr<LoadedModel> m = LoadModel(out, "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->weights.layers[0].wq.dtype, DType::kQ8_0);
  auto bad = RunDoomscope("synth-model --shape stories260K --dtype q4 --out " + out);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("unknown dtype 'q4'"));
  auto missing = RunDoomscope("synth-model --dtype f32");
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
}  // namespace doomscope::engine
