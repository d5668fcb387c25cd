#include "results/stats/stats.h"

#include <vector>

#include "gtest/gtest.h"

namespace doomscope::results {
namespace {

TEST(McNemarTest, ExactTwoSidedValues) {
  EXPECT_DOUBLE_EQ(McNemarExactP(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(McNemarExactP(3, 3), 1.0);
  EXPECT_NEAR(McNemarExactP(5, 0), 0.0625, 1e-12);
  EXPECT_NEAR(McNemarExactP(0, 6), 0.03125, 1e-12);
  EXPECT_NEAR(McNemarExactP(10, 2), 2.0 * 79.0 / 4096.0, 1e-12);  // (1 + 12 + 66) / 2^12
  EXPECT_NEAR(McNemarExactP(1, 3), 0.625, 1e-12);                  // 2 * (1 + 4) / 16
  EXPECT_DOUBLE_EQ(McNemarExactP(1000, 1000), 1.0);
  // Large n stays finite and symmetric.
  const double p = McNemarExactP(5200, 4800);
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 1e-4);
  EXPECT_DOUBLE_EQ(p, McNemarExactP(4800, 5200));
}

TEST(McNemarTest, MinimumReachableP) {
  EXPECT_DOUBLE_EQ(McNemarMinP(0), 1.0);
  EXPECT_DOUBLE_EQ(McNemarMinP(1), 1.0);
  EXPECT_DOUBLE_EQ(McNemarMinP(5), 0.0625);
  EXPECT_DOUBLE_EQ(McNemarMinP(6), 0.03125);
  EXPECT_DOUBLE_EQ(McNemarMinP(6), McNemarExactP(6, 0));
}

TEST(RatioIntervalTest, OneRolloutPerPromptIsWilson) {
  std::vector<ClusterCount> clusters(10, ClusterCount{0, 1});
  for (int i = 0; i < 4; ++i) clusters[i].successes = 1;
  const Interval ci = RatioInterval(clusters);
  EXPECT_NEAR(ci.lo, 0.16818032970623614, 1e-12);
  EXPECT_NEAR(ci.hi, 0.6873262302663417, 1e-12);
}

TEST(RatioIntervalTest, CorrelatedRolloutsWidenTheInterval) {
  // 5 prompts x 2 rollouts, loops [2, 2, 0, 0, 1]: design effect 2, effective n 5.
  const std::vector<ClusterCount> clusters = {{2, 2}, {2, 2}, {0, 2}, {0, 2}, {1, 2}};
  const Interval ci = RatioInterval(clusters);
  EXPECT_NEAR(ci.lo, 0.17042358064358776, 1e-12);
  EXPECT_NEAR(ci.hi, 0.8295764193564122, 1e-12);
  const Interval plain = WilsonInterval(5, 10);
  EXPECT_NEAR(plain.lo, 0.236593090512564, 1e-12);
  EXPECT_LT(ci.lo, plain.lo);
}

}  // namespace
}  // namespace doomscope::results
