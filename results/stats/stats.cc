#include "results/stats/stats.h"

#include <algorithm>
#include <cmath>

namespace doomscope::results {

double McNemarExactP(int64_t b, int64_t c) {
  const int64_t n = b + c;
  if (n <= 0) return 1.0;
  const int64_t k = std::min(b, c);
  // Sum the binomial pmf in log space: n can be in the tens of thousands.
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  const double lg_n1 = std::lgamma(static_cast<double>(n) + 1.0);
  double tail = 0.0;
  for (int64_t i = 0; i <= k; ++i) {
    const double log_pmf = lg_n1 - std::lgamma(static_cast<double>(i) + 1.0) -
                           std::lgamma(static_cast<double>(n - i) + 1.0) + log_half_n;
    tail += std::exp(log_pmf);
  }
  return std::min(1.0, 2.0 * tail);
}

double McNemarMinP(int64_t discordant) {
  if (discordant <= 0) return 1.0;
  return std::min(1.0, 2.0 * std::pow(0.5, static_cast<double>(discordant)));
}

}  // namespace doomscope::results
