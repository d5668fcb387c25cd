// D1, offline: does the output end in >= k_min exact copies of one primitive
// unit (DETECTORS.md section 2)?
//
// ell_p = p + Z[p] on the reversed sequence is the length of the tail with
// period p. The answer is the smallest p <= p_max with floor(ell_p/p) >= k_min,
// ell_p >= l_min and coverage >= min_coverage. The smallest such p is always
// primitive: if its unit were u^m, the period |u| would cover at least as
// much and qualify too. Coverage is part of the choice so that a short run at
// the very end (a unit ending in "=====") cannot hide the paragraph-sized
// period that covers the output. When no p qualifies, the smallest p meeting
// k_min and l_min alone is still reported (found = true, periodic = false), so
// a user sees "period 5, coverage 0.20" rather than nothing.
//
// O(n + p_max) time (the Z-box only moves right; matching is 32 bytes at a
// time), O(p_max) scratch memory per thread.
#ifndef DOOMSCOPE_DETECTORS_TAIL_PERIOD_H_
#define DOOMSCOPE_DETECTORS_TAIL_PERIOD_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace doomscope {

struct TailParams {
  int k_min = 3;
  int64_t l_min = 32;   // units
  int64_t p_max = 2048; // units
  double min_coverage = 0.25;
  // For samples our streaming rule stopped early: coverage is measured against
  // the full-budget output of this many units (covered = projected_total -
  // onset). 0 means observed coverage.
  int64_t projected_total = 0;
};

struct TailPeriod {
  bool periodic = false;  // tail_periodic: k_min, l_min and coverage all met
  bool found = false;     // k_min and l_min met by some p (coverage may fail)
  int64_t n = 0;          // units in the sequence
  int64_t period = 0;     // p*, units
  int64_t covered = 0;    // ell, units
  int64_t onset = 0;      // n - ell
  int64_t full_copies = 0;
  double repeats = 0;              // ell / p*
  double coverage = 0;             // ell / n
  double coverage_projected = 0;   // (projected_total - onset) / projected_total, else coverage
  bool partial_last_copy = false;  // ell is not a multiple of p*
  // The unit x[onset, onset + p*) as indices into the input (bytes for UTF-8).
  int64_t unit_begin = 0;
  int64_t unit_end = 0;
};

// Token level (or any symbol sequence).
TailPeriod FindTailPeriod(std::span<const int32_t> x, const TailParams& params);

// Character level on normalized UTF-8 text, in code points: `code_points` is
// the text's code point count and `ascii` says every byte is < 0x80 (both from
// NormalizedText). Works on the bytes (a shift is a period only at a code point
// boundary) and converts lengths to code points.
TailPeriod FindTailPeriodUtf8(std::string_view text, int64_t code_points, bool ascii, const TailParams& params);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_TAIL_PERIOD_H_
