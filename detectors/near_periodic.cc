#include "detectors/near_periodic.h"

#include <algorithm>

namespace doomscope {
namespace {

int64_t CountMatches(const int32_t* x, int64_t from, int64_t to, int64_t p) {
  int64_t count = 0;
  for (int64_t j = from; j < to; ++j) count += x[j] == x[j - p];
  return count;
}

bool IsAsciiDigit(int32_t c) { return c >= '0' && c <= '9'; }

}  // namespace

NearPeriod FindNearPeriod(std::span<const int32_t> x, const NearParams& params) {
  NearPeriod best;
  const int64_t n = static_cast<int64_t>(x.size());
  for (int64_t p = 1; p <= params.p_max && p < n; ++p) {
    const int64_t window = std::min(std::max<int64_t>(4 * p, 256), n - p);
    if (window <= 0) continue;
    const int64_t matches = CountMatches(x.data(), n - window, n, p);
    const double frac = static_cast<double>(matches) / static_cast<double>(window);
    if (frac >= params.min_match_frac && matches >= params.min_units) {
      best.periodic = true;
      best.period = p;
      best.match_frac = frac;
      best.window = window;
      return best;
    }
    if (frac > best.match_frac) {
      best.period = p;
      best.match_frac = frac;
      best.window = window;
    }
  }
  return best;
}

size_t FoldDigitsInPlace(std::span<int32_t> cps) {
  size_t o = 0;  // o <= i throughout: the output never overtakes the input
  for (size_t i = 0; i < cps.size(); ++i) {
    if (!IsAsciiDigit(cps[i])) {
      cps[o++] = cps[i];
      continue;
    }
    cps[o++] = kDigitRun;
    while (i + 1 < cps.size() && IsAsciiDigit(cps[i + 1])) ++i;
  }
  return o;
}

void FoldDigits(std::span<const int32_t> cps, std::vector<int32_t>* out) {
  out->assign(cps.begin(), cps.end());
  out->resize(FoldDigitsInPlace(*out));
}

void FoldDigitTokens(std::span<const int32_t> ids, const std::function<int(int32_t)>& digit_class,
                     std::vector<int32_t>* out) {
  out->clear();
  out->reserve(ids.size());
  bool in_run = false;
  for (int32_t id : ids) {
    const int c = digit_class(id);
    if (c == 1 && in_run) continue;  // "4" "2" -> one run
    if (c == 0) {
      out->push_back(id);
      in_run = false;
    } else {
      out->push_back(c == 2 ? kSpaceDigitRun : kDigitRun);
      in_run = true;
    }
  }
}

}  // namespace doomscope
