#include "detectors/normalize.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace doomscope {
namespace {

// ASCII whitespace in Python's sense: \t \n \v \f \r, U+001C..U+001F, space.
constexpr bool IsAsciiWhitespace(uint8_t b) {
  return b == 0x20 || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F);
}

// Grows `s` so that `need` bytes fit, without shrinking; returns its data.
// (std::string grows its capacity geometrically; only the new bytes are
// zeroed, and a reused buffer of the last sample's size needs almost none.)
char* Reserve(std::string* s, size_t need) {
  if (s->size() < need) s->resize(need);
  return s->data();
}

// The fast path. A block of ASCII bytes in which every byte <= 0x20 is a space
// or a "\n" and no two such bytes are adjacent (checked against the byte after
// the block too) folds by turning each "\n" into a space: max(b, 0x20) on
// exactly those bytes. Returns where it stopped; the bytes in between are
// copied to d + *w.
#if !defined(__SSE2__)
size_t FoldAsciiBlocksScalar(const uint8_t*, size_t i, size_t, char*, size_t*) { return i; }
#endif

#if defined(__SSE2__)
template <bool kWrite>
size_t FoldAsciiBlocksSse2(const uint8_t* s, size_t i, size_t n, char* d, size_t* w) {
  const __m128i c20 = _mm_set1_epi8(0x20), nl = _mm_set1_epi8('\n');
  auto low = [&](__m128i x) { return _mm_cmpeq_epi8(_mm_min_epu8(x, c20), x); };  // x <= 0x20
  while (i + 17 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 1));
    const __m128i lo = low(v);
    const __m128i ok = _mm_or_si128(_mm_cmpeq_epi8(v, c20), _mm_cmpeq_epi8(v, nl));
    const __m128i bad = _mm_or_si128(_mm_andnot_si128(ok, lo), _mm_and_si128(lo, low(v1)));
    if ((_mm_movemask_epi8(v) | _mm_movemask_epi8(bad)) != 0) break;
    if constexpr (kWrite) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + *w), _mm_max_epu8(v, _mm_and_si128(lo, c20)));
    }
    *w += 16, i += 16;
  }
  return i;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
// AVX2: the adjacency test runs on the 32-bit masks (a byte <= 0x20 followed
// by another, the block's last byte checked against the next block's first),
// which saves a second load and compare per block.
template <bool kWrite>
__attribute__((target("avx2"))) size_t FoldAsciiBlocksAvx2(const uint8_t* s, size_t i, size_t n, char* d,
                                                           size_t* w) {
  const __m256i c20 = _mm256_set1_epi8(0x20), nl = _mm256_set1_epi8('\n');
  size_t o = *w;
  // 64 bytes per step: two vectors, one 64-bit mask test.
  while (i + 65 <= n) {
    const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i + 32));
    const __m256i lo0 = _mm256_cmpeq_epi8(_mm256_min_epu8(v0, c20), v0);
    const __m256i lo1 = _mm256_cmpeq_epi8(_mm256_min_epu8(v1, c20), v1);
    const __m256i ok0 = _mm256_or_si256(_mm256_cmpeq_epi8(v0, c20), _mm256_cmpeq_epi8(v0, nl));
    const __m256i ok1 = _mm256_or_si256(_mm256_cmpeq_epi8(v1, c20), _mm256_cmpeq_epi8(v1, nl));
    const uint64_t high = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(v0, v1)));
    const uint64_t low = static_cast<uint32_t>(_mm256_movemask_epi8(lo0)) |
                         (static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(lo1))) << 32);
    const uint64_t fine = static_cast<uint32_t>(_mm256_movemask_epi8(ok0)) |
                          (static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(ok1))) << 32);
    const uint64_t next_low = s[i + 64] <= 0x20 ? 1u : 0u;
    const uint64_t adjacent = low & ((low >> 1) | (next_low << 63));
    if ((high | (low & ~fine) | adjacent) != 0) break;
    if constexpr (kWrite) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + o), _mm256_max_epu8(v0, _mm256_and_si256(lo0, c20)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + o + 32), _mm256_max_epu8(v1, _mm256_and_si256(lo1, c20)));
    }
    o += 64, i += 64;
  }
  // Then 32 at a time, so a block that breaks the 64-byte test is narrowed down.
  while (i + 33 <= n) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    const __m256i lo = _mm256_cmpeq_epi8(_mm256_min_epu8(v, c20), v);
    const __m256i ok = _mm256_or_si256(_mm256_cmpeq_epi8(v, c20), _mm256_cmpeq_epi8(v, nl));
    const uint32_t high = static_cast<uint32_t>(_mm256_movemask_epi8(v));
    const uint32_t low = static_cast<uint32_t>(_mm256_movemask_epi8(lo));
    const uint32_t fine = static_cast<uint32_t>(_mm256_movemask_epi8(ok));
    const uint32_t next_low = s[i + 32] <= 0x20 ? 1u : 0u;
    const uint32_t adjacent = low & ((low >> 1) | (next_low << 31));
    if ((high | (low & ~fine) | adjacent) != 0) break;
    if constexpr (kWrite) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + o), _mm256_max_epu8(v, _mm256_and_si256(lo, c20)));
    }
    o += 32, i += 32;
  }
  *w = o;
  return i;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
// AVX-512BW: the same tests straight into 64-bit mask registers, one vector a
// block; the AVX2 version narrows down the block that breaks the test.
template <bool kWrite>
__attribute__((target("avx512f,avx512bw"))) size_t FoldAsciiBlocksAvx512(const uint8_t* s, size_t i, size_t n,
                                                                        char* d, size_t* w) {
  const __m512i c20 = _mm512_set1_epi8(0x20), nl = _mm512_set1_epi8('\n');
  size_t o = *w;
  while (i + 65 <= n) {
    const __m512i v = _mm512_loadu_si512(s + i);
    const uint64_t high = _mm512_movepi8_mask(v);
    const uint64_t low = _mm512_cmple_epu8_mask(v, c20);
    const uint64_t fine = _mm512_cmpeq_epi8_mask(v, c20) | _mm512_cmpeq_epi8_mask(v, nl);
    const uint64_t next_low = s[i + 64] <= 0x20 ? 1u : 0u;
    const uint64_t adjacent = low & ((low >> 1) | (next_low << 63));
    if ((high | (low & ~fine) | adjacent) != 0) break;
    if constexpr (kWrite) _mm512_storeu_si512(d + o, _mm512_mask_mov_epi8(v, low, c20));
    o += 64, i += 64;
  }
  *w = o;
  return FoldAsciiBlocksAvx2<kWrite>(s, i, n, d, w);
}
#endif

using FoldFn = size_t (*)(const uint8_t*, size_t, size_t, char*, size_t*);

template <bool kWrite>
FoldFn PickFold() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx512bw")) return FoldAsciiBlocksAvx512<kWrite>;
  if (__builtin_cpu_supports("avx2")) return FoldAsciiBlocksAvx2<kWrite>;
#endif
#if defined(__SSE2__)
  return FoldAsciiBlocksSse2<kWrite>;
#else
  return FoldAsciiBlocksScalar;
#endif
}

// With kWrite false the blocks are only counted (w still advances).
template <bool kWrite>
size_t FoldAsciiBlocks(const uint8_t* s, size_t i, size_t n, char* d, size_t* w) {
  static const FoldFn fold = PickFold<kWrite>();
  return fold(s, i, n, d, w);
}

}  // namespace

bool IsWhitespace(int32_t cp) {
  if (cp < 0x80) return IsAsciiWhitespace(static_cast<uint8_t>(cp));
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool IsLineBreak(int32_t cp) {
  // \r is handled by the caller (a \r\n pair is one break).
  return cp == '\n' || cp == '\v' || cp == '\f' || cp == '\r' || (cp >= 0x1C && cp <= 0x1E) ||
         cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

namespace {

// The normalization itself; with kWrite false it only counts (o is unused).
// Writing goes to (*o)[*length...]; o's size only grows (bytes past the new
// *length are scratch), so a reused buffer is not zeroed again.
template <bool kWrite>
int64_t NormalizeCore(std::string_view raw, int keep_run_min, std::string* o, size_t* length, bool* ascii_out) {
  const size_t n = raw.size();
  size_t w = kWrite ? *length : 0;  // bytes written
  char* d = kWrite ? Reserve(o, w + n + 16) : nullptr;
  size_t i = 0;  // bytes read
  int64_t cps = 0;
  bool ascii = true;
  const auto* s = reinterpret_cast<const uint8_t*>(raw.data());

  while (i < n) {
    const size_t fast_start = i;
    i = FoldAsciiBlocks<kWrite>(s, i, n, d, &w);
    cps += static_cast<int64_t>(i) - static_cast<int64_t>(fast_start);
    if (i >= n) break;
    const uint8_t b = s[i];
    if (b < 0x80 && !IsAsciiWhitespace(b)) {
      if constexpr (kWrite) d[w] = static_cast<char>(b);
      ++w, ++i, ++cps;
      continue;
    }
    size_t next = i;
    const int32_t cp = DecodeOne(raw, &next);
    if (!IsWhitespace(cp)) {
      // A non-ASCII code point: copy it when valid, else write U+FFFD.
      ascii = false;
      if constexpr (kWrite) {
        if (cp == kReplacementChar && !(next - i == 3 && s[i] == 0xEF && s[i + 1] == 0xBF && s[i + 2] == 0xBD)) {
          d = Reserve(o, w + 3 + (n - next) + 16);
          d[w++] = static_cast<char>(0xEF), d[w++] = static_cast<char>(0xBF), d[w++] = static_cast<char>(0xBD);
        } else {
          std::memcpy(d + w, s + i, next - i);
          w += next - i;
        }
      }
      i = next, ++cps;
      continue;
    }
    // A whitespace run: measure it, then fold it (or keep a long one).
    const size_t run_start = i;
    int64_t run_cps = 0, breaks = 0;
    int32_t c = cp;
    size_t pos = next;
    while (true) {
      ++run_cps;
      if (c == '\r') {
        if (!(pos < n && s[pos] == '\n')) ++breaks;
      } else if (IsLineBreak(c)) {
        ++breaks;
      }
      if (pos >= n) break;
      size_t after = pos;
      const int32_t c2 = s[pos] < 0x80 ? s[after++] : DecodeOne(raw, &after);
      if (!IsWhitespace(c2)) break;
      c = c2, pos = after;
    }
    i = pos;
    if (run_cps >= keep_run_min) {
      if constexpr (kWrite) std::memcpy(d + w, s + run_start, i - run_start);  // valid UTF-8 whitespace
      w += i - run_start;
      cps += run_cps;
      for (size_t k = run_start; k < i; ++k) ascii &= s[k] < 0x80;
    } else if (breaks >= 2) {
      if constexpr (kWrite) d[w] = '\n', d[w + 1] = '\n';
      w += 2;
      cps += 2;
    } else {
      if constexpr (kWrite) d[w] = ' ';
      w += 1;
      cps += 1;
    }
  }
  if constexpr (kWrite) *length = w;
  if (ascii_out != nullptr) *ascii_out = ascii;
  return cps;
}

}  // namespace

void NormalizeText(std::string_view raw, int keep_run_min, NormalizedText* out) {
  size_t length = 0;
  out->code_points = NormalizeCore<true>(raw, keep_run_min, &out->utf8, &length, &out->ascii);
  out->utf8.resize(length);
}

int64_t NormalizeAt(std::string_view raw, int keep_run_min, std::string* buffer, size_t* length, bool* ascii) {
  return NormalizeCore<true>(raw, keep_run_min, buffer, length, ascii);
}

int64_t CountNormalizedCodePoints(std::string_view raw, int keep_run_min) {
  return NormalizeCore<false>(raw, keep_run_min, nullptr, nullptr, nullptr);
}


}  // namespace doomscope
