// Sampler: greedy ties, each filter's edge cases, the repetition penalty, and
// per-sequence RNG streams.
#include "engine/sampler.h"

#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace doomscope::engine {
namespace {

SamplingParams Temp(float t) {
  SamplingParams p;
  p.temperature = t;
  return p;
}

// Logits whose softmax is `probs` (at temperature 1).
std::vector<float> LogitsOf(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return l;
}

std::map<int32_t, int> Draw(const SamplingParams& p, const std::vector<float>& logits, int n, uint64_t id = 1) {
  Sampler s(p, id);
  std::map<int32_t, int> counts;
  for (int i = 0; i < n; ++i) {
    std::vector<float> l = logits;
    ++counts[s.Sample(l, {})];
  }
  return counts;
}

std::set<int32_t> Support(const std::map<int32_t, int>& counts) {
  std::set<int32_t> s;
  for (const auto& [t, c] : counts) s.insert(t);
  return s;
}

TEST(SamplerTest, GreedyTakesTheLowestIdAmongEqualMaxima) {
  Sampler s(Temp(0), 0);
  std::vector<float> l = {0.5f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(s.Sample(l, {}), 1);
  std::vector<float> nan_first = {NAN, 1.0f, 3.0f};
  EXPECT_EQ(s.Sample(nan_first, {}), 2);
  EXPECT_EQ(Argmax(std::vector<float>{NAN, NAN}), 0);
}

TEST(SamplerTest, TemperatureDrawsFollowTheSoftmax) {
  const std::vector<float> logits = LogitsOf({1.0 / 7, 2.0 / 7, 4.0 / 7});
  const int n = 20000;
  const std::map<int32_t, int> c = Draw(Temp(1.0f), logits, n);
  EXPECT_NEAR(c.at(0) / double(n), 1.0 / 7, 0.015);
  EXPECT_NEAR(c.at(1) / double(n), 2.0 / 7, 0.015);
  EXPECT_NEAR(c.at(2) / double(n), 4.0 / 7, 0.015);
  // A low temperature sharpens: p ~ exp(l / 0.25), so token 2 dominates.
  const std::map<int32_t, int> sharp = Draw(Temp(0.25f), logits, n);
  EXPECT_GT(sharp.at(2), n * 0.9);
}

TEST(SamplerTest, TopKKeepsOnlyTheKMostLikelyAndBreaksTiesById) {
  SamplingParams p = Temp(5.0f);
  p.top_k = 1;
  EXPECT_EQ(Support(Draw(p, {0.0f, 3.0f, 1.0f, 3.0f}, 500)), (std::set<int32_t>{1}));
  p.top_k = 2;
  EXPECT_EQ(Support(Draw(p, {0.0f, 3.0f, 1.0f, 2.0f}, 2000)), (std::set<int32_t>{1, 3}));
  p.top_k = 100;  // more than the vocabulary: no effect
  EXPECT_EQ(Support(Draw(p, {0.0f, 0.0f, 0.0f}, 2000)).size(), 3u);
}

TEST(SamplerTest, TopPKeepsTheSmallestSetReachingTheMass) {
  const std::vector<float> logits = LogitsOf({0.5, 0.3, 0.15, 0.05});
  SamplingParams p = Temp(1.0f);
  p.top_p = 0.7f;
  EXPECT_EQ(Support(Draw(p, logits, 3000)), (std::set<int32_t>{0, 1}));
  p.top_p = 0.5f;  // the top token alone reaches it
  EXPECT_EQ(Support(Draw(p, logits, 1000)), (std::set<int32_t>{0}));
  p.top_p = 0.9f;
  EXPECT_EQ(Support(Draw(p, logits, 5000)), (std::set<int32_t>{0, 1, 2}));
  // Kept tokens are renormalized: 0.5 / 0.8 of the draws for token 0.
  p.top_p = 0.7f;
  const std::map<int32_t, int> c = Draw(p, logits, 20000);
  EXPECT_NEAR(c.at(0) / 20000.0, 0.625, 0.015);
}

TEST(SamplerTest, TinyTopPOnAFlatDistributionStillReturnsAToken) {
  // Every token is below the (1 - p) / (n - 1) cutoff; the most likely must survive.
  SamplingParams p = Temp(1.0f);
  p.top_p = 0.01f;
  const std::vector<float> flat(1000, 0.0f);
  const std::map<int32_t, int> c = Draw(p, flat, 500);
  // 1% of the mass is 10 tokens of 0.1% each; among equals the lowest ids come first.
  EXPECT_EQ(Support(c), (std::set<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  const std::vector<float> two = {0.0f, 0.0f};
  EXPECT_EQ(Support(Draw(p, two, 50)), (std::set<int32_t>{0}));
}

TEST(SamplerTest, MinPDropsTokensBelowAFractionOfTheTop) {
  const std::vector<float> logits = LogitsOf({0.5, 0.3, 0.15, 0.05});
  SamplingParams p = Temp(1.0f);
  p.min_p = 0.5f;  // keep p >= 0.25
  EXPECT_EQ(Support(Draw(p, logits, 3000)), (std::set<int32_t>{0, 1}));
  p.min_p = 1.0f;
  EXPECT_EQ(Support(Draw(p, logits, 500)), (std::set<int32_t>{0}));
  p.min_p = 0.05f;  // keeps all (0.05 >= 0.025)
  EXPECT_EQ(Support(Draw(p, logits, 20000)).size(), 4u);
}

TEST(SamplerTest, FiltersCompose) {
  // top-k 3 then top-p 0.6 of the tempered distribution, then min-p.
  const std::vector<float> logits = LogitsOf({0.4, 0.3, 0.2, 0.1});
  SamplingParams p = Temp(1.0f);
  p.top_k = 3;
  p.top_p = 0.6f;
  EXPECT_EQ(Support(Draw(p, logits, 3000)), (std::set<int32_t>{0, 1}));
  p.min_p = 0.9f;  // after top-p: 0.3/0.4 = 0.75 < 0.9 drops token 1
  EXPECT_EQ(Support(Draw(p, logits, 1000)), (std::set<int32_t>{0}));
}

TEST(SamplerTest, NegativeInfinityIsNeverDrawn) {
  SamplingParams p = Temp(2.0f);
  EXPECT_EQ(Support(Draw(p, {-INFINITY, 0.0f, -INFINITY}, 200)), (std::set<int32_t>{1}));
  // All -inf: falls back to greedy instead of failing.
  EXPECT_EQ(Support(Draw(p, {-INFINITY, -INFINITY}, 10)), (std::set<int32_t>{0}));
}

TEST(SamplerTest, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplingParams p = Temp(0);
  p.repetition_penalty = 2.0f;
  Sampler s(p, 0);
  std::vector<float> l = {2.0f, -1.0f, 1.5f, 0.5f};
  const std::vector<int32_t> history = {0, 1, 0};
  EXPECT_EQ(s.Sample(l, history), 2);
  EXPECT_FLOAT_EQ(l[0], 1.0f);   // 2 / 2, once although it occurs twice
  EXPECT_FLOAT_EQ(l[1], -2.0f);  // -1 * 2
  EXPECT_FLOAT_EQ(l[2], 1.5f);
  EXPECT_FLOAT_EQ(l[3], 0.5f);
}

TEST(SamplerTest, RepetitionPenaltyLooksOnlyAtItsWindow) {
  SamplingParams p = Temp(0);
  p.repetition_penalty = 4.0f;
  p.repetition_last_n = 1;
  Sampler s(p, 0);
  std::vector<float> l = {2.0f, 1.9f};
  EXPECT_EQ(s.Sample(l, std::vector<int32_t>{0, 1}), 0);  // only token 1 (the last) is penalized
  p.repetition_last_n = 0;  // off
  Sampler off(p, 0);
  std::vector<float> l2 = {2.0f, 1.9f};
  EXPECT_EQ(off.Sample(l2, std::vector<int32_t>{0}), 0);
  EXPECT_FLOAT_EQ(l2[0], 2.0f);
  p.repetition_last_n = -1;  // the whole sequence
  Sampler all(p, 0);
  std::vector<float> l3 = {2.0f, 1.9f, 0.0f};
  EXPECT_EQ(all.Sample(l3, std::vector<int32_t>{0, 2, 2, 2, 2}), 1);
}

TEST(SamplerTest, EachSequenceHasItsOwnReproducibleStream) {
  const std::vector<float> logits(50, 0.0f);
  auto run = [&](uint64_t seed, uint64_t id) {
    SamplingParams p = Temp(1.0f);
    p.seed = seed;
    Sampler s(p, id);
    std::vector<int32_t> out;
    for (int i = 0; i < 32; ++i) {
      std::vector<float> l = logits;
      out.push_back(s.Sample(l, {}));
    }
    return out;
  };
  EXPECT_EQ(run(7, 3), run(7, 3));
  EXPECT_NE(run(7, 3), run(7, 4));
  EXPECT_NE(run(7, 3), run(8, 3));
  EXPECT_NE(SequenceSeed(1, 0), SequenceSeed(0, 1));
}

TEST(SamplerTest, RngUniformIsInUnitInterval) {
  Rng rng(42);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = rng.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

TEST(SamplerTest, ValidationRejectsOutOfRangeParameters) {
  EXPECT_TRUE(ValidateSamplingParams(SamplingParams{}).ok());
  SamplingParams p;
  p.temperature = -1;
  EXPECT_FALSE(ValidateSamplingParams(p).ok());
  p = {};
  p.temperature = INFINITY;
  EXPECT_FALSE(ValidateSamplingParams(p).ok());
  p = {};
  p.top_p = 0;
  EXPECT_FALSE(ValidateSamplingParams(p).ok());
  p = {};
  p.top_p = 1.5f;
  EXPECT_FALSE(ValidateSamplingParams(p).ok());
  p = {};
  p.min_p = -0.1f;
  EXPECT_FALSE(ValidateSamplingParams(p).ok());
  p = {};
  p.repetition_penalty = 0;
  EXPECT_FALSE(ValidateSamplingParams(p).ok());
  p = {};
  p.top_k = -1;
  EXPECT_FALSE(ValidateSamplingParams(p).ok());
  p = {};
  p.repetition_last_n = -2;
  EXPECT_FALSE(ValidateSamplingParams(p).ok());
}

}  // namespace
}  // namespace doomscope::engine
