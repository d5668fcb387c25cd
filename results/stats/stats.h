// Statistics for doom-loop ratios and their changes (DETECTORS.md section 7).
//
// Intervals come from wilson.h (Wilson score interval, and its
// cluster-robust variant for several rollouts per prompt: n is replaced by
// the effective sample size N / deff, where the design effect deff is the
// cluster-robust (sandwich) variance of the ratio over the binomial variance,
// clamped to [1, mean cluster size]). This file adds the paired tests.
#ifndef DOOMSCOPE_RESULTS_STATS_STATS_H_
#define DOOMSCOPE_RESULTS_STATS_STATS_H_

#include <cstdint>
#include <span>

#include "results/stats/wilson.h"

namespace doomscope::results {

using ::doomscope::ClusterCount;
using ::doomscope::ClusteredWilsonInterval;
using ::doomscope::Interval;
using ::doomscope::WilsonInterval;

// Exact two-sided McNemar test on the discordant pairs of a paired design:
// `b` pairs went 0->1, `c` went 1->0. Under H0 each discordant pair is a fair
// coin, so p = min(1, 2 * P[Binomial(b+c, 1/2) <= min(b, c)]); 1 when b+c = 0.
double McNemarExactP(int64_t b, int64_t c);

// The smallest two-sided p-value the exact McNemar test can reach with
// `discordant` discordant pairs (all of them one way): min(1, 2 * 0.5^n).
// A cell whose pairs could not reach alpha even so cannot show a change.
double McNemarMinP(int64_t discordant);

// Clustered Wilson interval from per-cluster counts (a thin name for callers
// that count successes per prompt).
inline Interval RatioInterval(std::span<const ClusterCount> clusters) { return ClusteredWilsonInterval(clusters); }

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_STATS_STATS_H_
