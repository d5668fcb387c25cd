// Wilson score intervals against published/hand-computed values.
#include "results/stats/wilson.h"

#include <vector>

#include "gtest/gtest.h"

namespace doomscope {
namespace {

TEST(WilsonTest, KnownValues) {
  struct Case {
    int k, n;
    double lo, hi;
  };
  // Reference: p~ +- z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n), z = 1.959964.
  for (const Case& c : std::vector<Case>{{0, 10, 0.0, 0.2775327999},
                                         {1, 10, 0.0178762131, 0.4041500268},
                                         {5, 10, 0.2365930905, 0.7634069095},
                                         {9, 10, 0.5958499732, 0.9821237869},
                                         {10, 10, 0.7224672001, 1.0},
                                         {50, 100, 0.4038315304, 0.5961684696},
                                         {3, 1000, 0.0010207839, 0.0087830141},
                                         {1, 1, 0.2065493144, 1.0}}) {
    const Interval r = WilsonInterval(c.k, c.n);
    EXPECT_NEAR(r.lo, c.lo, 1e-9) << c.k << "/" << c.n;
    EXPECT_NEAR(r.hi, c.hi, 1e-9) << c.k << "/" << c.n;
  }
}

TEST(WilsonTest, NoSamplesIsTheWholeRange) {
  const Interval r = WilsonInterval(0, 0);
  EXPECT_EQ(r.lo, 0.0);
  EXPECT_EQ(r.hi, 1.0);
}

TEST(WilsonTest, ClusteredWithOneRolloutPerPromptIsPlainWilson) {
  std::vector<ClusterCount> clusters;
  for (int i = 0; i < 20; ++i) clusters.push_back({i < 6 ? 1 : 0, 1});
  const Interval c = ClusteredWilsonInterval(clusters), w = WilsonInterval(6, 20);
  EXPECT_NEAR(c.lo, w.lo, 1e-12);
  EXPECT_NEAR(c.hi, w.hi, 1e-12);
}

TEST(WilsonTest, ClusteredWidensWhenPromptsAgreeWithThemselves) {
  // 10 prompts x 4 rollouts; 3 prompts always loop, 7 never: the information
  // is that of 10 observations, not 40.
  std::vector<ClusterCount> clusters;
  for (int i = 0; i < 10; ++i) clusters.push_back({i < 3 ? 4 : 0, 4});
  const Interval c = ClusteredWilsonInterval(clusters);
  const Interval ten = WilsonInterval(3, 10);
  EXPECT_NEAR(c.lo, ten.lo, 1e-9);
  EXPECT_NEAR(c.hi, ten.hi, 1e-9);
  const Interval naive = WilsonInterval(12, 40);
  EXPECT_GT(c.hi - c.lo, naive.hi - naive.lo);
}

TEST(WilsonTest, ClusteredAllZeroUsesOneObservationPerCluster) {
  std::vector<ClusterCount> clusters(5, ClusterCount{0, 8});
  const Interval c = ClusteredWilsonInterval(clusters);
  EXPECT_NEAR(c.hi, WilsonInterval(0, 5).hi, 1e-12);
}

}  // namespace
}  // namespace doomscope
