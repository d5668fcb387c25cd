#include "detectors/tail_period_text.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "detectors/normalize.h"
#include "detectors/z_function.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace doomscope {
namespace {

#if defined(__x86_64__) && defined(__GNUC__)
// CommonSuffixBytes with 64 bytes per step, for the long matches of a loop.
__attribute__((target("avx2"))) size_t CommonSuffixBytesAvx2(const uint8_t* a_end, const uint8_t* b_end,
                                                             size_t max) {
  size_t k = 0;
  while (k + 64 <= max) {
    const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a_end - k - 32));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b_end - k - 32));
    const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a_end - k - 64));
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b_end - k - 64));
    const uint64_t hi = ~static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a1, b1))));
    const uint64_t lo = static_cast<uint32_t>(~static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a0, b0))));
    const uint64_t diff = (hi << 32) | lo;  // bit j: byte at a_end - k - 64 + j differs
    if (diff != 0) return k + static_cast<size_t>(__builtin_clzll(diff));
    k += 64;
  }
  return k + CommonSuffixBytes(a_end - k, b_end - k, max - k);
}

// The same, one 64-byte vector a step.
__attribute__((target("avx512f,avx512bw"))) size_t CommonSuffixBytesAvx512(const uint8_t* a_end,
                                                                          const uint8_t* b_end, size_t max) {
  size_t k = 0;
  while (k + 64 <= max) {
    const __m512i a = _mm512_loadu_si512(a_end - k - 64);
    const __m512i b = _mm512_loadu_si512(b_end - k - 64);
    const uint64_t diff = _mm512_cmpneq_epi8_mask(a, b);  // bit j: byte at a_end - k - 64 + j differs
    if (diff != 0) return k + static_cast<size_t>(__builtin_clzll(diff));
    k += 64;
  }
  return k + CommonSuffixBytes(a_end - k, b_end - k, max - k);
}
#endif

size_t CommonSuffixBytesWide(const uint8_t* a_end, const uint8_t* b_end, size_t max) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool avx512 = __builtin_cpu_supports("avx512bw");
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx512) return CommonSuffixBytesAvx512(a_end, b_end, max);
  if (avx2) return CommonSuffixBytesAvx2(a_end, b_end, max);
#endif
  return CommonSuffixBytes(a_end, b_end, max);
}

constexpr size_t kDefaultTailBytes = size_t{1} << 16;
constexpr size_t kDefaultChunkBytes = size_t{1} << 16;

bool IsAsciiNonSpace(uint8_t b) { return b < 0x80 && b > 0x20; }

// A split point at or before `target` (within 4 KB) after which normalizing
// the rest alone gives the suffix of the whole text's normalization: the byte
// before it is ASCII and not whitespace (no whitespace run and no UTF-8
// sequence straddles it). 0 when there is none.
size_t SafeSplit(std::string_view raw, size_t target) {
  const size_t floor = target > 4096 ? target - 4096 : 0;
  for (size_t b = target; b > floor && b > 0; --b) {
    if (IsAsciiNonSpace(static_cast<uint8_t>(raw[b - 1]))) return b;
  }
  return 0;
}

TextTailPeriod Full(std::string_view raw, int keep_run_min, const TailParams& params) {
  thread_local NormalizedText norm;
  NormalizeText(raw, keep_run_min, &norm);
  TextTailPeriod r;
  r.tail = FindTailPeriodUtf8(norm.utf8, norm.code_points, norm.ascii, params);
  if (r.tail.found) {
    r.unit.assign(norm.utf8, static_cast<size_t>(r.tail.unit_begin),
                  static_cast<size_t>(r.tail.unit_end - r.tail.unit_begin));
  }
  r.tail.unit_begin = r.tail.unit_end = 0;
  return r;
}

}  // namespace

TextTailPeriod FindTailPeriodInText(std::string_view raw, int keep_run_min, const TailParams& params) {
  return FindTailPeriodInText(raw, keep_run_min, params, kDefaultTailBytes, kDefaultChunkBytes);
}

TextTailPeriod FindTailPeriodInText(std::string_view raw, int keep_run_min, const TailParams& params,
                                    size_t tail_bytes, size_t chunk_bytes) {
  const int64_t k = std::max(1, params.k_min);
  // The window must hold k copies of the longest period (ASCII: one byte per unit).
  tail_bytes = std::max<size_t>(tail_bytes, static_cast<size_t>((k + 1) * params.p_max + params.l_min + 64));
  if (raw.size() <= 2 * tail_bytes) return Full(raw, keep_run_min, params);
  const size_t split = SafeSplit(raw, raw.size() - tail_bytes);
  if (split == 0) return Full(raw, keep_run_min, params);

  // 1. The tail window.
  thread_local NormalizedText tail;
  NormalizeText(raw.substr(split), keep_run_min, &tail);
  if (!tail.ascii) return Full(raw, keep_run_min, params);
  const auto* t = reinterpret_cast<const uint8_t*>(tail.utf8.data());
  const int64_t m = static_cast<int64_t>(tail.utf8.size());
  const int64_t count = std::min<int64_t>(params.p_max, m / k) + 1;
  if (count < 2) return Full(raw, keep_run_min, params);
  thread_local std::vector<int32_t> z;
  if (z.size() < static_cast<size_t>(count)) z.resize(static_cast<size_t>(count));
  ReverseZ(t, static_cast<size_t>(m), static_cast<size_t>(count), z.data());
  int64_t p0 = 0;  // the shortest period whose tail fills the window
  bool any_full = false;
  for (int64_t p = 1; p < count; ++p) any_full |= p + z[static_cast<size_t>(p)] >= m;  // vectorized
  for (int64_t p = 1; any_full && p < count && p0 == 0; ++p) {
    if (p + z[static_cast<size_t>(p)] >= m) p0 = p;
  }

  // 2./3. The prefix, chunk by chunk: count it, and with a long period find
  // the last position that breaks it.
  // The forward pass keeps the last p0 normalized bytes, appends a chunk after
  // them and looks for the last position j with x[j] != x[j - p0] among the
  // new bytes.
  thread_local std::string window;
  size_t window_len = 0;
  int64_t prefix_cps = 0, prefix_bytes = 0;
  int64_t last_break = -1;  // global byte index of the latest mismatch
  auto after_append = [&](size_t before) {
    const int64_t len = static_cast<int64_t>(window_len);
    const int64_t first = std::max<int64_t>(static_cast<int64_t>(before), p0);  // positions with a partner
    if (len > first) {
      const auto* wd = reinterpret_cast<const uint8_t*>(window.data());
      const size_t agree = CommonSuffixBytesWide(wd + len, wd + len - p0, static_cast<size_t>(len - first));
      if (static_cast<int64_t>(agree) < len - first) {
        last_break = prefix_bytes - static_cast<int64_t>(before) + (len - 1 - static_cast<int64_t>(agree));
      }
    }
    prefix_bytes += len - static_cast<int64_t>(before);
    if (len > p0) {
      std::memmove(window.data(), window.data() + (len - p0), static_cast<size_t>(p0));
      window_len = static_cast<size_t>(p0);
    }
  };
  size_t pos = 0;
  while (pos < split) {
    size_t end = split;
    if (split - pos > chunk_bytes) {
      end = SafeSplit(raw, pos + chunk_bytes);
      if (end <= pos) return Full(raw, keep_run_min, params);
    }
    if (p0 > 0) {
      const size_t before = window_len;
      prefix_cps += NormalizeAt(raw.substr(pos, end - pos), keep_run_min, &window, &window_len, nullptr);
      after_append(before);
    } else {
      // Only the count is needed (bytes are not: no period reaches here).
      prefix_cps += CountNormalizedCodePoints(raw.substr(pos, end - pos), keep_run_min);
    }
    pos = end;
  }
  if (p0 > 0) {
    // The tail's first p0 bytes compare against the prefix's last ones; the
    // rest of the tail agrees (its tail for p0 fills the window).
    const int64_t before_tail = prefix_bytes;
    const size_t before = window_len;
    const size_t add = static_cast<size_t>(std::min(p0, m));
    if (window.size() < window_len + add) window.resize(window_len + add);
    std::memcpy(window.data() + window_len, tail.utf8.data(), add);
    window_len += add;
    after_append(before);
    prefix_bytes = before_tail;
  }
  const int64_t n = prefix_cps + tail.code_points;  // code points
  const int64_t n_bytes = prefix_bytes + m;
  // Every prefix byte is ASCII where the long period runs (its unit is in the
  // ASCII window), so its bytes are code points there.
  const int64_t ell_p0 = p0 > 0 ? (last_break < 0 ? n_bytes : n_bytes - 1 - last_break + p0) : 0;

  // Selection, as FindTailPeriod does it, over exact tail lengths.
  TextTailPeriod best;
  best.tail.n = n;
  auto make = [&](int64_t p, int64_t ell) {
    TailPeriod r;
    r.n = n;
    r.found = true;
    r.period = p;
    r.covered = ell;
    r.onset = n - ell;
    r.full_copies = ell / p;
    r.repeats = static_cast<double>(ell) / static_cast<double>(p);
    r.partial_last_copy = ell % p != 0;
    r.coverage = static_cast<double>(ell) / static_cast<double>(n);
    if (params.projected_total > 0) {
      const int64_t total = std::max(params.projected_total, n);
      r.coverage_projected = static_cast<double>(total - r.onset) / static_cast<double>(total);
    } else {
      r.coverage_projected = r.coverage;
    }
    r.periodic = r.coverage_projected >= params.min_coverage;
    return r;
  };
  for (int64_t p = 1; p < count; ++p) {
    // Skip 64 periods at a time while none can qualify (a vectorized test:
    // a candidate needs ell >= k p and ell >= l_min).
    if ((p - 1) % 64 == 0 && p + 64 <= count) {
      bool any = false;
      for (int64_t q = p; q < p + 64; ++q) {
        const int64_t e = q + z[static_cast<size_t>(q)];
        any |= ((e >= k * q) & (e >= params.l_min)) | (e >= m);
      }
      if (!any) {
        p += 63;
        continue;
      }
    }
    int64_t ell = p + z[static_cast<size_t>(p)];
    if (ell >= m) {
      if (p != p0) return Full(raw, keep_run_min, params);  // a second long period: not resolved here
      ell = ell_p0;
    }
    if (ell < k * p || ell < params.l_min) continue;
    TailPeriod r = make(p, ell);
    if (r.periodic || !best.tail.found) {
      best.tail = r;
      // The unit starts at the onset: a rotation of the last p bytes.
      const int64_t onset_b = n_bytes - ell;
      const int64_t shift = ((onset_b - (n_bytes - p)) % p + p) % p;
      best.unit.assign(tail.utf8, static_cast<size_t>(m - p + shift), static_cast<size_t>(p - shift));
      best.unit.append(tail.utf8, static_cast<size_t>(m - p), static_cast<size_t>(shift));
    }
    if (r.periodic) return best;
  }
  return best;
}

}  // namespace doomscope
