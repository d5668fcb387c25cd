// D1 offline: the Z-function, the tail period against brute force, and the
// UTF-8 (code point) variant.
#include "detectors/tail_period.h"

#include <random>
#include <string>
#include <vector>

#include "detectors/normalize.h"
#include "detectors/z_function.h"
#include "gtest/gtest.h"

namespace doomscope {
namespace {

// ell_p by definition: the longest tail with period p.
int64_t BruteEll(const std::vector<int32_t>& x, int64_t p) {
  const int64_t n = static_cast<int64_t>(x.size());
  int64_t ell = std::min(n, p);
  while (ell < n && x[n - 1 - ell] == x[n - 1 - ell + p]) ++ell;
  return ell;
}

TailPeriod Brute(const std::vector<int32_t>& x, const TailParams& params) {
  TailPeriod best;
  const int64_t n = static_cast<int64_t>(x.size());
  for (int64_t p = 1; p <= params.p_max && p <= n; ++p) {
    const int64_t ell = BruteEll(x, p);
    if (ell / p < params.k_min || ell < params.l_min) continue;
    const double cov = static_cast<double>(ell) / static_cast<double>(n);
    if (!best.found) {
      best.found = true;
      best.period = p;
      best.covered = ell;
    }
    if (cov >= params.min_coverage) {
      best.periodic = true;
      best.period = p;
      best.covered = ell;
      return best;
    }
  }
  return best;
}

TEST(ZFunctionTest, MatchesBruteForceOnRandomStrings) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 500; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 300);
    const int sigma = 1 + static_cast<int>(rng() % 3);
    std::vector<int32_t> x(static_cast<size_t>(n));
    for (auto& v : x) v = static_cast<int32_t>(rng() % static_cast<uint32_t>(sigma));
    std::vector<int32_t> z(static_cast<size_t>(n));
    ReverseZ(x.data(), static_cast<size_t>(n), static_cast<size_t>(n), z.data());
    for (int i = 1; i < n; ++i) {
      ASSERT_EQ(i + z[static_cast<size_t>(i)], BruteEll(x, i)) << "trial " << trial << " i " << i;
    }
  }
}

TEST(ZFunctionTest, CommonSuffixBytesFindsTheFirstDifferenceFromTheEnd) {
  std::string a(100, 'x'), b(100, 'x');
  EXPECT_EQ(CommonSuffixBytes(reinterpret_cast<const uint8_t*>(a.data()) + 100,
                              reinterpret_cast<const uint8_t*>(b.data()) + 100, 100),
            100u);
  for (int pos : {99, 98, 70, 64, 63, 40, 33, 32, 31, 16, 15, 0}) {
    std::string c = b;
    c[static_cast<size_t>(pos)] = 'y';
    EXPECT_EQ(CommonSuffixBytes(reinterpret_cast<const uint8_t*>(a.data()) + 100,
                                reinterpret_cast<const uint8_t*>(c.data()) + 100, 100),
              static_cast<size_t>(99 - pos))
        << pos;
  }
}

TEST(TailPeriodTest, MatchesBruteForceOnRandomSequencesWithPlantedTails) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<int32_t> x;
    const int sigma = 2 + static_cast<int>(rng() % 4);
    const int prefix = static_cast<int>(rng() % 200);
    for (int i = 0; i < prefix; ++i) x.push_back(static_cast<int32_t>(rng() % static_cast<uint32_t>(sigma)));
    const int m = 1 + static_cast<int>(rng() % 20);
    std::vector<int32_t> unit(static_cast<size_t>(m));
    for (auto& v : unit) v = static_cast<int32_t>(rng() % static_cast<uint32_t>(sigma));
    const int copies = static_cast<int>(rng() % 12);
    for (int c = 0; c < copies; ++c) x.insert(x.end(), unit.begin(), unit.end());
    const int cut = static_cast<int>(rng() % static_cast<uint32_t>(m));
    x.insert(x.end(), unit.begin(), unit.begin() + cut);
    TailParams params;
    params.k_min = 2 + static_cast<int>(rng() % 3);
    params.l_min = 1 + static_cast<int64_t>(rng() % 40);
    params.p_max = 1 + static_cast<int64_t>(rng() % 60);
    params.min_coverage = (rng() % 5) * 0.1;
    const TailPeriod got = FindTailPeriod(x, params);
    const TailPeriod want = Brute(x, params);
    ASSERT_EQ(got.periodic, want.periodic) << trial;
    ASSERT_EQ(got.found, want.found) << trial;
    if (want.found) {
      ASSERT_EQ(got.period, want.period) << trial;
      ASSERT_EQ(got.covered, want.covered) << trial;
      ASSERT_EQ(got.onset, static_cast<int64_t>(x.size()) - want.covered);
      ASSERT_EQ(got.full_copies, want.covered / want.period);
      ASSERT_EQ(got.partial_last_copy, want.covered % want.period != 0);
    }
  }
}

TEST(TailPeriodTest, ReportsTheSmallestPrimitivePeriod) {
  std::vector<int32_t> x(100, 7);
  const TailPeriod t = FindTailPeriod(x, TailParams{});
  EXPECT_TRUE(t.periodic);
  EXPECT_EQ(t.period, 1);
  EXPECT_EQ(t.full_copies, 100);
  EXPECT_DOUBLE_EQ(t.coverage, 1.0);
}

TEST(TailPeriodTest, CoverageChoosesThePeriodThatCoversTheOutput) {
  // Each paragraph ends with 40 '=' (period 1 covers 40 units, 4% of the
  // output); the paragraph period covers it all.
  std::vector<int32_t> para;
  for (int i = 0; i < 60; ++i) para.push_back(100 + i);
  for (int i = 0; i < 40; ++i) para.push_back(1);
  std::vector<int32_t> x;
  for (int c = 0; c < 10; ++c) x.insert(x.end(), para.begin(), para.end());
  const TailPeriod t = FindTailPeriod(x, TailParams{});
  EXPECT_TRUE(t.periodic);
  EXPECT_EQ(t.period, 100);
}

TEST(TailPeriodTest, ProjectedCoverageForEarlyStoppedSamples) {
  std::vector<int32_t> x;
  for (int i = 0; i < 500; ++i) x.push_back(1000 + i);
  for (int c = 0; c < 10; ++c) {
    for (int i = 0; i < 10; ++i) x.push_back(i);
  }
  TailParams observed;
  EXPECT_FALSE(FindTailPeriod(x, observed).periodic);  // 100 / 600
  TailParams projected;
  projected.projected_total = 2000;  // (2000 - 500) / 2000 = 0.75
  const TailPeriod t = FindTailPeriod(x, projected);
  EXPECT_TRUE(t.periodic);
  EXPECT_DOUBLE_EQ(t.coverage_projected, 0.75);
  EXPECT_NEAR(t.coverage, 100.0 / 600.0, 1e-12);
}

TEST(TailPeriodTest, Utf8VariantCountsCodePoints) {
  std::string text = "序言。";
  for (int c = 0; c < 20; ++c) text += "我们再检查一遍。";  // 8 code points, 24 bytes
  NormalizedText n;
  NormalizeText(text, 128, &n);
  TailParams p;
  p.l_min = 128;
  p.p_max = 8192;
  const TailPeriod t = FindTailPeriodUtf8(n.utf8, n.code_points, n.ascii, p);
  EXPECT_TRUE(t.periodic);
  EXPECT_EQ(t.period, 8);
  EXPECT_EQ(t.covered, 161);  // the "。" before the first copy matches the unit's last
  EXPECT_EQ(t.full_copies, 20);
  EXPECT_EQ(t.n, n.code_points);
  EXPECT_EQ(std::string(n.utf8.substr(static_cast<size_t>(t.unit_begin),
                                      static_cast<size_t>(t.unit_end - t.unit_begin))),
            "。我们再检查一遍");
}

TEST(TailPeriodTest, Utf8VariantAgreesWithCodePointSequences) {
  // Random strings over a mixed alphabet: the byte-level search with
  // conversions equals the code point sequence analysis.
  const std::vector<std::string> alphabet = {"a", "b", "é", "中", "😀", " "};
  std::mt19937 rng(5);
  for (int trial = 0; trial < 1000; ++trial) {
    std::string s;
    const int len = static_cast<int>(rng() % 60);
    for (int i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    std::string unit;
    const int m = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < m; ++i) unit += alphabet[rng() % alphabet.size()];
    const int copies = static_cast<int>(rng() % 10);
    for (int c = 0; c < copies; ++c) s += unit;
    std::vector<int32_t> cps;
    DecodeUtf8(s, &cps);
    TailParams p;
    p.k_min = 3;
    p.l_min = 1 + static_cast<int64_t>(rng() % 12);
    p.p_max = 1 + static_cast<int64_t>(rng() % 10);
    p.min_coverage = (rng() % 4) * 0.1;
    bool ascii = true;
    for (char c : s) ascii &= static_cast<unsigned char>(c) < 0x80;
    const TailPeriod a = FindTailPeriodUtf8(s, static_cast<int64_t>(cps.size()), ascii, p);
    const TailPeriod b = FindTailPeriod(cps, p);
    ASSERT_EQ(a.periodic, b.periodic) << trial << " " << s;
    ASSERT_EQ(a.found, b.found) << trial << " " << s;
    ASSERT_EQ(a.period, b.period) << trial << " " << s;
    ASSERT_EQ(a.covered, b.covered) << trial << " " << s;
    ASSERT_EQ(a.full_copies, b.full_copies) << trial;
    if (a.found) {
      std::vector<int32_t> unit_cps;
      DecodeUtf8(std::string_view(s).substr(static_cast<size_t>(a.unit_begin),
                                            static_cast<size_t>(a.unit_end - a.unit_begin)),
                 &unit_cps);
      ASSERT_EQ(unit_cps, std::vector<int32_t>(cps.begin() + b.unit_begin, cps.begin() + b.unit_end)) << trial;
    }
  }
}

TEST(TailPeriodTest, EmptyAndShortInputs) {
  EXPECT_FALSE(FindTailPeriod({}, TailParams{}).found);
  const std::vector<int32_t> x = {1, 2, 1, 2, 1, 2};
  EXPECT_FALSE(FindTailPeriod(x, TailParams{}).found);  // 6 < l_min 32
  EXPECT_FALSE(FindTailPeriodUtf8("", 0, true, TailParams{}).found);
}

}  // namespace
}  // namespace doomscope
