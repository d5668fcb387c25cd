// D2: the anchored run finder reports exactly what the bounded-period sweep does.
#include "detectors/internal_runs.h"

#include <ostream>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace doomscope {

void PrintTo(const RepeatRun& r, std::ostream* os) {
  *os << "[" << r.start << "," << r.end << ") p=" << r.period;
}

namespace {

std::vector<int32_t> RandomWithRuns(std::mt19937& rng, int sigma, int pieces) {
  std::vector<int32_t> x;
  for (int k = 0; k < pieces; ++k) {
    const int noise = static_cast<int>(rng() % 40);
    for (int i = 0; i < noise; ++i) x.push_back(static_cast<int32_t>(rng() % static_cast<uint32_t>(sigma)));
    if (rng() % 3 == 0) continue;
    const int m = 1 + static_cast<int>(rng() % 25);
    std::vector<int32_t> unit(static_cast<size_t>(m));
    for (auto& v : unit) v = static_cast<int32_t>(rng() % static_cast<uint32_t>(sigma));
    const int copies = 1 + static_cast<int>(rng() % 10);
    for (int c = 0; c < copies; ++c) x.insert(x.end(), unit.begin(), unit.end());
    x.insert(x.end(), unit.begin(), unit.begin() + static_cast<int>(rng() % static_cast<uint32_t>(m)));
  }
  return x;
}

TEST(InternalRunsTest, MatchesTheSweepOnRandomSequences) {
  std::mt19937 rng(3);
  std::vector<RepeatRun> fast, ref;
  int with_runs = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const std::vector<int32_t> x = RandomWithRuns(rng, 2 + static_cast<int>(rng() % 5), 1 + static_cast<int>(rng() % 8));
    RunParams p;
    p.k_min = 2 + static_cast<int>(rng() % 3);
    p.l_min = 2 + static_cast<int64_t>(rng() % 40);
    p.p_max = 1 + static_cast<int64_t>(rng() % 50);
    FindRuns(x, p, &fast);
    FindRunsReference(x, p, &ref);
    with_runs += !ref.empty();
    ASSERT_EQ(fast, ref) << "trial " << trial << " k=" << p.k_min << " L=" << p.l_min << " P=" << p.p_max;
  }
  EXPECT_GT(with_runs, 1000);  // the comparison is not vacuous
}

TEST(InternalRunsTest, LongPeriodOneRegionIsOneRun) {
  std::vector<int32_t> x;
  for (int i = 0; i < 50; ++i) x.push_back(1000 + i);
  x.insert(x.end(), 5000, 7);
  for (int i = 0; i < 50; ++i) x.push_back(2000 + i);
  std::vector<RepeatRun> runs;
  FindRuns(x, RunParams{}, &runs);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].start, 50);
  EXPECT_EQ(runs[0].end, 5050);
  EXPECT_EQ(runs[0].period, 1);
  EXPECT_DOUBLE_EQ(runs[0].exponent, 5000.0);
}

TEST(InternalRunsTest, FindsAShortRunInsideAParagraphLoop) {
  // A 300-unit paragraph containing "ha" x 40 (80 units), repeated 4 times.
  std::vector<int32_t> para;
  for (int i = 0; i < 100; ++i) para.push_back(100 + i);
  for (int i = 0; i < 40; ++i) {
    para.push_back(1);
    para.push_back(2);
  }
  for (int i = 0; i < 120; ++i) para.push_back(300 + i);
  std::vector<int32_t> x;
  for (int c = 0; c < 4; ++c) x.insert(x.end(), para.begin(), para.end());
  std::vector<RepeatRun> fast, ref;
  FindRuns(x, RunParams{}, &fast);
  FindRunsReference(x, RunParams{}, &ref);
  EXPECT_EQ(fast, ref);
  int ha = 0, paragraph = 0;
  for (const RepeatRun& r : fast) {
    ha += r.period == 2;
    paragraph += r.period == 300;
  }
  EXPECT_EQ(ha, 4);
  EXPECT_EQ(paragraph, 1);
}

TEST(InternalRunsTest, PrimitivityCheck) {
  const std::vector<int32_t> abab = {1, 2, 1, 2}, aba = {1, 2, 1}, a = {1};
  EXPECT_FALSE(IsPrimitive(abab));
  EXPECT_TRUE(IsPrimitive(aba));
  EXPECT_TRUE(IsPrimitive(a));
}

}  // namespace
}  // namespace doomscope
