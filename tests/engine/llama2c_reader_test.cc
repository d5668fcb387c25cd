// The llama2.c checkpoint reader on the real stories260K.bin and on small
// checkpoints built here byte by byte.
#include "engine/llama2c_reader.h"

#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;
using testing::SharedPath;

TEST(Llama2cReaderTest, ReadsStories260K) {
  absl::StatusOr<ModelWeights> w = LoadLlama2cCheckpoint(SharedPath("models/stories260K/stories260K.bin"));
  ASSERT_TRUE(w.ok()) << w.status();
  const ModelConfig& c = w->config;
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.hidden_dim, 172);
  EXPECT_EQ(c.n_layers, 5);
  EXPECT_EQ(c.n_heads, 8);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.max_seq_len, 512);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.rope_layout, RopeLayout::kAdjacentPairs);
  EXPECT_FLOAT_EQ(c.rope_theta, 10000.0f);
  EXPECT_FLOAT_EQ(c.norm_eps, 1e-5f);
  ASSERT_EQ(w->layers.size(), 5u);

  const auto* base = static_cast<const std::byte*>(nullptr);
  base = w->token_embedding.data - 28;  // the embedding starts right after the header
  EXPECT_EQ(w->classifier.data, w->token_embedding.data);
  EXPECT_EQ(w->token_embedding.rows, 512);
  EXPECT_EQ(w->token_embedding.cols, 64);
  // Offsets in floats from the start of the weights, per the run.c layout.
  const size_t D = 64, H = 172, L = 5, V = 512, KV = 32;
  auto at = [&](size_t floats) { return base + 28 + 4 * floats; };
  size_t off = V * D;
  EXPECT_EQ(w->layers[0].attn_norm.data, at(off));
  EXPECT_EQ(w->layers[4].attn_norm.data, at(off + 4 * D));
  off += L * D;
  EXPECT_EQ(w->layers[0].wq.data, at(off));
  EXPECT_EQ(w->layers[1].wq.data, at(off + D * D));
  off += L * D * D;
  EXPECT_EQ(w->layers[0].wk.data, at(off));
  EXPECT_EQ(w->layers[0].wk.rows, 32);
  off += L * KV * D;
  EXPECT_EQ(w->layers[0].wv.data, at(off));
  off += L * KV * D;
  EXPECT_EQ(w->layers[0].wo.data, at(off));
  off += L * D * D;
  EXPECT_EQ(w->layers[0].ffn_norm.data, at(off));
  off += L * D;
  EXPECT_EQ(w->layers[0].w_gate.data, at(off));
  EXPECT_EQ(w->layers[0].w_gate.rows, 172);
  off += L * H * D;
  EXPECT_EQ(w->layers[0].w_down.data, at(off));
  EXPECT_EQ(w->layers[0].w_down.rows, 64);
  EXPECT_EQ(w->layers[0].w_down.cols, 172);
  off += L * D * H;
  EXPECT_EQ(w->layers[0].w_up.data, at(off));
  off += L * H * D;
  EXPECT_EQ(w->final_norm.data, at(off));
  off += D;
  EXPECT_EQ(28 + 4 * (off + 512 * 8), 1056540u);  // + freq_cis_real/imag [512][4] each
  float norm0;
  std::memcpy(&norm0, w->final_norm.data, 4);
  EXPECT_GT(norm0, 0.0f);  // RMSNorm gains of a trained model are positive
}

// A checkpoint with every weight set to its float index, so views can be checked by value.
std::string MakeCheckpoint(int32_t dim, int32_t hidden, int32_t layers, int32_t heads, int32_t kv_heads,
                           int32_t vocab, int32_t seq_len, bool with_rope_tables) {
  const int64_t V = vocab < 0 ? -vocab : vocab, head = dim / heads, kv = kv_heads * head;
  int64_t floats = V * dim + layers * (2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * hidden * dim) + dim;
  if (with_rope_tables) floats += seq_len * head;
  if (vocab < 0) floats += V * dim;
  std::string bytes(28 + 4 * floats, '\0');
  int32_t header[7] = {dim, hidden, layers, heads, kv_heads, vocab, seq_len};
  std::memcpy(bytes.data(), header, 28);
  for (int64_t i = 0; i < floats; ++i) {
    float f = static_cast<float>(i);
    std::memcpy(bytes.data() + 28 + 4 * i, &f, 4);
  }
  return bytes;
}

float FloatAt(const TensorView& v, int64_t index) {
  float f;
  std::memcpy(&f, v.data + 4 * index, 4);
  return f;
}

TEST(Llama2cReaderTest, UntiedClassifierFollowsTheRopeTables) {
  // dim 8, hidden 12, 2 layers, 2 heads, 1 kv head, vocab 10 (untied), seq 6.
  std::string bytes = MakeCheckpoint(8, 12, 2, 2, 1, -10, 6, true);
  absl::StatusOr<ModelWeights> w = ReadLlama2cCheckpoint(MappedFile::FromString(bytes, "mem.bin"));
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_FALSE(w->config.tied_embeddings);
  EXPECT_EQ(w->config.vocab_size, 10);
  EXPECT_EQ(w->config.n_kv_heads, 1);
  EXPECT_EQ(w->layers[0].wk.rows, 4);
  // weights: 80 emb + 2*(8+64+32+32+64+8+96*3) = 80 + 2*496 = 1072, +8 final norm = 1080,
  // then 6*4 rope floats, so the classifier starts at float 1104.
  EXPECT_EQ(FloatAt(w->final_norm, 0), 1072.0f);
  EXPECT_EQ(FloatAt(w->classifier, 0), 1104.0f);
  EXPECT_EQ(FloatAt(w->layers[1].wq, 0), 80.0f + 16 + 64);
  EXPECT_EQ(FloatAt(w->layers[1].w_up, 95), 80.0f + 16 + 128 + 64 + 64 + 128 + 16 + 192 + 192 + 96 + 95);
}

TEST(Llama2cReaderTest, TiedCheckpointMayOmitRopeTables) {
  std::string bytes = MakeCheckpoint(8, 12, 2, 2, 1, 10, 6, false);
  absl::StatusOr<ModelWeights> w = ReadLlama2cCheckpoint(MappedFile::FromString(bytes, "mem.bin"));
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_TRUE(w->config.tied_embeddings);
  EXPECT_EQ(w->classifier.data, w->token_embedding.data);
}

TEST(Llama2cReaderTest, UntiedCheckpointWithoutRopeTablesIsRejected) {
  std::string bytes = MakeCheckpoint(8, 12, 2, 2, 1, -10, 6, false);
  absl::StatusOr<ModelWeights> w = ReadLlama2cCheckpoint(MappedFile::FromString(bytes, "mem.bin"));
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("mem.bin: file is "));
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("implies 4764 bytes"));
}

TEST(Llama2cReaderTest, TrailingBytesAreRejected) {
  std::string bytes = MakeCheckpoint(8, 12, 2, 2, 1, 10, 6, true) + "x";
  absl::StatusOr<ModelWeights> w = ReadLlama2cCheckpoint(MappedFile::FromString(bytes, "mem.bin"));
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("bytes but the header"));
}

TEST(Llama2cReaderTest, HeaderFieldsAreValidated) {
  struct Case {
    int32_t header[7];
    const char* expected;
  };
  const Case cases[] = {
      {{0, 12, 2, 2, 1, 10, 6}, "dim = 0 is outside"},
      {{8, 12, 2, 3, 1, 10, 6}, "dim 8 is not a multiple of n_heads 3"},
      {{8, 12, 2, 4, 3, 10, 6}, "n_heads 4 is not a multiple of n_kv_heads 3"},
      {{8, 12, 2, 2, 4, 10, 6}, "n_kv_heads = 4 is outside [1, 2]"},
      {{8, 12, 2, 8, 1, 10, 6}, "head size 1 (dim / n_heads) is odd"},
      {{8, 12, 0, 2, 1, 10, 6}, "n_layers = 0"},
      {{8, 12, 2, 2, 1, INT32_MIN, 6}, "|vocab_size| = 2147483648"},
      {{8, 12, 2, 2, 1, 10, -1}, "seq_len = -1"},
      {{8, -5, 2, 2, 1, 10, 6}, "hidden_dim = -5"},
  };
  for (const Case& c : cases) {
    std::string bytes(28, '\0');
    std::memcpy(bytes.data(), c.header, 28);
    absl::StatusOr<ModelWeights> w = ReadLlama2cCheckpoint(MappedFile::FromString(bytes, "h.bin"));
    ASSERT_FALSE(w.ok());
    EXPECT_THAT(std::string(w.status().message()), HasSubstr(c.expected)) << w.status();
  }
}

TEST(Llama2cReaderTest, VersionedExportIsRejectedByName) {
  std::string bytes = "24ka" + std::string(252, '\0');
  absl::StatusOr<ModelWeights> w = ReadLlama2cCheckpoint(MappedFile::FromString(bytes, "v1.bin"));
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("versioned export"));
}

TEST(Llama2cReaderTest, MissingFileIsNotFound) {
  absl::StatusOr<ModelWeights> w = LoadLlama2cCheckpoint("/nonexistent/model.bin");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("/nonexistent/model.bin"));
}

}  // namespace
}  // namespace doomscope::engine
