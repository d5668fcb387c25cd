// D1 from raw text (window + counted prefix) agrees with normalizing
// everything and running FindTailPeriodUtf8.
#include "detectors/tail_period_text.h"

#include <random>
#include <string>

#include "detectors/normalize.h"
#include "gtest/gtest.h"

namespace doomscope {
namespace {

TextTailPeriod Reference(const std::string& raw, const TailParams& p) {
  NormalizedText n;
  NormalizeText(raw, 128, &n);
  TextTailPeriod r;
  r.tail = FindTailPeriodUtf8(n.utf8, n.code_points, n.ascii, p);
  if (r.tail.found) r.unit = n.utf8.substr(static_cast<size_t>(r.tail.unit_begin),
                                           static_cast<size_t>(r.tail.unit_end - r.tail.unit_begin));
  return r;
}

std::string RandomText(std::mt19937& rng, size_t size, const std::vector<std::string>& pieces) {
  std::string s;
  while (s.size() < size) s += pieces[rng() % pieces.size()];
  return s;
}

TEST(TailPeriodTextTest, AgreesWithFullNormalization) {
  std::mt19937 rng(8);
  const std::vector<std::string> words = {"ab", "ba", "a", " ", "  ", "\n", "\n\n", "é", "x.", "\t", "ab ", "b "};
  int periodic = 0, long_loops = 0;
  for (int trial = 0; trial < 600; ++trial) {
    std::string raw = RandomText(rng, 200 + rng() % 3000, words);
    if (rng() % 4 != 0) {
      std::string unit = RandomText(rng, 1 + rng() % 30, {"ab", "a", " ", "b", "c.", "\n"});
      const int copies = 1 + static_cast<int>(rng() % 400);
      for (int c = 0; c < copies; ++c) raw += unit;
      raw += unit.substr(0, rng() % unit.size());
      long_loops += copies * unit.size() > 1000;
      if (rng() % 3 == 0) raw += RandomText(rng, rng() % 40, words);  // an escaped loop
    }
    TailParams p;
    p.k_min = 3;
    p.l_min = 1 + static_cast<int64_t>(rng() % 200);
    p.p_max = 1 + static_cast<int64_t>(rng() % 64);
    p.min_coverage = (rng() % 5) * 0.1;
    if (rng() % 3 == 0) p.projected_total = static_cast<int64_t>(raw.size() + rng() % 5000);
    const TextTailPeriod want = Reference(raw, p);
    const TextTailPeriod got = FindTailPeriodInText(raw, 128, p, 256 + rng() % 512, 64 + rng() % 512);
    ASSERT_EQ(got.tail.periodic, want.tail.periodic) << trial;
    ASSERT_EQ(got.tail.found, want.tail.found) << trial;
    ASSERT_EQ(got.tail.n, want.tail.n) << trial;
    ASSERT_EQ(got.tail.period, want.tail.period) << trial;
    ASSERT_EQ(got.tail.covered, want.tail.covered) << trial;
    ASSERT_EQ(got.tail.onset, want.tail.onset) << trial;
    ASSERT_EQ(got.tail.full_copies, want.tail.full_copies) << trial;
    ASSERT_EQ(got.tail.partial_last_copy, want.tail.partial_last_copy) << trial;
    ASSERT_DOUBLE_EQ(got.tail.coverage_projected, want.tail.coverage_projected) << trial;
    ASSERT_EQ(got.unit, want.unit) << trial;
    periodic += want.tail.periodic;
  }
  EXPECT_GT(periodic, 150);
  EXPECT_GT(long_loops, 100);  // loops longer than the window, resolved by the prefix pass
}

TEST(TailPeriodTextTest, LongLoopAtDefaultSizes) {
  std::string raw;
  for (int i = 0; i < 20000; ++i) raw += "word" + std::to_string(i) + " ";
  const std::string unit = " Let me re-check that step once more, carefully.";
  while (raw.size() < 600000) raw += unit;
  TailParams p;
  p.l_min = 128;
  p.p_max = 8192;
  const TextTailPeriod want = Reference(raw, p);
  const TextTailPeriod got = FindTailPeriodInText(raw, 128, p);
  ASSERT_TRUE(want.tail.periodic);
  EXPECT_EQ(got.tail.period, static_cast<int64_t>(unit.size()));
  EXPECT_EQ(got.tail.covered, want.tail.covered);
  EXPECT_EQ(got.tail.onset, want.tail.onset);
  EXPECT_EQ(got.unit, want.unit);
}

}  // namespace
}  // namespace doomscope
