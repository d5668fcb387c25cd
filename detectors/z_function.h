// The Z-function of a reversed sequence, computed in place on the original
// (D1's core), and the vectorized backward match it is built on.
//
// For y = reverse(x), Z[i] = lcp(y, y[i..]) = the length of the longest common
// suffix of x and x[0, n-i). The tail of x then has period p over
// ell_p = p + Z[p] units: x[j] == x[j-p] for every j in [n - ell_p + p, n).
#ifndef DOOMSCOPE_DETECTORS_Z_FUNCTION_H_
#define DOOMSCOPE_DETECTORS_Z_FUNCTION_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace doomscope {

// Number of k in [0, max) with a_end[-1-k] == b_end[-1-k] for all smaller k:
// how far two byte ranges ending at a_end and b_end agree, read backwards.
inline size_t CommonSuffixBytes(const uint8_t* a_end, const uint8_t* b_end, size_t max) {
  size_t k = 0;
#if defined(__SSE2__)
  while (k + 32 <= max) {
    const __m128i a1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a_end - k - 16));
    const __m128i b1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b_end - k - 16));
    const __m128i a0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a_end - k - 32));
    const __m128i b0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b_end - k - 32));
    const unsigned hi = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a1, b1))) ^ 0xFFFFu;
    const unsigned lo = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a0, b0))) ^ 0xFFFFu;
    const unsigned diff = (hi << 16) | lo;  // bit j: byte at a_end - k - 32 + j differs
    if (diff != 0) return k + static_cast<size_t>(__builtin_clz(diff));
    k += 32;
  }
  while (k + 16 <= max) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a_end - k - 16));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b_end - k - 16));
    const unsigned diff = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b))) ^ 0xFFFFu;
    if (diff != 0) return k + static_cast<size_t>(__builtin_clz(diff)) - 16;
    k += 16;
  }
#else
  while (k + 8 <= max) {
    uint64_t a, b;
    std::memcpy(&a, a_end - k - 8, 8);
    std::memcpy(&b, b_end - k - 8, 8);
    if (a != b) break;
    k += 8;
  }
#endif
  while (k < max && a_end[-1 - static_cast<ptrdiff_t>(k)] == b_end[-1 - static_cast<ptrdiff_t>(k)]) ++k;
  return k;
}

// The same over elements of type T (equal elements have equal bytes).
template <typename T>
size_t CommonSuffix(const T* a_end, const T* b_end, size_t max) {
  if constexpr (sizeof(T) == 1) {
    return CommonSuffixBytes(reinterpret_cast<const uint8_t*>(a_end), reinterpret_cast<const uint8_t*>(b_end), max);
  } else {
    return CommonSuffixBytes(reinterpret_cast<const uint8_t*>(a_end), reinterpret_cast<const uint8_t*>(b_end),
                             max * sizeof(T)) /
           sizeof(T);
  }
}

// Fills z[1..count) with the Z-function of reverse(x[0, n)) (count <= n; z[0]
// is set to n). O(n + count) time: every successful comparison moves the
// Z-box's right end, which never passes n.
template <typename T>
void ReverseZ(const T* x, size_t n, size_t count, int32_t* z) {
  if (count == 0) return;
  z[0] = static_cast<int32_t>(n);
  size_t l = 0, r = 0;  // the Z-box [l, r) in reversed coordinates
  for (size_t i = 1; i < count; ++i) {
    if constexpr (sizeof(T) == 1) {
      // Outside the Z-box, z[i] > 0 needs x[n-1-i] == x[n-1]: jump to the
      // next such i with memrchr (text: most positions), zeroing the rest.
      if (i >= r && x[n - 1 - i] != x[n - 1]) {
        const void* hit = memrchr(x, x[n - 1], n - i);
        const size_t next =
            hit == nullptr ? count : std::min(count, n - 1 - static_cast<size_t>(static_cast<const T*>(hit) - x));
        std::fill(z + i, z + next, 0);
        i = next;
        if (i >= count) break;
      }
    }
    size_t zi = 0;
    if (i < r) zi = std::min(r - i, static_cast<size_t>(z[i - l]));
    if (i + zi >= r) {
      // Most shifts fail at once: test one element before the vector match.
      if (i + zi < n && x[n - 1 - zi] == x[n - 1 - i - zi]) {
        zi += CommonSuffix(x + n - zi, x + n - i - zi, n - i - zi);
      }
      l = i, r = i + zi;
    }
    z[i] = static_cast<int32_t>(zi);
  }
}

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_Z_FUNCTION_H_
