// D3 metrics against hand-computed values and the reference implementations'
// documented behaviour (adversarial cases 29-33).
#include "detectors/ngram_stats.h"

#include <random>
#include <vector>

#include "detectors/analyze.h"
#include "detectors/normalize.h"
#include "gtest/gtest.h"

namespace doomscope {
namespace {

NgramStats Stats(const std::vector<int32_t>& x, bool simctg = false) {
  ResolvedConfig::Ngram p;
  p.simctg_variant = simctg;
  NgramStats s;
  ComputeNgramStats(x, p, 0, &s);
  return s;
}

// Case 29: Welleck's per-sequence seq-rep-4, by hand.
TEST(NgramStatsTest, Case29WelleckSeqRep4) {
  // 4-grams: 1234 2341 3412 4123 1234 2345 -> 6 total, 5 distinct.
  const NgramStats s = Stats({1, 2, 3, 4, 1, 2, 3, 4, 5});
  EXPECT_EQ(s.total[3], 6);
  EXPECT_EQ(s.unique[3], 5);
  EXPECT_DOUBLE_EQ(s.seq_rep[3], 1.0 - 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(s.distinct[3], 5.0 / 6.0);
  // Unigrams: 9 total, 5 distinct.
  EXPECT_DOUBLE_EQ(s.seq_rep[0], 1.0 - 5.0 / 9.0);
  EXPECT_EQ(s.uniq_units, 5);
}

// Case 30: SimCTG's rep-n (eval_text skips the last n-gram; pooled sums).
TEST(NgramStatsTest, Case30SimctgPooledRepN) {
  // SimCTG on ["a b c a b c a", "x y x y"], n = 2:
  //   text 1: range(7-2) -> ab bc ca ab bc: 3 unique / 5
  //   text 2: range(4-2) -> xy yx: 2 unique / 2
  //   rep-2 = 1 - (3+2)/(5+2) = 2/7.
  const DetectorConfig config = [] {
    DetectorConfig c;
    c.mutable_ngram()->set_simctg_variant(true);
    return c;
  }();
  SampleText a, b;
  a.text = "a b c a b c a";
  b.text = "x y x y";
  a.finish_reason = b.finish_reason = STOP;
  const DetectorFindings fa = AnalyzeSample(a, config), fb = AnalyzeSample(b, config);
  EXPECT_EQ(fa.ngram().unique_n(1), 3);
  EXPECT_EQ(fa.ngram().total_n(1), 5);
  EXPECT_EQ(fb.ngram().unique_n(1), 2);
  EXPECT_EQ(fb.ngram().total_n(1), 2);
  EXPECT_DOUBLE_EQ(PooledSeqRep({&fa.ngram(), &fb.ngram()}, 2), 2.0 / 7.0);
  // rep-3: text 1 abc bca cab abc (3/4), text 2 xyx (1/1) -> 1 - 4/5.
  EXPECT_DOUBLE_EQ(PooledSeqRep({&fa.ngram(), &fb.ngram()}, 3), 1.0 - 4.0 / 5.0);
  // Without the flag, Welleck counts every n-gram: 6 bigrams in text 1.
  const DetectorFindings welleck = AnalyzeSample(a, DetectorConfig());
  EXPECT_EQ(welleck.ngram().total_n(1), 6);
}

// Case 31: TRL's docstring example.
TEST(NgramStatsTest, Case31TrlDocstringExample) {
  EXPECT_DOUBLE_EQ(TrlPenalty(std::vector<int32_t>{5, 5, 5, 5, 5}, 2), -0.75);
  EXPECT_DOUBLE_EQ(TrlPenalty(std::vector<int32_t>{5}, 2), 0.0);
}

// Case 32: open-r1 on an empty string and on fewer than n words.
TEST(NgramStatsTest, Case32OpenR1EdgeCases) {
  std::vector<int32_t> words;
  WordIds("", true, &words);
  EXPECT_DOUBLE_EQ(OpenR1Penalty(words, 3), 0.0);
  WordIds("just two", true, &words);
  EXPECT_DOUBLE_EQ(OpenR1Penalty(words, 3), 0.0);
  // "The cat the CAT the cat": lowered, 4 trigrams, 2 distinct -> -0.5.
  WordIds("The cat the CAT the cat", true, &words);
  EXPECT_DOUBLE_EQ(OpenR1Penalty(words, 3), -0.5);
  // Through AnalyzeSample (max_penalty -1).
  SampleText s;
  s.text = "";
  EXPECT_DOUBLE_EQ(AnalyzeSample(s, DetectorConfig()).rl().rep_openr1_w3(), 0.0);
  s.text = "one two";
  EXPECT_DOUBLE_EQ(AnalyzeSample(s, DetectorConfig()).rl().rep_openr1_w3(), 0.0);
}

// Case 33: the dense 40-gram penalty on a pure loop.
TEST(NgramStatsTest, Case33DensePenaltyOnlyStart) {
  std::vector<int32_t> loop;
  for (int i = 0; i < 200; ++i) loop.push_back(10 + i % 5);
  // Every 40-gram from start 5 on was seen 5 earlier: units [5, 200) marked.
  EXPECT_DOUBLE_EQ(DenseRepetitionFraction(loop, 40, false), 195.0 / 200.0);
  // only_start: consecutive repeated n-grams never start past the previous
  // one's end, so only the first repeated n-gram's 40 units are marked.
  EXPECT_DOUBLE_EQ(DenseRepetitionFraction(loop, 40, true), 40.0 / 200.0);
  std::vector<int32_t> fresh(200);
  for (int i = 0; i < 200; ++i) fresh[static_cast<size_t>(i)] = i;
  EXPECT_DOUBLE_EQ(DenseRepetitionFraction(fresh, 40, false), 0.0);
}

TEST(NgramStatsTest, PipisFirstFire) {
  std::vector<int32_t> x;
  for (int i = 0; i < 10; ++i) x.push_back(1000 + i);
  for (int i = 0; i < 300; ++i) x.push_back(i % 5);
  // The 30-gram starting at 10 recurs every 5: its 20th copy starts at
  // 10 + 95, so the test fires on the prefix of 10 + 95 + 30 units.
  const NgramStats s = Stats(x);
  EXPECT_TRUE(s.pipis_loop);
  EXPECT_EQ(s.pipis_first_fire, 135);
  std::vector<int32_t> short_loop(x.begin(), x.begin() + 134);
  EXPECT_FALSE(Stats(short_loop).pipis_loop);
}

TEST(NgramStatsTest, LongestRepeatedSubstringMatchesBruteForce) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<int32_t> x(static_cast<size_t>(rng() % 60));
    for (auto& v : x) v = static_cast<int32_t>(rng() % 3);
    int64_t want = 0;
    const int64_t n = static_cast<int64_t>(x.size());
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = i + 1; j < n; ++j) {
        int64_t k = 0;
        while (j + k < n && x[static_cast<size_t>(i + k)] == x[static_cast<size_t>(j + k)]) ++k;
        want = std::max(want, k);
      }
    }
    ASSERT_EQ(LongestRepeatedSubstring(x), want) << trial;
    ASSERT_EQ(LongestRepeatedSubstring(x, want), want) << trial;
  }
}

TEST(NgramStatsTest, WordsSplitOnNormalizedWhitespace) {
  std::vector<int32_t> ids;
  WordIds("a b\n\na b", false, &ids);
  EXPECT_EQ(ids, (std::vector<int32_t>{0, 1, 0, 1}));
  WordIds("A a", true, &ids);
  EXPECT_EQ(ids, (std::vector<int32_t>{0, 0}));
}

TEST(NgramStatsTest, EmptyInput) {
  const NgramStats s = Stats({});
  EXPECT_EQ(s.total[0], 0);
  EXPECT_DOUBLE_EQ(s.seq_rep[0], 0.0);
  EXPECT_FALSE(s.pipis_loop);
  EXPECT_DOUBLE_EQ(s.lrs_frac, 0.0);
}

}  // namespace
}  // namespace doomscope
