#include "results/stats/wilson.h"

#include <algorithm>
#include <cmath>

namespace doomscope {

Interval WilsonInterval(double successes, double n, double z) {
  if (!(n > 0)) return Interval{0.0, 1.0};
  const double p = std::clamp(successes / n, 0.0, 1.0);
  const double z2 = z * z;
  const double denom = 1.0 + z2 / n;
  const double center = (p + z2 / (2.0 * n)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom;
  Interval r;
  r.lo = std::max(0.0, center - half);
  r.hi = std::min(1.0, center + half);
  // Exact ends: no successes means the interval starts at 0, all at 1.
  if (p == 0.0) r.lo = 0.0;
  if (p == 1.0) r.hi = 1.0;
  return r;
}

Interval ClusteredWilsonInterval(std::span<const ClusterCount> clusters, double z) {
  double total = 0, successes = 0;
  int64_t m = 0;
  for (const ClusterCount& c : clusters) {
    if (c.n <= 0) continue;
    total += static_cast<double>(c.n);
    successes += static_cast<double>(c.successes);
    ++m;
  }
  if (m == 0) return Interval{0.0, 1.0};
  const double p = successes / total;
  const double max_deff = total / static_cast<double>(m);
  double deff = max_deff;
  const double binomial = p * (1.0 - p) / total;
  if (m > 1 && binomial > 0) {
    double ss = 0;
    for (const ClusterCount& c : clusters) {
      if (c.n <= 0) continue;
      const double r = static_cast<double>(c.successes) - p * static_cast<double>(c.n);
      ss += r * r;
    }
    const double robust = static_cast<double>(m) / static_cast<double>(m - 1) * ss / (total * total);
    deff = std::clamp(robust / binomial, 1.0, std::max(1.0, max_deff));
  }
  const double n_eff = total / deff;
  return WilsonInterval(p * n_eff, n_eff, z);
}

}  // namespace doomscope
