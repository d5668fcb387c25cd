// D2: repetition runs anywhere in the output, i.e. loops the model escaped
// (DETECTORS.md section 3).
//
// A run is a maximal stretch x[start, end) with smallest period p <= p_max
// (the unit x[start, start+p) is primitive), exponent (end-start)/p >= k_min
// and length >= l_min. FindRuns reports exactly the runs the bounded-period
// sweep does (FindRunsReference, kept for tests), faster:
//
//   * every such run contains a "stretch" of >= S = min_p max((k-1)p, l_min-p)
//     positions with x[i] == x[i-p], so it contains an anchor position a (a
//     multiple of S-3) with x[a,a+4) == x[a-p,a-p+4);
//   * at each anchor, the candidate periods come from a byte scan (memrchr)
//     of 8-bit 4-gram fingerprints over the window [a-p_max, a), nearest
//     first; each candidate is checked, extended both ways, and qualifying
//     primitive runs are kept;
//   * inside a run already found with a short period p (< S), no other
//     candidate can qualify (a shift that is not a multiple of p matches fewer
//     than p times in a row), so those parts of the window are skipped. This
//     keeps a "the the the ..." region linear.
#ifndef DOOMSCOPE_DETECTORS_INTERNAL_RUNS_H_
#define DOOMSCOPE_DETECTORS_INTERNAL_RUNS_H_

#include <cstdint>
#include <span>
#include <vector>

namespace doomscope {

struct RunParams {
  int k_min = 3;
  int64_t l_min = 64;
  int64_t p_max = 2048;
};

struct RepeatRun {
  int64_t start = 0;  // [start, end)
  int64_t end = 0;
  int64_t period = 0;
  double exponent = 0;
  bool operator==(const RepeatRun& o) const {
    return start == o.start && end == o.end && period == o.period;
  }
};

// All qualifying runs, sorted by (start, period). `*out` is replaced.
void FindRuns(std::span<const int32_t> x, const RunParams& params, std::vector<RepeatRun>* out);

// The definition as a plain O(n * p_max) sweep; the reference for tests.
void FindRunsReference(std::span<const int32_t> x, const RunParams& params, std::vector<RepeatRun>* out);

// Whether x[0, n) is not a power of a shorter word.
bool IsPrimitive(std::span<const int32_t> unit);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_INTERNAL_RUNS_H_
