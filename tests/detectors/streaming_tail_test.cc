// D1 streaming: exact agreement with a plain reference of the stop rule on
// >= 10,000 random sequences, and agreement with offline D1 on the stopped
// prefix.
//
// "Agrees" means, for every sequence fed token by token:
//   (1) the detector fires at exactly the first prefix t >= warm-up where the
//       rule holds: some p <= P_stream with ell_p >= max(k_stop p, L_stop f)
//       (f = 4 for whitespace/separator units) and projected coverage
//       (E - (t - ell_p)) / E >= min_coverage, computed by a scalar reference
//       with exact counters; and it reports that prefix's smallest such p, its
//       ell, onset and unit. It never fires when the rule never holds.
//   (2) offline D1 (FindTailPeriod) on the stopped prefix, with coverage
//       projected to E, is tail_periodic, and its period equals the streaming
//       period unless offline found a shorter one that the stricter streaming
//       thresholds reject (offline uses k_min 3 and L_min 32, streaming k_stop
//       4 and L_stop >= 64).
//   (3) every planted loop long enough to satisfy the rule before the end of
//       its sequence makes the detector fire (no later than that point).
#include "detectors/streaming_tail.h"

#include <random>
#include <vector>

#include "detectors/config_defaults.h"
#include "detectors/tail_period.h"
#include "detectors/unit_kind.h"
#include "gtest/gtest.h"

namespace doomscope {
namespace {

struct RefFire {
  bool fired = false;
  int64_t t = 0, period = 0, ell = 0;
};

// The rule, evaluated at every prefix with exact int counters.
RefFire ReferenceRule(const std::vector<int32_t>& x, const ResolvedConfig& c, int64_t max_new, int64_t budget,
                      bool code_points) {
  const int P = c.stream.p_stream;
  const int64_t L = StreamLStop(c.stream, max_new);
  std::vector<int64_t> run(static_cast<size_t>(P) + 1, 0);
  for (int64_t t = 1; t <= static_cast<int64_t>(x.size()); ++t) {
    const int64_t i = t - 1;
    for (int p = 1; p <= P; ++p) {
      run[static_cast<size_t>(p)] = (i - p >= 0 && x[static_cast<size_t>(i)] == x[static_cast<size_t>(i - p)])
                                        ? run[static_cast<size_t>(p)] + 1
                                        : 0;
    }
    if (t < c.stream.warmup_tokens) continue;
    for (int p = 1; p <= P; ++p) {
      const int64_t ell = run[static_cast<size_t>(p)] + p;
      if (ell > t || run[static_cast<size_t>(p)] == 0) continue;
      const int64_t onset = t - ell;
      const double cov = budget > 0 ? static_cast<double>(budget - onset) / static_cast<double>(budget)
                                    : static_cast<double>(ell) / static_cast<double>(t);
      if (cov < c.tail.min_coverage) continue;
      int64_t need = std::max<int64_t>(static_cast<int64_t>(c.stream.k_stop) * p, L);
      if (ell < need) continue;
      if (code_points) {
        std::vector<int32_t> unit(x.begin() + onset, x.begin() + onset + p);
        const UnitKind k = ClassifyUnit(unit);
        if (k == WHITESPACE || k == SEPARATOR) {
          need = std::max<int64_t>(static_cast<int64_t>(c.stream.k_stop) * p,
                                   static_cast<int64_t>(c.stream.whitespace_l_stop_factor) * L);
          if (ell < need) continue;
        }
      }
      return RefFire{true, t, p, ell};
    }
  }
  return RefFire{};
}

struct Alphabet {
  std::vector<int32_t> symbols;
};

std::vector<int32_t> Draw(std::mt19937& rng, const Alphabet& a, int n) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (auto& s : v) s = a.symbols[rng() % a.symbols.size()];
  return v;
}

// Two different token ids with the same fingerprint.
std::pair<int32_t, int32_t> CollidingPair(int32_t seed) {
  const int16_t target = StreamFingerprint(seed);
  for (int32_t b = seed + 1;; ++b) {
    if (StreamFingerprint(b) == target) return {seed, b};
  }
}

struct Trial {
  std::vector<int32_t> x;
  bool planted = false;
  int64_t loop_start = 0, unit_len = 0, loop_len = 0;
};

Trial MakeTrial(std::mt19937& rng, const Alphabet& alpha, int max_prefix, int max_unit, int max_len) {
  Trial tr;
  tr.x = Draw(rng, alpha, static_cast<int>(rng() % static_cast<uint32_t>(max_prefix + 1)));
  if (rng() % 4 != 0) {
    tr.planted = true;
    tr.loop_start = static_cast<int64_t>(tr.x.size());
    const int m = 1 + static_cast<int>(rng() % static_cast<uint32_t>(max_unit));
    const std::vector<int32_t> unit = Draw(rng, alpha, m);
    tr.unit_len = m;
    const int copies = 1 + static_cast<int>(rng() % 40);
    for (int c = 0; c < copies; ++c) tr.x.insert(tr.x.end(), unit.begin(), unit.end());
    tr.x.insert(tr.x.end(), unit.begin(), unit.begin() + static_cast<int>(rng() % static_cast<uint32_t>(m)));
    tr.loop_len = static_cast<int64_t>(tr.x.size()) - tr.loop_start;
    // Sometimes the loop escapes into fresh noise.
    if (rng() % 5 == 0) {
      const std::vector<int32_t> tail = Draw(rng, alpha, static_cast<int>(rng() % 50));
      tr.x.insert(tr.x.end(), tail.begin(), tail.end());
    }
  }
  if (static_cast<int>(tr.x.size()) > max_len) tr.x.resize(static_cast<size_t>(max_len));
  return tr;
}

void CheckAgreement(const Trial& tr, const ResolvedConfig& c, int64_t max_new, int64_t budget, bool code_points,
                    StreamingTailDetector* d, int trial) {
  d->Reset(max_new, budget);
  int64_t fired_at = 0;
  for (size_t i = 0; i < tr.x.size(); ++i) {
    if (d->Push(tr.x[i])) {
      ASSERT_EQ(fired_at, 0) << "fired twice";
      fired_at = static_cast<int64_t>(i) + 1;
    }
  }
  const RefFire ref = ReferenceRule(tr.x, c, max_new, budget, code_points);
  ASSERT_EQ(d->fired(), ref.fired) << "trial " << trial;
  if (!ref.fired) return;
  const StreamFire& f = d->fire();
  ASSERT_EQ(fired_at, ref.t) << "trial " << trial;
  ASSERT_EQ(f.detected_at, ref.t) << "trial " << trial;
  ASSERT_EQ(f.period, ref.period) << "trial " << trial;
  ASSERT_EQ(f.covered, ref.ell) << "trial " << trial;
  ASSERT_EQ(f.onset, ref.t - ref.ell) << "trial " << trial;
  ASSERT_EQ(f.unit, std::vector<int32_t>(tr.x.begin() + f.onset, tr.x.begin() + f.onset + f.period));

  // (2) offline D1 on the stopped prefix with projected coverage.
  const std::vector<int32_t> stopped(tr.x.begin(), tr.x.begin() + ref.t);
  TailParams tp;
  tp.k_min = c.tail.k_min;
  tp.l_min = c.tail.l_min_tokens;
  tp.p_max = c.tail.p_max_tokens;
  tp.min_coverage = c.tail.min_coverage;
  tp.projected_total = budget;
  const TailPeriod off = FindTailPeriod(stopped, tp);
  ASSERT_TRUE(off.periodic) << "trial " << trial;
  ASSERT_LE(off.period, f.period) << "trial " << trial;
  if (off.period < f.period) {
    const int64_t L = StreamLStop(c.stream, max_new);
    ASSERT_LT(off.covered, std::max<int64_t>(static_cast<int64_t>(c.stream.k_stop) * off.period, L))
        << "trial " << trial << ": offline's shorter period would have met the streaming rule";
  }
}

void CheckPlantedLoopFires(const Trial& tr, const ResolvedConfig& c, int64_t max_new, int64_t budget,
                           const StreamingTailDetector& d, int trial) {
  // (3): the planted loop alone meets the rule at its end (text units only).
  if (!tr.planted || tr.unit_len > c.stream.p_stream) return;
  const int64_t end = tr.loop_start + tr.loop_len;
  if (end > static_cast<int64_t>(tr.x.size()) || end < c.stream.warmup_tokens) return;
  const int64_t L = StreamLStop(c.stream, max_new);
  const int64_t need = std::max<int64_t>(c.stream.k_stop * tr.unit_len, c.stream.whitespace_l_stop_factor * L);
  const double cov = static_cast<double>(budget - tr.loop_start) / static_cast<double>(budget);
  if (tr.loop_len >= need && cov >= c.tail.min_coverage) {
    ASSERT_TRUE(d.fired()) << "trial " << trial;
    ASSERT_LE(d.fire().detected_at, end) << "trial " << trial;
  }
}

TEST(StreamingTailTest, AgreesWithReferenceAndOfflineOnRandomSequences) {
  std::mt19937 rng(2024);
  const auto [c1, c2] = CollidingPair(17);
  const auto [c3, c4] = CollidingPair(4242);
  const std::vector<Alphabet> alphabets = {
      {{1, 2}},
      {{1, 2, 3}},
      {{10, 11, 12, 13, 14, 15}},
      {{c1, c2, c3, c4}},       // fingerprint collisions: exact checks must catch them
      {{c1, c2, 5, 6, 7, 8}},
      {{'a', 'b', ' ', '\n'}},  // code points: whitespace units take L_stop x 4
      {{'=', '-', 'x', ' '}},   // separators
  };
  int trials = 0, fired = 0, planted_fired = 0;
  for (int trial = 0; trial < 12000; ++trial) {
    const size_t ai = trial % alphabets.size();
    const bool code_points = ai >= 5;
    ResolvedConfig c;
    c.stream.p_stream = 1 + static_cast<int>(rng() % 48);
    // The invariant needs the stream rule at least as strict as offline D1:
    // k_stop >= k_min, L_stop >= L_min, P_stream <= P_max (true of the defaults).
    c.tail.k_min = 2 + static_cast<int>(rng() % 2);
    c.stream.k_stop = c.tail.k_min + static_cast<int>(rng() % 3);
    c.stream.l_stop_min = 4 + static_cast<int>(rng() % 40);
    c.stream.l_stop_max = c.stream.l_stop_min + static_cast<int>(rng() % 40);
    c.stream.warmup_tokens = static_cast<int>(rng() % 80);
    c.stream.whitespace_l_stop_factor = 1 + static_cast<int>(rng() % 4);
    c.tail.l_min_tokens = 1 + static_cast<int>(rng() % c.stream.l_stop_min);
    c.tail.p_max_tokens = c.stream.p_stream + static_cast<int>(rng() % 20);
    c.tail.min_coverage = (rng() % 5) * 0.1;
    const Trial tr = MakeTrial(rng, alphabets[ai], 200, 30, 500);
    const int64_t max_new = 100 + static_cast<int64_t>(rng() % 800);
    const int64_t budget = std::max<int64_t>(static_cast<int64_t>(tr.x.size()), max_new);
    StreamingTailDetector d(c, max_new, budget, nullptr, code_points);
    ASSERT_NO_FATAL_FAILURE(CheckAgreement(tr, c, max_new, budget, code_points, &d, trial));
    ASSERT_NO_FATAL_FAILURE(CheckPlantedLoopFires(tr, c, max_new, budget, d, trial));
    ++trials;
    fired += d.fired();
    planted_fired += tr.planted && d.fired();
  }
  EXPECT_GE(trials, 10000);
  // Both outcomes are well represented, so neither direction is vacuous.
  EXPECT_GT(fired, 2000);
  EXPECT_GT(trials - fired, 2000);
  EXPECT_GT(planted_fired, 1500);
}

TEST(StreamingTailTest, AgreesAtDefaultSettings) {
  std::mt19937 rng(99);
  const ResolvedConfig c;  // P_stream 1024, k_stop 4, warm-up 128
  const Alphabet tokens{{3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610}};
  StreamingTailDetector d(c, 4096, 4096);
  int fired = 0;
  for (int trial = 0; trial < 120; ++trial) {
    const Trial tr = MakeTrial(rng, tokens, 1500, 300, 3000);
    const int64_t max_new = 1000 + static_cast<int64_t>(rng() % 6000);
    const int64_t budget = std::max<int64_t>(static_cast<int64_t>(tr.x.size()), max_new);
    ASSERT_NO_FATAL_FAILURE(CheckAgreement(tr, c, max_new, budget, false, &d, trial));
    fired += d.fired();
  }
  EXPECT_GT(fired, 20);
}

TEST(StreamingTailTest, LStopFollowsTheBudget) {
  ResolvedConfig c;
  EXPECT_EQ(StreamLStop(c.stream, 512), 64);
  EXPECT_EQ(StreamLStop(c.stream, 4096), 204);
  EXPECT_EQ(StreamLStop(c.stream, 32768), 512);
  StreamingTailDetector d(c, 4096, 4096);
  EXPECT_EQ(d.l_stop(), 204);
}

TEST(StreamingTailTest, ReportsPeriodOneNotItsMultiples) {
  const ResolvedConfig c;
  StreamingTailDetector d(c, 1000, 1000);
  for (int i = 0; i < 200; ++i) d.Push(1000 + i);
  int64_t at = 0;
  for (int i = 0; i < 500 && !d.fired(); ++i) {
    d.Push(7);
    at = 201 + i;
  }
  ASSERT_TRUE(d.fired());
  EXPECT_EQ(d.fire().period, 1);
  EXPECT_EQ(d.fire().detected_at, at);
  EXPECT_EQ(d.fire().covered, 64);  // L_stop = max(64, 50)
  EXPECT_EQ(d.fire().onset, 200);
  EXPECT_FALSE(d.Push(7));  // done: further tokens are ignored
}

}  // namespace
}  // namespace doomscope
