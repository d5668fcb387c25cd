// BF16 x float with AVX2 + FMA (matmul_bf16.h), for CPUs without AVX-512 BF16.
// A 32-bit lane of bf16 data holds one pair: its high half is the odd element,
// already an f32 once the low half is masked off, and the low half shifted up
// is the even one. So two 8-lane accumulators are the arithmetic's 16 lanes:
// per pair, an FMA of the odd products then one of the even products, exact
// products (bf16 x bf16 fits an f32) rounded once each, under MXCSR FTZ|DAZ
// as the instruction does. Gives the scalar reference's bits.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/kernels/matmul_bf16.h"
#include "engine/kernels/mxcsr.h"
#include "engine/kernels/tuning.h"
#include "engine/kernels/vec_avx2.h"

namespace doomscope::engine::kernels {
namespace {

inline __m256 OddHalves(__m256i v) { return _mm256_castsi256_ps(_mm256_and_si256(v, _mm256_set1_epi32(-65536))); }
inline __m256 EvenHalves(__m256i v) { return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)); }

struct Avx2Bf16 {
  struct Acc {
    __m256 lo, hi;  // lanes 0-7, 8-15
  };
  struct X {
    __m256 lo_odd, lo_even, hi_odd, hi_even;
  };
  static constexpr int kMaxCols = 1;
  // 2R accumulators, the four activation vectors and two weight temporaries in 16 registers.
  static constexpr int MaxRows(int) { return 4; }
  static Acc Zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
  static X LoadX(const uint16_t* x) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 16));
    return {OddHalves(lo), EvenHalves(lo), OddHalves(hi), EvenHalves(hi)};
  }
  static void Step(Acc& acc, const std::byte* w, const X& x) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32));
    acc.lo = _mm256_fmadd_ps(OddHalves(lo), x.lo_odd, acc.lo);
    acc.lo = _mm256_fmadd_ps(EvenHalves(lo), x.lo_even, acc.lo);
    acc.hi = _mm256_fmadd_ps(OddHalves(hi), x.hi_odd, acc.hi);
    acc.hi = _mm256_fmadd_ps(EvenHalves(hi), x.hi_even, acc.hi);
  }
  static void Sum8(const Acc* a, float* out) {
    __m256 h[8];
    for (int i = 0; i < 8; ++i) h[i] = _mm256_add_ps(a[i].lo, a[i].hi);
    _mm256_storeu_ps(out, avx2_detail::Hsum8x8(h));
  }
  static float Sum1(const Acc& a) { return avx2_detail::Hsum8(_mm256_add_ps(a.lo, a.hi)); }
};

#include "engine/kernels/bf16_tiles.h"

}  // namespace

void ActivationsToBf16Avx2(const float* x, int64_t k, uint16_t* out) {
  // ActivationToBf16 on eight lanes, in integer arithmetic (independent of MXCSR).
  const __m256i exponent = _mm256_set1_epi32(0x7F800000), magnitude = _mm256_set1_epi32(0x7FFFFFFF);
  int64_t i = 0;
  for (; i + 8 <= k; i += 8) {
    const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i high = _mm256_srli_epi32(u, 16);
    const __m256i rounded =
        _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7FFF)),
                                           _mm256_and_si256(high, _mm256_set1_epi32(1))), 16);
    const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, magnitude), exponent);
    const __m256i is_tiny = _mm256_cmpeq_epi32(_mm256_and_si256(u, exponent), _mm256_setzero_si256());
    __m256i r = _mm256_blendv_epi8(rounded, _mm256_or_si256(high, _mm256_set1_epi32(0x40)), is_nan);
    r = _mm256_blendv_epi8(r, _mm256_and_si256(high, _mm256_set1_epi32(0x8000)), is_tiny);
    // 32-bit lanes (each below 2^16) to 16-bit: pack within 128-bit halves, then put the halves in order.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_castsi256_si128(packed));
  }
  for (; i < k; ++i) out[i] = ActivationToBf16(x[i]);
  for (; i < Bf16PaddedLength(k); ++i) out[i] = 0;
}

void MatmulBf16Avx2(const MatmulArgs& a) {
  if (a.row_end <= a.row_begin || a.n_rows <= 0) return;
  ScopedFtzDaz mode;
  Bf16Matmul<Avx2Bf16>(a, ActivationsToBf16Avx2);
}

}  // namespace doomscope::engine::kernels
