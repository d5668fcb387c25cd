// Every reader against truncated, bit-flipped, random and hand-broken files: the
// result must be a clean error (or, for harmless flips, a valid load), never a
// crash or an out-of-bounds read. Copies are exact-size heap buffers, so the
// ASan build catches any read past the end.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/gguf_model.h"
#include "engine/gguf_reader.h"
#include "engine/gguf_writer.h"
#include "engine/llama2c_reader.h"
#include "engine/synth_model.h"
#include "engine/tokenizer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::SharedPath;

// Everything a GGUF consumer does with a file: parse, build weights, build the tokenizer.
absl::Status LoadGgufBytes(std::string_view bytes) {
  absl::StatusOr<GgufFile> g = GgufFile::Parse(MappedFile::FromString(bytes, "bad.gguf"));
  if (!g.ok()) return g.status();
  absl::StatusOr<ModelWeights> w = ModelWeightsFromGguf(*g);
  absl::StatusOr<Tokenizer> t = Tokenizer::FromGguf(*g);
  if (t.ok()) {
    // A flipped vocabulary must still encode and decode without faults.
    std::vector<int32_t> ids = t->Encode("Once upon a time, Ünïcödé!", true);
    (void)t->Decode(ids);
  }
  if (!w.ok()) return w.status();
  return t.status();
}

absl::Status LoadLlama2cBytes(std::string_view bytes) {
  return ReadLlama2cCheckpoint(MappedFile::FromString(bytes, "bad.bin")).status();
}

absl::Status LoadTokenizerBytes(std::string_view bytes, int vocab) {
  absl::StatusOr<Tokenizer> t =
      Tokenizer::FromLlama2cBytes(std::as_bytes(std::span(bytes.data(), bytes.size())), "bad-tok.bin", vocab);
  if (t.ok()) (void)t->Decode(t->Encode("Once upon a time, Ünïcödé!", true));
  return t.status();
}

void ExpectNamedError(const absl::Status& s, std::string_view name, std::string_view context) {
  ASSERT_FALSE(s.ok()) << context;
  EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(name))) << context;
}

// Offsets to cut at: every byte of the first `dense` bytes, then every `stride`th.
std::vector<size_t> CutPoints(size_t size, size_t dense, size_t stride) {
  std::vector<size_t> cuts;
  for (size_t i = 0; i < size; i += i < dense ? 1 : stride) cuts.push_back(i);
  return cuts;
}

TEST(CorruptFilesTest, TruncatedGgufIsRejected) {
  const std::string good = ReadFile(SharedPath("models/stories260K/stories260K.gguf"));
  absl::StatusOr<GgufFile> g = GgufFile::Parse(MappedFile::FromString(good, "good.gguf"));
  ASSERT_TRUE(g.ok()) << g.status();
  uint64_t end_of_data = 0;
  for (const GgufTensorInfo& t : g->tensors()) {
    end_of_data = std::max(end_of_data, g->data_offset() + t.offset + t.n_bytes);
  }
  const size_t header = g->data_offset();
  int checked = 0;
  for (size_t cut : CutPoints(header, 256, 13)) {
    ExpectNamedError(LoadGgufBytes(std::string_view(good).substr(0, cut)), "bad.gguf", std::to_string(cut));
    ++checked;
  }
  for (size_t cut = header; cut < good.size(); cut += (good.size() - header) / 40) {
    absl::Status s = LoadGgufBytes(std::string_view(good).substr(0, cut));
    if (cut < end_of_data) ExpectNamedError(s, "runs past the end of the data section", std::to_string(cut));
    ++checked;
  }
  EXPECT_GT(checked, 1000);
}

// A tiny but complete llama GGUF (300-token vocabulary), so that flipping every
// header byte stays fast.
std::string TinyGguf() {
  ModelConfig c;
  c.dim = 32;
  c.hidden_dim = 64;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = 8;
  c.vocab_size = 300;
  c.max_seq_len = 64;
  absl::StatusOr<GgufWriter> w = SynthModelWriter(c, DType::kQ8_0, 1, "tiny");
  EXPECT_TRUE(w.ok()) << w.status();
  return w->WriteToString();
}

void FlipBytes(const std::string& good, const std::vector<size_t>& positions, uint32_t seed, int* flips,
               int* failures) {
  std::mt19937 rng(seed);
  for (size_t pos : positions) {
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ (1 << (rng() % 8)));
    absl::Status s = LoadGgufBytes(bad);
    if (!s.ok()) {
      ++*failures;
      EXPECT_THAT(std::string(s.message()), HasSubstr("bad.gguf")) << pos;
    }
    ++*flips;
  }
}

TEST(CorruptFilesTest, BitFlippedGgufNeverFaults) {
  const std::string tiny = TinyGguf();
  absl::StatusOr<GgufFile> t = GgufFile::Parse(MappedFile::FromString(tiny, "tiny.gguf"));
  ASSERT_TRUE(t.ok()) << t.status();
  int flips = 0, failures = 0;
  // The tiny file's header, metadata and tensor directory: every byte of the
  // first 768 (magic, counts, model keys), then every 7th.
  FlipBytes(tiny, CutPoints(t->data_offset(), 768, 7), 7, &flips, &failures);
  EXPECT_GT(flips, 1500);
  EXPECT_GT(failures, flips / 10);  // most structural flips must be caught
  // The real file: its first 512 bytes, then a stride through the directory.
  const std::string good = ReadFile(SharedPath("models/stories260K/stories260K.gguf"));
  absl::StatusOr<GgufFile> g = GgufFile::Parse(MappedFile::FromString(good, "good.gguf"));
  ASSERT_TRUE(g.ok());
  FlipBytes(good, CutPoints(g->data_offset(), 256, 127), 8, &flips, &failures);
}

TEST(CorruptFilesTest, RandomBytesAsGguf) {
  std::mt19937 rng(11);
  for (int i = 0; i < 400; ++i) {
    std::string bytes(rng() % 600, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (i % 2 == 0 && bytes.size() >= 24) {
      // Valid magic and version so the parser gets past the first checks; small counts.
      std::memcpy(bytes.data(), "GGUF\3\0\0\0", 8);
      const uint64_t tensors = rng() % 4, kvs = rng() % 6;
      std::memcpy(bytes.data() + 8, &tensors, 8);
      std::memcpy(bytes.data() + 16, &kvs, 8);
    }
    EXPECT_FALSE(LoadGgufBytes(bytes).ok()) << i;
  }
}

// A small valid GGUF (synthetic stories260K shape, tiny vocabulary tweaks aside).
std::string SmallGguf() {
  absl::StatusOr<GgufWriter> w = SynthModelWriter(*FindSynthShape("stories260K"), DType::kF32, 1, "t");
  EXPECT_TRUE(w.ok());
  return w->WriteToString();
}

// Position right after the first occurrence of the length-prefixed string `s`.
size_t After(const std::string& bytes, const std::string& s) {
  std::string needle(8, '\0');
  const uint64_t n = s.size();
  std::memcpy(needle.data(), &n, 8);
  needle += s;
  size_t pos = bytes.find(needle);
  EXPECT_NE(pos, std::string::npos) << s;
  return pos + needle.size();
}

template <typename T>
void Poke(std::string* bytes, size_t pos, T value) {
  std::memcpy(bytes->data() + pos, &value, sizeof(T));
}

TEST(CorruptFilesTest, HostileGgufFieldsGetSpecificErrors) {
  const std::string good = SmallGguf();
  ASSERT_TRUE(LoadGgufBytes(good).ok()) << LoadGgufBytes(good);
  struct Case {
    std::string name;
    std::function<void(std::string*)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"huge tensor count", [](std::string* b) { Poke<uint64_t>(b, 8, uint64_t{1} << 60); },
       "tensor_count 1152921504606846976 cannot fit"},
      {"huge kv count", [](std::string* b) { Poke<uint64_t>(b, 16, ~uint64_t{0}); }, "metadata_kv_count"},
      {"huge key length", [](std::string* b) { Poke<uint64_t>(b, 24, uint64_t{1} << 40); },
       "metadata key 0 length 1099511627776 exceeds the limit"},
      {"huge string length",
       [](std::string* b) { Poke<uint64_t>(b, After(*b, "general.architecture") + 4, uint64_t{1} << 62); },
       "truncated"},
      {"unknown value type", [](std::string* b) { Poke<uint32_t>(b, After(*b, "general.architecture"), 13); },
       "metadata 'general.architecture': unknown value type 13"},
      {"huge array length",
       [](std::string* b) { Poke<uint64_t>(b, After(*b, "tokenizer.ggml.tokens") + 8, uint64_t{1} << 61); },
       "array of 2305843009213693952 string cannot fit"},
      {"unknown array element type",
       [](std::string* b) { Poke<uint32_t>(b, After(*b, "tokenizer.ggml.scores") + 4, 77); },
       "unknown array element type 77"},
      {"too many dims", [](std::string* b) { Poke<uint32_t>(b, After(*b, "token_embd.weight"), 5); },
       "n_dims 5 is outside [1, 4]"},
      {"zero dim", [](std::string* b) { Poke<uint64_t>(b, After(*b, "token_embd.weight") + 4, 0); },
       "ne[0] = 0 is outside"},
      {"unknown tensor type",
       [](std::string* b) { Poke<uint32_t>(b, After(*b, "token_embd.weight") + 4 + 16, 99); },
       "has ggml type type 99, whose layout doomscope does not know"},
      {"unsupported tensor type",
       [](std::string* b) { Poke<uint32_t>(b, After(*b, "token_embd.weight") + 4 + 16, 2); },
       "Q4_0, which the engine does not support"},
      {"misaligned offset",
       [](std::string* b) { Poke<uint64_t>(b, After(*b, "output_norm.weight") + 4 + 8 + 4, 3); },
       "offset 3 is not a multiple of the alignment 32"},
      {"offset past the end",
       [](std::string* b) { Poke<uint64_t>(b, After(*b, "output_norm.weight") + 4 + 8 + 4, uint64_t{1} << 40); },
       "runs past the end of the data section"},
      {"offset overflow",
       [](std::string* b) { Poke<uint64_t>(b, After(*b, "output_norm.weight") + 4 + 8 + 4, ~uint64_t{31}); },
       "runs past the end of the data section"},
      {"shape mismatch", [](std::string* b) { Poke<uint64_t>(b, After(*b, "blk.2.attn_q.weight") + 4, 32); },
       "tensor 'blk.2.attn_q.weight' has ne [32, 64], expected [64, 64]"},
      {"bad architecture",
       [](std::string* b) { std::memcpy(b->data() + After(*b, "general.architecture") + 12, "xyz", 3); },
       "architecture 'xyzma' is not supported"},
      {"version", [](std::string* b) { Poke<uint32_t>(b, 4, 4); }, "unsupported GGUF version 4"},
      {"wrong key type",
       [](std::string* b) { Poke<uint32_t>(b, After(*b, "llama.block_count"), 6); },
       "'llama.block_count' has type float32"},
      {"bad bool", [](std::string* b) { (*b)[After(*b, "tokenizer.ggml.add_bos_token") + 4] = 7; },
       "bool value 7 is not 0 or 1"},
      {"bad token type",
       [](std::string* b) { Poke<int32_t>(b, After(*b, "tokenizer.ggml.token_type") + 16, 9); },
       "tokenizer.ggml.token_type[0] = 9"},
      {"bos out of range",
       [](std::string* b) { Poke<uint32_t>(b, After(*b, "tokenizer.ggml.bos_token_id") + 4, 512); },
       "tokenizer.ggml.bos_token_id = 512 is outside the vocabulary"},
  };
  for (const Case& c : cases) {
    std::string bad = good;
    c.mutate(&bad);
    absl::Status s = LoadGgufBytes(bad);
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.expected)) << c.name;
  }
}

TEST(CorruptFilesTest, DuplicatesAndAlignmentAreChecked) {
  GgufWriter dup;
  dup.AddUint32("a.b", 1);
  dup.AddUint32("a.b", 2);
  EXPECT_THAT(std::string(GgufFile::Parse(MappedFile::FromString(dup.WriteToString(), "d.gguf")).status().message()),
              HasSubstr("duplicate metadata key 'a.b'"));
  GgufWriter align;
  align.AddUint32("general.alignment", 24);
  EXPECT_THAT(std::string(GgufFile::Parse(MappedFile::FromString(align.WriteToString(), "a.gguf")).status().message()),
              HasSubstr("general.alignment 24 is not a power of two"));
  // Nested arrays are read to depth 4 and refused deeper (no unbounded recursion).
  GgufValue leaf;
  leaf.type = GgufType::kArray;
  leaf.array_type = GgufType::kUint8;
  leaf.array_uints = {1, 2};
  GgufValue v = leaf;
  for (int depth = 1; depth < 4; ++depth) {
    GgufValue outer;
    outer.type = GgufType::kArray;
    outer.array_type = GgufType::kArray;
    outer.array_arrays = {v, v};
    v = outer;
  }
  GgufWriter nested;
  nested.AddValue("x.nested", v);
  absl::StatusOr<GgufFile> ok = GgufFile::Parse(MappedFile::FromString(nested.WriteToString(), "n.gguf"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->Find("x.nested")->array_arrays[1].array_arrays[0].array_arrays[1].array_uints[1], 2u);
  GgufValue deeper;
  deeper.type = GgufType::kArray;
  deeper.array_type = GgufType::kArray;
  deeper.array_arrays = {v};
  GgufWriter too_deep;
  too_deep.AddValue("x.nested", deeper);
  EXPECT_THAT(std::string(GgufFile::Parse(MappedFile::FromString(too_deep.WriteToString(), "n.gguf")).status().message()),
              HasSubstr("arrays nested deeper than 4"));
}

TEST(CorruptFilesTest, TruncatedAndFlippedLlama2cCheckpoints) {
  const std::string good = ReadFile(SharedPath("models/stories260K/stories260K.bin"));
  ASSERT_TRUE(LoadLlama2cBytes(good).ok());
  const size_t without_rope = good.size() - 2 * 512 * 4 * 4;
  for (size_t cut : CutPoints(good.size(), 64, 997)) {
    absl::Status s = LoadLlama2cBytes(std::string_view(good).substr(0, cut));
    if (cut == without_rope) {
      EXPECT_TRUE(s.ok()) << s;  // a tied model may omit the RoPE tables
    } else {
      ExpectNamedError(s, "bad.bin", std::to_string(cut));
    }
  }
  // Every bit of the header.
  int rejected = 0;
  for (int bit = 0; bit < 28 * 8; ++bit) {
    std::string bad = good.substr(0, 28) + std::string(good.size() - 28, '\0');
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    absl::Status s = LoadLlama2cBytes(bad);
    if (!s.ok()) {
      ++rejected;
      EXPECT_THAT(std::string(s.message()), HasSubstr("bad.bin"));
    }
  }
  EXPECT_GE(rejected, 28 * 8 - 2);  // a flip that keeps every size consistent is not detectable
  std::mt19937 rng(3);
  for (int i = 0; i < 300; ++i) {
    std::string bytes(rng() % 200, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    EXPECT_FALSE(LoadLlama2cBytes(bytes).ok());
  }
}

TEST(CorruptFilesTest, TruncatedFlippedAndRandomTokenizerFiles) {
  const std::string good = ReadFile(SharedPath("models/stories260K/tok512.bin"));
  ASSERT_TRUE(LoadTokenizerBytes(good, 512).ok());
  for (size_t cut : CutPoints(good.size(), 512, 7)) {
    ExpectNamedError(LoadTokenizerBytes(std::string_view(good).substr(0, cut), 512), "bad-tok.bin",
                     std::to_string(cut));
  }
  std::mt19937 rng(5);
  int rejected = 0;
  for (size_t pos : CutPoints(good.size(), 256, 5)) {
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ (1 << (rng() % 8)));
    rejected += LoadTokenizerBytes(bad, 512).ok() ? 0 : 1;
  }
  EXPECT_GT(rejected, 200);  // length fields are caught; piece and score flips are not detectable
  for (int i = 0; i < 100; ++i) {
    std::string bytes(rng() % 8000, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    EXPECT_FALSE(LoadTokenizerBytes(bytes, 512).ok());
  }
}

}  // namespace
}  // namespace doomscope::engine
