// The forward pass on stories260K: shape validation, and the invariants
// batching relies on, bit for bit: a prompt run as one matrix step equals the
// same tokens run one at a time; two sequences in one step equal each alone;
// one thread equals two. And the cost figures bench reports. (Every weight
// type against the scalar reference, and the other architectures:
// architectures_test.cc.)
#include "engine/forward.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/model_loader.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using testing::SharedPath;

const ModelWeights& Stories() {
  static const ModelWeights* w = [] {
    absl::StatusOr<ModelWeights> m = LoadModelWeights(SharedPath("models/stories260K/stories260K.bin"));
    EXPECT_TRUE(m.ok()) << m.status();
    return new ModelWeights(*std::move(m));
  }();
  return *w;
}

const std::vector<int32_t> kTokens = {1, 403, 407, 261, 378, 11, 300, 290, 412, 270, 265, 301, 500, 44, 3, 259};

std::unique_ptr<Transformer> Make(const ModelWeights& w, Isa isa) {
  absl::StatusOr<std::unique_ptr<Transformer>> t = Transformer::Create(w, isa);
  EXPECT_TRUE(t.ok()) << t.status();
  return *std::move(t);
}

// Logits of every position of `tokens`, as one step (all rows at once) or one step per token.
std::vector<float> RunSequence(Transformer& t, const std::vector<int32_t>& tokens, bool one_step, int threads,
                               int slot = 0, KvCache* shared_cache = nullptr) {
  const int vocab = t.config().vocab_size;
  KvCache own(t.config(), 2);
  KvCache& cache = shared_cache ? *shared_cache : own;
  EXPECT_TRUE(cache.Reserve(slot, static_cast<int>(tokens.size())).ok());
  std::vector<float> logits(tokens.size() * vocab);
  if (one_step) {
    std::vector<StepRow> rows;
    for (size_t p = 0; p < tokens.size(); ++p) rows.push_back(StepRow{slot, static_cast<int>(p), tokens[p], true});
    t.Step(rows, cache, logits.data(), threads);
  } else {
    for (size_t p = 0; p < tokens.size(); ++p) {
      const StepRow row{slot, static_cast<int>(p), tokens[p], true};
      t.Step(std::span<const StepRow>(&row, 1), cache, logits.data() + p * vocab, threads);
    }
  }
  return logits;
}

void ExpectSameBits(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::memcmp(&a[i], &b[i], 4), 0) << what << ": element " << i << ": " << a[i] << " vs " << b[i];
  }
}

class ForwardIsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!IsaSupported(GetParam())) GTEST_SKIP() << IsaName(GetParam()) << " is not available on this CPU";
  }
};

TEST_P(ForwardIsaTest, PrefillAsOneStepEqualsTokenByToken) {
  auto t = Make(Stories(), GetParam());
  ExpectSameBits(RunSequence(*t, kTokens, true, 1), RunSequence(*t, kTokens, false, 1), "one step vs per token");
}

TEST_P(ForwardIsaTest, OneThreadEqualsTwo) {
  auto t = Make(Stories(), GetParam());
  // 64 rows: enough work that the step really runs on two threads.
  std::vector<int32_t> long_tokens;
  for (int i = 0; i < 64; ++i) long_tokens.push_back(kTokens[i % kTokens.size()] + i % 3);
  ExpectSameBits(RunSequence(*t, long_tokens, true, 1), RunSequence(*t, long_tokens, true, 2), "threads");
}

TEST_P(ForwardIsaTest, TwoSequencesInOneStepEqualEachAlone) {
  auto t = Make(Stories(), GetParam());
  const int vocab = t->config().vocab_size;
  const std::vector<int32_t> a(kTokens.begin(), kTokens.begin() + 9);
  const std::vector<int32_t> b = {1, 300, 301, 302, 303};
  KvCache cache(t->config(), 2);
  ASSERT_TRUE(cache.Reserve(0, 16).ok());
  ASSERT_TRUE(cache.Reserve(1, 16).ok());
  // Step 1: all of a's prompt and b's first 3 tokens; step 2: b's last 2.
  std::vector<StepRow> rows;
  for (int p = 0; p < 9; ++p) rows.push_back(StepRow{0, p, a[p], p == 8});
  for (int p = 0; p < 3; ++p) rows.push_back(StepRow{1, p, b[p], p == 2});
  std::vector<float> logits(2 * vocab);
  t->Step(rows, cache, logits.data(), 2);
  std::vector<StepRow> rows2 = {StepRow{1, 3, b[3], false}, StepRow{1, 4, b[4], true}};
  std::vector<float> logits2(vocab);
  t->Step(rows2, cache, logits2.data(), 2);
  const std::vector<float> alone_a = RunSequence(*t, a, true, 1);
  const std::vector<float> alone_b = RunSequence(*t, b, false, 1);
  ExpectSameBits(std::vector<float>(logits.begin(), logits.begin() + vocab),
                 std::vector<float>(alone_a.end() - vocab, alone_a.end()), "a");
  ExpectSameBits(std::vector<float>(logits.begin() + vocab, logits.end()),
                 std::vector<float>(alone_b.begin() + 2 * vocab, alone_b.begin() + 3 * vocab), "b at 2");
  ExpectSameBits(logits2, std::vector<float>(alone_b.end() - vocab, alone_b.end()), "b at 4");
}

INSTANTIATE_TEST_SUITE_P(AllIsas, ForwardIsaTest, ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& info) { return std::string(IsaName(info.param)); });

TEST(ForwardTest, CreateRejectsInconsistentWeights) {
  ModelWeights w = Stories();
  w.layers[2].wq.rows = 63;
  absl::StatusOr<std::unique_ptr<Transformer>> t = Transformer::Create(w, Isa::kScalar);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(std::string(t.status().message()).find("layer 2 wq: shape [63][64], expected [64][64]"),
            std::string::npos)
      << t.status();

  w = Stories();
  w.layers[0].w_up.dtype = DType::kQ8_0;
  w.layers[0].w_down.dtype = DType::kQ8_0;  // 172 columns
  t = Transformer::Create(w, Isa::kScalar);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(std::string(t.status().message()).find("w_down: Q8_0 rows of 172 values"), std::string::npos)
      << t.status();

  w = Stories();
  w.config.n_kv_heads = 3;
  EXPECT_FALSE(Transformer::Create(w, Isa::kScalar).ok());
  w = Stories();
  w.layers.pop_back();
  EXPECT_FALSE(Transformer::Create(w, Isa::kScalar).ok());
  w = Stories();
  w.final_norm.data = nullptr;
  t = Transformer::Create(w, Isa::kScalar);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(std::string(t.status().message()).find("final_norm: missing"), std::string::npos);
  w = Stories();
  w.config.head_dim = 0;
  EXPECT_FALSE(Transformer::Create(w, Isa::kScalar).ok());
}

TEST(ForwardTest, CostFiguresOfStories260K) {
  auto t = Make(Stories(), Isa::kScalar);
  // Per layer: wq 64x64, wk and wv 32x64, wo 64x64, three FFN matrices 172x64.
  EXPECT_EQ(t->LayerMatrixMacsPerToken(), 5 * (4096 + 2048 + 2048 + 4096 + 3 * 11008));
  EXPECT_EQ(t->ClassifierMacsPerToken(), 512 * 64);
  EXPECT_EQ(t->MatrixBytes(), 4u * (5 * 45312 + 32768));
  EXPECT_EQ(t->AttentionMacs(9), 2 * 10 * 64 * 5);
}

}  // namespace
}  // namespace doomscope::engine
