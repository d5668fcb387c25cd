#include "detectors/tail_period.h"

#include <algorithm>
#include <vector>

#include "detectors/z_function.h"

namespace doomscope {
namespace {

bool IsLead(uint8_t b) { return (b & 0xC0) != 0x80; }

// Coverage of a tail of `covered` units starting at `onset`, observed and
// (for early-stopped samples) projected to the full budget.
void SetCoverage(const TailParams& params, int64_t n, TailPeriod* t) {
  t->coverage = n > 0 ? static_cast<double>(t->covered) / static_cast<double>(n) : 0.0;
  if (params.projected_total > 0) {
    const int64_t total = std::max(params.projected_total, n);
    t->coverage_projected = static_cast<double>(total - t->onset) / static_cast<double>(total);
  } else {
    t->coverage_projected = t->coverage;
  }
}

// Scans p = 1..count-1 in increasing order. `units_of(p)` returns {p in units,
// or -1 when p is not a valid shift}, `ell_units(p, ell_elems, full)` the
// tail length in units. Elements are bytes for UTF-8, units code points.
template <typename T, bool kUtf8>
TailPeriod Find(const T* x, int64_t n_elems, int64_t n_units, int64_t p_max_elems, const TailParams& params) {
  TailPeriod best;
  best.n = n_units;
  const int64_t k = std::max(1, params.k_min);
  const int64_t count = std::min(p_max_elems, n_elems / k) + 1;
  if (n_elems == 0 || count < 2) return best;

  thread_local std::vector<int32_t> z;
  if (z.size() < static_cast<size_t>(count)) z.resize(static_cast<size_t>(count));
  ReverseZ(x, static_cast<size_t>(n_elems), static_cast<size_t>(count), z.data());

  int64_t p_units = 0;  // code points in the last p bytes (UTF-8), else p
  for (int64_t p = 1; p < count; ++p) {
    if constexpr (kUtf8) {
      const bool lead = IsLead(static_cast<uint8_t>(x[n_elems - p]));
      if (lead) ++p_units;
      if (!lead) continue;  // the unit must start at a code point boundary
    } else {
      p_units = p;
    }
    const int64_t ell_elems = p + z[p];
    // floor(ell / p) >= k, without a division per period.
    if (ell_elems < k * p || ell_elems < params.l_min) continue;  // bytes >= code points
    const int64_t full = ell_elems / p;
    int64_t ell_units = ell_elems;
    int64_t onset_elem = n_elems - ell_elems;
    if constexpr (kUtf8) {
      // Full copies hold p_units code points each; count the leading partial
      // copy's code points (a code point cut by the tail's start is not in it).
      ell_units = full * p_units;
      const int64_t partial_end = n_elems - full * p;
      while (onset_elem < partial_end && !IsLead(static_cast<uint8_t>(x[onset_elem]))) ++onset_elem;
      for (int64_t i = onset_elem; i < partial_end; ++i) ell_units += IsLead(static_cast<uint8_t>(x[i]));
      if (ell_units < params.l_min) continue;
    }
    TailPeriod t;
    t.n = n_units;
    t.found = true;
    t.period = p_units;
    t.covered = ell_units;
    t.onset = n_units - ell_units;
    t.full_copies = full;
    t.repeats = static_cast<double>(ell_units) / static_cast<double>(p_units);
    t.partial_last_copy = ell_units % p_units != 0;
    t.unit_begin = onset_elem;
    t.unit_end = onset_elem + p;
    SetCoverage(params, n_units, &t);
    t.periodic = t.coverage_projected >= params.min_coverage;
    if (t.periodic) return t;
    if (!best.found) best = t;
  }
  return best;
}

}  // namespace

TailPeriod FindTailPeriod(std::span<const int32_t> x, const TailParams& params) {
  const int64_t n = static_cast<int64_t>(x.size());
  return Find<int32_t, false>(x.data(), n, n, params.p_max, params);
}

TailPeriod FindTailPeriodUtf8(std::string_view text, int64_t code_points, bool ascii, const TailParams& params) {
  const auto* x = reinterpret_cast<const uint8_t*>(text.data());
  const int64_t n = static_cast<int64_t>(text.size());
  if (ascii) return Find<uint8_t, false>(x, n, n, params.p_max, params);
  // The byte length of the last p_max code points bounds the byte shifts.
  int64_t pos = n, seen = 0;
  while (pos > 0 && seen < params.p_max) seen += IsLead(x[--pos]);
  return Find<uint8_t, true>(x, n, code_points, n - pos, params);
}

}  // namespace doomscope
