// The safetensors reader and writer: a real checkpoint file, a round trip,
// and every rule of the format broken once by hand (each must be refused with
// a message naming the file and the tensor or field); sharded checkpoints
// whose index and shards disagree.
#include "engine/safetensors_reader.h"

#include <cstring>
#include <string>
#include <vector>

#include "engine/safetensors_checkpoint.h"
#include "engine/safetensors_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;
using testing::SharedPath;

// A safetensors file from a header text and `data_bytes` bytes of buffer (i % 251).
std::string FileBytes(std::string_view header, size_t data_bytes) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  out += header;
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<char>(i % 251));
  return out;
}

absl::StatusOr<SafetensorsFile> ParseBytes(const std::string& bytes, const std::string& name = "t.safetensors") {
  return SafetensorsFile::Parse(MappedFile::FromString(bytes, name));
}

void ExpectRefused(const std::string& bytes, std::string_view needle) {
  absl::StatusOr<SafetensorsFile> f = ParseBytes(bytes);
  ASSERT_FALSE(f.ok()) << "accepted; expected an error containing: " << needle;
  EXPECT_THAT(std::string(f.status().message()), HasSubstr("t.safetensors")) << f.status();
  EXPECT_THAT(std::string(f.status().message()), HasSubstr(std::string(needle))) << f.status();
}

TEST(SafetensorsReaderTest, ReadsTheSharedStoriesCheckpoint) {
  absl::StatusOr<SafetensorsFile> f = SafetensorsFile::Open(SharedPath("models/hf/stories260K/model.safetensors"));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->tensors().size(), 47u);  // embedding, final norm, 9 per layer x 5
  const SafetensorsTensor* q = f->Find("model.layers.0.self_attn.q_proj.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->dtype, "F32");
  EXPECT_EQ(q->shape, (std::vector<uint64_t>{64, 64}));
  EXPECT_EQ(q->data.size(), 64u * 64 * 4);
  const SafetensorsTensor* k = f->Find("model.layers.0.self_attn.k_proj.weight");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->shape, (std::vector<uint64_t>{32, 64}));
  EXPECT_EQ(f->Find("lm_head.weight"), nullptr);  // tied
  // File order, tiling the buffer.
  uint64_t expect_begin = 0;
  for (const SafetensorsTensor& t : f->tensors()) {
    EXPECT_EQ(t.begin, expect_begin) << t.name;
    expect_begin = t.end;
  }
  EXPECT_EQ(f->data_offset() % 8, 0u);
}

TEST(SafetensorsReaderTest, WriterRoundTripsTensorsAndMetadata) {
  SafetensorsWriter w;
  w.AddMetadata("format", "pt");
  ASSERT_TRUE(w.AddTensor("a", "F32", {2, 3}, [](std::span<std::byte> out) {
                 for (size_t i = 0; i < out.size(); ++i) out[i] = std::byte(i);
               }).ok());
  ASSERT_TRUE(w.AddTensor("b", "BF16", {5}, [](std::span<std::byte> out) {
                 for (size_t i = 0; i < out.size(); ++i) out[i] = std::byte(100 + i);
               }).ok());
  ASSERT_TRUE(w.AddTensor("empty", "F16", {0, 4}, [](std::span<std::byte>) {}).ok());
  ASSERT_TRUE(w.AddTensor("scalar", "I64", {}, [](std::span<std::byte> out) { out[0] = std::byte{7}; }).ok());
  EXPECT_FALSE(w.AddTensor("a", "F32", {1}, [](std::span<std::byte>) {}).ok());
  EXPECT_FALSE(w.AddTensor("c", "F33", {1}, [](std::span<std::byte>) {}).ok());
  const std::string bytes = w.WriteToString();
  EXPECT_EQ(bytes.size(), w.FileSize());
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u) << "the header is padded so the data is 8-byte aligned";
  absl::StatusOr<SafetensorsFile> f = ParseBytes(bytes);
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->metadata().size(), 1u);
  EXPECT_EQ(f->metadata()[0], (std::pair<std::string, std::string>{"format", "pt"}));
  const SafetensorsTensor* a = f->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->numel, 6u);
  ASSERT_EQ(a->data.size(), 24u);
  EXPECT_EQ(a->data[23], std::byte{23});
  const SafetensorsTensor* b = f->Find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->data[0], std::byte{100});
  EXPECT_EQ(f->Find("empty")->data.size(), 0u);
  EXPECT_EQ(f->Find("scalar")->numel, 1u);
  EXPECT_EQ(f->Find("scalar")->data.size(), 8u);
}

TEST(SafetensorsReaderTest, AcceptsTheFormatsEdgeCases) {
  // No tensors at all; metadata null; trailing spaces; a sub-byte type in whole bytes.
  EXPECT_TRUE(ParseBytes(FileBytes("{}      ", 0)).ok());
  EXPECT_TRUE(ParseBytes(FileBytes(R"({"__metadata__":null})", 0)).ok());
  EXPECT_TRUE(ParseBytes(FileBytes(R"({"x":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}})", 2)).ok());
  // Header order need not be offset order.
  EXPECT_TRUE(ParseBytes(FileBytes(R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},)"
                                   R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})",
                                   4))
                  .ok());
}

TEST(SafetensorsReaderTest, RefusesBrokenHeaders) {
  const std::string ok_tensor = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  ExpectRefused("1234567", "too short");
  {
    std::string huge(8, '\0');
    const uint64_t n = 200'000'000;
    std::memcpy(huge.data(), &n, 8);
    ExpectRefused(huge + "{}", "over the format's limit");
  }
  {
    std::string b = FileBytes("{}", 0);
    b[0] = 100;  // claims more header than the file has
    ExpectRefused(b, "truncated");
  }
  ExpectRefused(FileBytes(" {}", 0), "does not start with '{'");
  ExpectRefused(FileBytes("{\"w\":", 0), "invalid JSON");
  ExpectRefused(FileBytes("{} x", 0), "invalid JSON");
  ExpectRefused(FileBytes("{\"a\":1,\"a\":1}", 0), "\"a\" appears twice");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8),
                "\"dtype\" appears twice");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","shape":[[[[2]]]],"data_offsets":[0,8]}})", 8), "nesting");
  ExpectRefused(FileBytes(R"({"__metadata__":{"k":1},)" + ok_tensor + "}", 8), "__metadata__[\"k\"]");
  ExpectRefused(FileBytes(R"({"__metadata__":[],)" + ok_tensor + "}", 8), "__metadata__ must be an object");
  ExpectRefused(FileBytes(R"({"w":[]})", 0), "tensor 'w'");
  ExpectRefused(FileBytes(R"({"w":{"shape":[2],"data_offsets":[0,8]}})", 8), "\"dtype\" is missing");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", 8), "unknown dtype \"F33\"");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8), "non-negative");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8), "non-negative");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", 8), "shape must be an array");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8), "data_offsets");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8), "end before");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4), "reach past");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "needs 12");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8),
                "overflows");
  ExpectRefused(FileBytes(R"({"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", 2), "not whole bytes");
}

TEST(SafetensorsReaderTest, RefusesOverlapsGapsAndUnownedBytes) {
  ExpectRefused(FileBytes(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                          R"("b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})",
                          6),
                "overlap");
  ExpectRefused(FileBytes(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                          R"("b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}})",
                          6),
                "2 bytes between tensor 'a' (ends at 2) and tensor 'b' (starts at 4)");
  ExpectRefused(FileBytes(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", 4), "the first 2 bytes");
  ExpectRefused(FileBytes(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", 5),
                "3 bytes after the last tensor ('a')");
  // An empty tensor inside another's range breaks the tiling too (as the reference rules).
  ExpectRefused(FileBytes(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                          R"("e":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}})",
                          4),
                "overlap");
}

// --- sharded checkpoints -------------------------------------------------------

SafetensorsFile Shard(const std::string& name, std::vector<std::string> tensors) {
  SafetensorsWriter w;
  for (const std::string& t : tensors) {
    EXPECT_TRUE(
        w.AddTensor(t, "F32", {2}, [](std::span<std::byte> out) { std::memset(out.data(), 0, out.size()); }).ok());
  }
  absl::StatusOr<SafetensorsFile> f = ParseBytes(w.WriteToString(), name);
  EXPECT_TRUE(f.ok()) << f.status();
  return *std::move(f);
}

absl::StatusOr<SafetensorsCheckpoint> FromIndex(std::string_view index) {
  std::vector<std::pair<std::string, SafetensorsFile>> shards;
  shards.emplace_back("model-00001-of-00002.safetensors", Shard("model-00001-of-00002.safetensors", {"a", "b"}));
  shards.emplace_back("model-00002-of-00002.safetensors", Shard("model-00002-of-00002.safetensors", {"c"}));
  return SafetensorsCheckpoint::FromIndex(index, "index.json", std::move(shards));
}

TEST(SafetensorsCheckpointTest, ShardedIndexMustAgreeWithShards) {
  const std::string s1 = "\"model-00001-of-00002.safetensors\"", s2 = "\"model-00002-of-00002.safetensors\"";
  absl::StatusOr<SafetensorsCheckpoint> ok =
      FromIndex(R"({"metadata":{"total_size":24},"weight_map":{"a":)" + s1 + ",\"b\":" + s1 + ",\"c\":" + s2 + "}}");
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_NE(ok->Find("c"), nullptr);
  EXPECT_EQ(ok->PathOf(*ok->Find("c")), "model-00002-of-00002.safetensors");
  EXPECT_EQ(ok->Tensors().size(), 3u);

  auto refused = [&](const std::string& index, std::string_view needle) {
    absl::StatusOr<SafetensorsCheckpoint> c = FromIndex(index);
    ASSERT_FALSE(c.ok()) << index;
    EXPECT_THAT(std::string(c.status().message()), HasSubstr(std::string(needle))) << c.status();
  };
  refused(R"({"weight_map":{"a":)" + s1 + ",\"b\":" + s1 + ",\"c\":\"model-00003-of-00003.safetensors\"}}",
          "maps tensor 'c' to shard model-00003-of-00003.safetensors, which is missing");
  refused(R"({"weight_map":{"a":)" + s1 + ",\"b\":" + s2 + ",\"c\":" + s2 + "}}",
          "maps tensor 'b' to model-00002-of-00002.safetensors, but it is in model-00001-of-00002.safetensors");
  refused(R"({"weight_map":{"a":)" + s1 + ",\"c\":" + s2 + "}}",
          "tensor 'b' of model-00001-of-00002.safetensors "
          "is not in the weight_map");
  refused(R"({"weight_map":{"a":)" + s1 + ",\"b\":" + s1 + ",\"c\":" + s2 + ",\"d\":" + s2 + "}}",
          "maps tensor 'd' to model-00002-of-00002.safetensors, but no shard contains it");
  refused(R"({"weight_map":{"a":"../model.safetensors"}})", "is not a file name in the checkpoint folder");
  refused(R"({"metadata":{}})", "\"weight_map\" is missing");
  refused(R"({"weight_map":{"a":1}})", "must be a file name");
  refused(R"({"weight_map":{}})", "lists no tensors");
}

TEST(SafetensorsCheckpointTest, TensorInTwoShardsIsRefused) {
  std::vector<std::pair<std::string, SafetensorsFile>> shards;
  shards.emplace_back("s1.safetensors", Shard("s1.safetensors", {"a", "b"}));
  shards.emplace_back("s2.safetensors", Shard("s2.safetensors", {"b"}));
  absl::StatusOr<SafetensorsCheckpoint> c = SafetensorsCheckpoint::FromIndex(
      R"({"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})", "index.json", std::move(shards));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("tensor 'b' is in two shards: s1.safetensors and "
                                                           "s2.safetensors"));
}

TEST(SafetensorsCheckpointTest, FolderWithoutWeightsSaysWhatItHas) {
  const std::string dir = testing::MakeTempDir("noweights");
  testing::WriteFile(dir + "/pytorch_model.bin", "pickle");
  absl::StatusOr<SafetensorsCheckpoint> c = SafetensorsCheckpoint::OpenFolder(dir);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("no model.safetensors"));
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("PyTorch pickle"));
}

}  // namespace
}  // namespace doomscope::engine
