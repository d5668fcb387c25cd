// NaN and infinity in weights are refused at load, naming the tensor (issue
// 14: such a model used to sample <unk> forever with exit 0): the scan itself
// on every stored type, and the GGUF and llama2.c loaders end to end.
#include "engine/weight_check.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "engine/gguf_reader.h"
#include "engine/model_loader.h"
#include "engine/quantize.h"
#include "engine/synth_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::HasSubstr;
using testing::MakeTempDir;
using testing::ReadFile;
using testing::SharedPath;
using testing::WriteFile;

// A [rows][cols] tensor of `dtype` holding small finite values.
struct Buffer {
  std::vector<std::byte> bytes;
  TensorView view;
};
Buffer MakeTensor(DType dtype, int64_t rows, int64_t cols) {
  std::vector<float> values(static_cast<size_t>(rows * cols));
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.01f * static_cast<float>(i % 97) - 0.4f;
  Buffer b;
  b.bytes.resize(DTypeBytes(dtype, values.size()));
  switch (dtype) {
    case DType::kF32: std::memcpy(b.bytes.data(), values.data(), b.bytes.size()); break;
    case DType::kF16: FloatsToHalf(values, b.bytes); break;
    case DType::kBF16: FloatsToBFloat16(values, b.bytes); break;
    case DType::kQ8_0: QuantizeQ8_0(values, b.bytes); break;
  }
  b.view = TensorView{dtype, rows, cols, b.bytes.data()};
  return b;
}

// Puts `v` at element i (for Q8_0: into the scale of i's block).
void Poke(Buffer& b, int64_t i, float v) {
  switch (b.view.dtype) {
    case DType::kF32: std::memcpy(b.bytes.data() + 4 * i, &v, 4); return;
    case DType::kF16: {
      const uint16_t h = FloatToHalf(v);
      std::memcpy(b.bytes.data() + 2 * i, &h, 2);
      return;
    }
    case DType::kBF16: {
      const uint16_t h = FloatToBFloat16(v);
      std::memcpy(b.bytes.data() + 2 * i, &h, 2);
      return;
    }
    case DType::kQ8_0: {
      const uint16_t h = FloatToHalf(v);
      std::memcpy(b.bytes.data() + i / 32 * 34, &h, 2);
      return;
    }
  }
}

TEST(WeightCheckTest, FindsTheFirstNonFiniteValueOfEveryType) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0}) {
    SCOPED_TRACE(DTypeName(dtype));
    // 300 rows of 64: over the scan's 4096-element blocks, so several blocks run in parallel.
    Buffer b = MakeTensor(dtype, 300, 64);
    EXPECT_TRUE(CheckTensorFinite(b.view, "w").ok());
    // The largest finite values pass (fp16's 65504 has a full exponent but one bit).
    Poke(b, 5, dtype == DType::kF16 || dtype == DType::kQ8_0 ? 65504.0f : 3.0e38f);
    EXPECT_TRUE(CheckTensorFinite(b.view, "w").ok());
    const int64_t late = dtype == DType::kQ8_0 ? 64 * 250 : 64 * 250 + 7;
    Poke(b, late, -inf);
    absl::Status s = CheckTensorFinite(b.view, "blk.3.attn_k.weight");
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(std::string(s.message()), HasSubstr("tensor 'blk.3.attn_k.weight' holds a NaN or infinity"));
    EXPECT_THAT(std::string(s.message()), HasSubstr(absl::StrCat("element ", late, ": row 250")));
    // An earlier NaN is the one reported.
    Poke(b, 64 * 2, nan);
    s = CheckTensorFinite(b.view, "w");
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(std::string(s.message()), HasSubstr("element 128: row 2, column 0"));
  }
}

// Flips one weight of a synth GGUF to NaN at the file's offset of `tensor`.
std::string SynthWithNan(const std::string& tensor) {
  const std::string path = MakeTempDir("nan") + "/m.gguf";
  EXPECT_TRUE(WriteSynthModel(*FindSynthShape("lfm2-tiny"), DType::kF16, 3, "t", path).ok());
  absl::StatusOr<GgufFile> g = GgufFile::Open(path);
  EXPECT_TRUE(g.ok()) << g.status();
  const GgufTensorInfo* t = g->FindTensor(tensor);
  EXPECT_NE(t, nullptr) << tensor;
  const uint64_t offset = g->data_offset() + t->offset + 2 * 100;
  std::string bytes = ReadFile(path);
  const uint16_t nan = 0x7E00;
  std::memcpy(bytes.data() + offset, &nan, 2);
  WriteFile(path, bytes);
  return path;
}

TEST(WeightCheckTest, GgufLoaderRefusesNanNamingTheTensor) {
  for (const std::string tensor : {"blk.1.shortconv.in_proj.weight", "blk.2.attn_v.weight", "token_embd.weight"}) {
    absl::StatusOr<LoadedModel> m = LoadModel(SynthWithNan(tensor), "");
    ASSERT_FALSE(m.ok()) << tensor;
    EXPECT_THAT(std::string(m.status().message()),
                HasSubstr(absl::StrCat("tensor '", tensor, "' holds a NaN or infinity (element 100")));
  }
}

TEST(WeightCheckTest, Llama2cLoaderRefusesInfinityNamingTheField) {
  std::string bytes = ReadFile(SharedPath("models/stories260K/stories260K.bin"));
  // Header (28 bytes), embedding 512x64, rms_att 5x64, then wq of 5 layers of 64x64: layer 2, element 9.
  const size_t offset = 28 + 4 * (512 * 64 + 5 * 64 + 2 * 64 * 64 + 9);
  const float inf = std::numeric_limits<float>::infinity();
  std::memcpy(bytes.data() + offset, &inf, 4);
  const std::string path = MakeTempDir("inf") + "/stories260K.bin";
  WriteFile(path, bytes);
  absl::StatusOr<ModelWeights> w = LoadModelWeights(path);
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(std::string(w.status().message()), HasSubstr("tensor 'wq[layer 2]' holds a NaN or infinity (element 9"));
}

TEST(WeightCheckTest, GenerateExitsWithBadInputOnNanWeights) {
  const testing::CommandResult r =
      testing::RunDoomscope(absl::StrCat("generate --model ", SynthWithNan("blk.4.ffn_up.weight"),
                                         " --prompt hello --max_new_tokens 4"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("blk.4.ffn_up.weight"));
}

}  // namespace
}  // namespace doomscope::engine
