#include "detectors/internal_runs.h"
#include <string.h>

#include <algorithm>
#include <limits>

#include "detectors/scratch.h"
#include "detectors/z_function.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace doomscope {
namespace {

bool ByStartThenPeriod(const RepeatRun& a, const RepeatRun& b) {
  return a.start != b.start ? a.start < b.start : a.period < b.period;
}

RepeatRun MakeRun(int64_t start, int64_t end, int64_t p) {
  RepeatRun r;
  r.start = start, r.end = end, r.period = p;
  r.exponent = static_cast<double>(end - start) / static_cast<double>(p);
  return r;
}

// Shortest stretch (positions with x[i] == x[i-p]) a qualifying run can have.
int64_t MinStretch(const RunParams& params, int64_t p_max) {
  int64_t best = std::numeric_limits<int64_t>::max();
  for (int64_t p = 1; p <= p_max; ++p) {
    best = std::min(best, std::max((params.k_min - 1) * p, params.l_min - p));
  }
  return best;
}

constexpr int64_t kGram = 4;  // anchor width: candidates share this many units

// An 8-bit fingerprint of every 4-gram (n - 3 of them), so a window of 8192
// positions is searched with a byte scan instead of 8192 int32 comparisons.
void Fingerprints(std::span<const int32_t> x, std::vector<uint8_t>* fp) {
  const size_t n = x.size();
  fp->resize(n);
  const auto* u = reinterpret_cast<const uint32_t*>(x.data());
  for (size_t j = 0; j + 3 < n; ++j) {
    fp->data()[j] = static_cast<uint8_t>(
        (u[j] * 0x9E3779B1u + u[j + 1] * 0x85EBCA77u + u[j + 2] * 0xC2B2AE3Du + u[j + 3] * 0x27D4EB2Fu) >> 24);
  }
}

// Appends every j in [lo, hi], nearest to hi first, whose 4-gram equals the
// one at a.
void ScanCandidates(const std::vector<uint8_t>& fp, const int32_t* x, int64_t a, int64_t lo, int64_t hi,
                    std::vector<int64_t>* out) {
  const uint8_t f = fp[static_cast<size_t>(a)];
  int64_t end = hi + 1;
  while (end > lo) {
    const void* hit = memrchr(fp.data() + lo, f, static_cast<size_t>(end - lo));
    if (hit == nullptr) break;
    const int64_t j = static_cast<const uint8_t*>(hit) - fp.data();
    if (x[j] == x[a] && x[j + 1] == x[a + 1] && x[j + 2] == x[a + 2] && x[j + 3] == x[a + 3]) out->push_back(j);
    end = j;
  }
}

// Forward agreement of x[a..] and x[b..], up to `max` elements.
size_t CommonPrefix(const int32_t* x, int64_t a, int64_t b, size_t max) {
  size_t k = 0;
  while (k + 4 <= max) {
#if defined(__SSE2__)
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + a + k));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + b + k));
    const unsigned eq = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi32(va, vb)));
    if (eq != 0xFFFFu) return k + static_cast<size_t>(__builtin_ctz(~eq & 0xFFFFu)) / 4;
#else
    if (x[a + k] != x[b + k] || x[a + k + 1] != x[b + k + 1] || x[a + k + 2] != x[b + k + 2] ||
        x[a + k + 3] != x[b + k + 3]) {
      break;
    }
#endif
    k += 4;
  }
  while (k < max && x[a + static_cast<int64_t>(k)] == x[b + static_cast<int64_t>(k)]) ++k;
  return k;
}

}  // namespace

bool IsPrimitive(std::span<const int32_t> u) {
  const size_t n = u.size();
  if (n <= 1) return true;
  // Prefix function: the smallest period of u is n - pi[n-1]; u is a proper
  // power exactly when that period divides n and is shorter than n.
  thread_local std::vector<int32_t> pi;
  pi.assign(n, 0);
  for (size_t i = 1; i < n; ++i) {
    int32_t k = pi[i - 1];
    while (k > 0 && u[i] != u[static_cast<size_t>(k)]) k = pi[static_cast<size_t>(k) - 1];
    if (u[i] == u[static_cast<size_t>(k)]) ++k;
    pi[i] = k;
  }
  const size_t period = n - static_cast<size_t>(pi[n - 1]);
  return period == n || n % period != 0;
}

void FindRunsReference(std::span<const int32_t> x, const RunParams& params, std::vector<RepeatRun>* out) {
  out->clear();
  const int64_t n = static_cast<int64_t>(x.size());
  for (int64_t p = 1; p <= params.p_max && p < n; ++p) {
    int64_t i = p;
    while (i < n) {
      if (x[i] != x[i - p]) {
        ++i;
        continue;
      }
      const int64_t st = i;
      while (i < n && x[i] == x[i - p]) ++i;
      const int64_t start = st - p, end = i, len = end - start;
      if (len >= std::max<int64_t>(params.k_min * p, params.l_min) &&
          IsPrimitive(x.subspan(static_cast<size_t>(start), static_cast<size_t>(p)))) {
        out->push_back(MakeRun(start, end, p));
      }
    }
  }
  std::sort(out->begin(), out->end(), ByStartThenPeriod);
}

void FindRuns(std::span<const int32_t> x, const RunParams& params, std::vector<RepeatRun>* out) {
  out->clear();
  const int64_t n = static_cast<int64_t>(x.size());
  const int64_t p_max = std::min<int64_t>(params.p_max, n);
  if (n < 3 || p_max < 1 || n < params.l_min) return;
  const int64_t min_stretch = MinStretch(params, p_max);
  if (min_stretch < kGram) {
    // Degenerate thresholds (runs of a few units): no 4-gram fits every stretch.
    FindRunsReference(x, params, out);
    return;
  }
  const int64_t step = min_stretch - kGram + 1;  // every stretch holds an anchored 4-gram
  const int32_t* d = x.data();

  thread_local std::vector<int64_t> candidates;
  thread_local std::vector<uint8_t> fp;
  Fingerprints(x, &fp);
  std::vector<size_t> active;  // indices into *out of runs that may still cover anchors
  for (int64_t a = step; a + kGram <= n; a += step) {
    // Forget runs that end before this anchor's 4-gram.
    active.erase(std::remove_if(active.begin(), active.end(), [&](size_t k) { return (*out)[k].end < a + kGram; }),
                 active.end());
    int64_t lo = std::max<int64_t>(0, a - p_max);
    int64_t hi = a - 1;
    // A short-period run covering the anchor with room on both sides rules out
    // every candidate whose earlier 2-gram lies p or more into it.
    for (size_t k : active) {
      const RepeatRun& r = (*out)[k];
      if (r.period < min_stretch && r.start <= a && r.end - a >= std::max(r.period, kGram)) {
        hi = std::min(hi, r.start + r.period - 1);
      }
    }
    if (hi < lo) continue;
    candidates.clear();
    // Nearest first, so a run's primitive period is found before its multiples.
    ScanCandidates(fp, d, a, lo, hi, &candidates);
    for (const int64_t j : candidates) {
      const int64_t q = a - j;
      bool explained = false;
      for (size_t k : active) {
        const RepeatRun& r = (*out)[k];
        if (q % r.period == 0 && r.start <= a - q && a + kGram <= r.end) {
          explained = true;
          break;
        }
      }
      if (explained) continue;
      const int64_t right = static_cast<int64_t>(CommonPrefix(d, a, a - q, static_cast<size_t>(n - a)));
      const int64_t left = static_cast<int64_t>(CommonSuffix(d + a, d + a - q, static_cast<size_t>(a - q)));
      const int64_t start = a - left - q, end = a + right;
      if (end - start < std::max<int64_t>(params.k_min * q, params.l_min)) continue;
      if (!IsPrimitive(x.subspan(static_cast<size_t>(start), static_cast<size_t>(q)))) continue;
      out->push_back(MakeRun(start, end, q));
      active.push_back(out->size() - 1);
    }
  }
  std::sort(out->begin(), out->end(), ByStartThenPeriod);
  ReleaseIfLarge(fp);
  ReleaseIfLarge(candidates);
}

}  // namespace doomscope
