// Confidence intervals for a ratio such as the doom-loop ratio (DETECTORS.md
// section 7): the Wilson score interval, and a clustered variant for several
// rollouts per prompt.
#ifndef DOOMSCOPE_RESULTS_STATS_WILSON_H_
#define DOOMSCOPE_RESULTS_STATS_WILSON_H_

#include <cstdint>
#include <span>

namespace doomscope {

struct Interval {
  double lo = 0;
  double hi = 1;
};

// The two-sided 95% normal quantile.
inline constexpr double kZ95 = 1.959963984540054;

// Wilson score interval for `successes` out of `n` (n = 0 gives [0, 1]).
// Accepts a fractional n (an effective sample size).
Interval WilsonInterval(double successes, double n, double z = kZ95);

struct ClusterCount {
  int64_t successes = 0;
  int64_t n = 0;
};

// Wilson interval with n replaced by the effective sample size N / deff, where
// deff is the design effect of the clustered ratio estimator: its
// cluster-robust variance (m/(m-1)) * sum((s_i - p n_i)^2) / N^2 over the
// binomial variance p(1-p)/N, clamped to [1, N/m]. With one rollout per prompt
// this is WilsonInterval; when every cluster agrees (p in {0, 1}) the
// conservative end, one observation per cluster, is used.
Interval ClusteredWilsonInterval(std::span<const ClusterCount> clusters, double z = kZ95);

}  // namespace doomscope

#endif  // DOOMSCOPE_RESULTS_STATS_WILSON_H_
