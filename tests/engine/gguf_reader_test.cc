// The GGUF reader and GGUF model builder on llama.cpp's copy of stories260K,
// checked tensor by tensor against the llama2.c checkpoint of the same model.
#include "engine/gguf_reader.h"

#include <cstring>
#include <string>

#include "engine/gguf_model.h"
#include "engine/llama2c_reader.h"
#include "engine/model_loader.h"
#include "engine/tokenizer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SharedPath;

std::string GgufPath() { return SharedPath("models/stories260K/stories260K.gguf"); }

TEST(GgufReaderTest, ReadsStories260KDirectory) {
  absl::StatusOr<GgufFile> g = GgufFile::Open(GgufPath());
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->version(), 3u);
  EXPECT_EQ(g->alignment(), 32u);
  EXPECT_EQ(g->data_offset() % 32, 0u);
  EXPECT_EQ(*g->GetString("general.architecture"), "llama");
  EXPECT_EQ(*g->GetUint("llama.embedding_length"), 64u);
  EXPECT_EQ(*g->GetUint("llama.block_count"), 5u);
  EXPECT_EQ(*g->GetUint("llama.feed_forward_length"), 172u);
  EXPECT_EQ(*g->GetUint("llama.attention.head_count"), 8u);
  EXPECT_EQ(*g->GetUint("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(*g->GetUint("llama.context_length"), 2048u);
  EXPECT_EQ(*g->GetUint("llama.rope.dimension_count"), 8u);
  EXPECT_EQ(*g->GetString("tokenizer.ggml.model"), "llama");
  ASSERT_EQ((*g->GetStringArray("tokenizer.ggml.tokens"))->size(), 512u);
  EXPECT_EQ((**g->GetStringArray("tokenizer.ggml.tokens"))[1], "<s>");
  EXPECT_EQ(g->tensors().size(), 48u);
  for (const GgufTensorInfo& t : g->tensors()) {
    EXPECT_EQ(t.type, 0u) << t.name;  // F32
    EXPECT_EQ(t.offset % 32, 0u) << t.name;
  }
  const GgufTensorInfo* q = g->FindTensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_THAT(q->ne, ElementsAre(64, 64));
  const GgufTensorInfo* k = g->FindTensor("blk.0.attn_k.weight");
  ASSERT_NE(k, nullptr);
  EXPECT_THAT(k->ne, ElementsAre(64, 32));  // ne[0] = columns (dim), ne[1] = rows (kv_dim)
  EXPECT_EQ(k->n_bytes, 64u * 32 * 4);
  EXPECT_EQ(g->FindTensor("nope"), nullptr);
}

TEST(GgufReaderTest, TypedGettersNameKeyAndType) {
  absl::StatusOr<GgufFile> g = GgufFile::Open(GgufPath());
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_THAT(std::string(g->GetUint("general.architecture").status().message()),
              HasSubstr("'general.architecture' has type string, expected an unsigned integer"));
  EXPECT_EQ(g->GetUint("missing.key").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*g->GetUintOr("missing.key", 7), 7u);
  EXPECT_FALSE(g->GetUintOr("general.architecture", 7).ok());
  EXPECT_THAT(std::string(g->GetStringArray("tokenizer.ggml.scores").status().message()),
              HasSubstr("has type array of float32, expected array of string"));
}

TEST(GgufReaderTest, EveryTensorEqualsTheLlama2cCheckpoint) {
  absl::StatusOr<ModelWeights> a = LoadModelWeights(GgufPath());
  absl::StatusOr<ModelWeights> b = LoadModelWeights(SharedPath("models/stories260K/stories260K.bin"));
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  const ModelConfig &ca = a->config, &cb = b->config;
  EXPECT_EQ(ca.dim, cb.dim);
  EXPECT_EQ(ca.hidden_dim, cb.hidden_dim);
  EXPECT_EQ(ca.n_layers, cb.n_layers);
  EXPECT_EQ(ca.n_heads, cb.n_heads);
  EXPECT_EQ(ca.n_kv_heads, cb.n_kv_heads);
  EXPECT_EQ(ca.head_dim, cb.head_dim);
  EXPECT_EQ(ca.vocab_size, cb.vocab_size);
  EXPECT_EQ(ca.max_seq_len, 2048);
  EXPECT_FLOAT_EQ(ca.rope_theta, 10000.0f);
  EXPECT_FLOAT_EQ(ca.norm_eps, 1e-5f);
  EXPECT_EQ(ca.rope_layout, RopeLayout::kAdjacentPairs);
  // The GGUF stores a separate output.weight equal to the embedding.
  EXPECT_FALSE(ca.tied_embeddings);
  auto same = [](const TensorView& x, const TensorView& y, const std::string& what) {
    ASSERT_EQ(x.dtype, DType::kF32) << what;
    ASSERT_EQ(x.rows, y.rows) << what;
    ASSERT_EQ(x.cols, y.cols) << what;
    EXPECT_EQ(std::memcmp(x.data, y.data, x.bytes()), 0) << what;
  };
  same(a->token_embedding, b->token_embedding, "token_embedding");
  same(a->classifier, b->classifier, "classifier");
  same(a->final_norm, b->final_norm, "final_norm");
  for (int i = 0; i < ca.n_layers; ++i) {
    const LayerWeights &x = a->layers[i], &y = b->layers[i];
    std::string l = "layer " + std::to_string(i) + " ";
    same(x.attn_norm, y.attn_norm, l + "attn_norm");
    same(x.wq, y.wq, l + "wq");
    same(x.wk, y.wk, l + "wk");
    same(x.wv, y.wv, l + "wv");
    same(x.wo, y.wo, l + "wo");
    same(x.ffn_norm, y.ffn_norm, l + "ffn_norm");
    same(x.w_gate, y.w_gate, l + "w_gate");
    same(x.w_down, y.w_down, l + "w_down");
    same(x.w_up, y.w_up, l + "w_up");
  }
}

TEST(GgufReaderTest, EmbeddedVocabularyMatchesTok512) {
  absl::StatusOr<GgufFile> g = GgufFile::Open(GgufPath());
  ASSERT_TRUE(g.ok()) << g.status();
  absl::StatusOr<Tokenizer> t = Tokenizer::FromGguf(*g);
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<Tokenizer> ref = Tokenizer::FromLlama2cFile(SharedPath("models/stories260K/tok512.bin"), 512);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(t->vocab_size(), 512);
  EXPECT_EQ(t->bos_id(), 1);
  EXPECT_EQ(t->eos_id(), 2);
  EXPECT_EQ(t->unk_id(), 0);
  for (int32_t i = 3; i < 512; ++i) {  // ids 0..2 are spelled differently (<s> vs \n<s>\n)
    EXPECT_EQ(t->Piece(i), ref->Piece(i)) << i;
    EXPECT_EQ(t->Score(i), ref->Score(i)) << i;
  }
  EXPECT_EQ(t->Kind(1), TokenKind::kControl);
  EXPECT_EQ(t->Kind(3), TokenKind::kByte);
  EXPECT_THAT(t->Encode("Once upon a time", true), ElementsAre(1, 403, 407, 261, 378));
}

TEST(GgufReaderTest, LoadModelPicksTheEmbeddedOrTheBesideTokenizer) {
  absl::StatusOr<LoadedModel> g = LoadModel(GgufPath(), "");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->format, ModelFormat::kGguf);
  EXPECT_FALSE(g->stop_at_bos);
  EXPECT_EQ(g->tokenizer_path, GgufPath());
  absl::StatusOr<LoadedModel> b = LoadModel(SharedPath("models/stories260K/stories260K.bin"), "");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->format, ModelFormat::kLlama2c);
  EXPECT_TRUE(b->stop_at_bos);
  EXPECT_THAT(b->tokenizer_path, HasSubstr("tok512.bin"));
  EXPECT_THAT(b->tokenizer.Encode("The dog", true), ElementsAre(1, 291, 400, 428));
}

TEST(GgufReaderTest, UnsupportedTensorTypeIsNamed) {
  absl::StatusOr<DType> d = DTypeFromGgml(12, "blk.3.ffn_up.weight");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()),
              HasSubstr("tensor 'blk.3.ffn_up.weight' has type Q4_K, which the engine does not support"));
  EXPECT_EQ(GgmlTypeName(999), "type 999");
}

TEST(GgufReaderTest, NotAGgufFileIsNamed) {
  absl::StatusOr<GgufFile> g = GgufFile::Parse(MappedFile::FromString("GGUX\3\0\0\0", "x.gguf"));
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("x.gguf: not a GGUF file"));
  g = GgufFile::Parse(MappedFile::FromString(std::string("GGUF\0\0\0\3", 8), "be.gguf"));
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("big-endian"));
  g = GgufFile::Parse(MappedFile::FromString(std::string("GGUF\1\0\0\0", 8), "v1.gguf"));
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("version 1 is not supported"));
}

}  // namespace
}  // namespace doomscope::engine
