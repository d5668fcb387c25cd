// D4: a near-periodic tail, the secondary detector (DETECTORS.md section 5).
// Never part of the doom-loop ratio.
//
// For p <= p_max the match fraction over the last W = max(4p, 256) positions
// is m_p = mean 1[x_j == x_{j-p}] (W shrinks to n - p on short outputs). The
// tail is near-periodic when some p has m_p >= min_match_frac and
// W * m_p >= min_units matching positions; the smallest such p is reported,
// otherwise the p with the best m_p (for display, periodic = false).
//
// Digit folding maps each maximal run of digits to one placeholder first, so
// "Step 41 ... Step 42 ..." counters become exact repeats.
#ifndef DOOMSCOPE_DETECTORS_NEAR_PERIODIC_H_
#define DOOMSCOPE_DETECTORS_NEAR_PERIODIC_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace doomscope {

struct NearParams {
  double min_match_frac = 0.90;
  int64_t min_units = 128;
  int64_t p_max = 512;
};

struct NearPeriod {
  bool periodic = false;
  int64_t period = 0;
  double match_frac = 0;
  int64_t window = 0;
};

NearPeriod FindNearPeriod(std::span<const int32_t> x, const NearParams& params);

// Placeholder ids (token ids and code points are never negative).
inline constexpr int32_t kDigitRun = -1;       // a run of digits
inline constexpr int32_t kSpaceDigitRun = -2;  // a token " 42": whitespace, then digits

// Code points: each maximal [0-9]+ run becomes kDigitRun.
// FoldDigits over `cps` itself; returns the folded length.
size_t FoldDigitsInPlace(std::span<int32_t> cps);
void FoldDigits(std::span<const int32_t> code_points, std::vector<int32_t>* out);

// Tokens: `digit_class(id)` is 0 for other tokens, 1 for a token of digits
// only, 2 for whitespace followed by digits. A class-1 token right after a
// digit token continues its run; each run becomes one placeholder.
void FoldDigitTokens(std::span<const int32_t> ids, const std::function<int(int32_t)>& digit_class,
                     std::vector<int32_t>* out);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_NEAR_PERIODIC_H_
